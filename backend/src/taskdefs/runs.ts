import { join } from 'node:path';
import { z } from 'zod/v4';
import type { RunTaskInput, TaskRunView } from '@ecs-endpoints/contract';
import { JsonFile } from '../state/json-file.ts';
import type { TaskPlan } from './plan.ts';

/**
 * The runs of task definitions, as the runner knows them: what the API shows plus what the runner
 * needs after a restart to adopt a run's containers (no secret: values are only ever in the
 * containers' environment). Kept in task-runs.json in the state directory.
 */

const Condition = z.enum(['START', 'COMPLETE', 'SUCCESS', 'HEALTHY']);

const RunContainer = z.looseObject({
  name: z.string(),
  image: z.string(),
  essential: z.boolean(),
  status: z.enum(['PENDING', 'PULLING', 'CREATED', 'RUNNING', 'STOPPED']),
  dockerId: z.string().optional(),
  dockerName: z.string().optional(),
  exitCode: z.number().optional(),
  health: z.enum(['HEALTHY', 'UNHEALTHY', 'UNKNOWN']).optional(),
  reason: z.string().optional(),
  waitingFor: z.string().optional(),
  // Runner-only:
  dependsOn: z.array(z.object({ containerName: z.string(), condition: Condition })),
  startTimeout: z.number().optional(),
  stopTimeout: z.number(),
  hasHealthCheck: z.boolean(),
  /** When it first ran (a dependency's startTimeout counts from here). */
  startedAt: z.string().optional(),
  /** Its container metadata file's directory, and whether the READY version is written. */
  metadataDir: z.string().optional(),
  metadataReady: z.boolean().optional(),
});

const Run = z.looseObject({
  id: z.string().regex(/^[0-9a-f]{32}$/),
  taskArn: z.string(),
  family: z.string(),
  revision: z.number(),
  taskDefinitionArn: z.string(),
  networkMode: z.enum(['awsvpc', 'bridge', 'host']),
  lastStatus: z.enum(['PROVISIONING', 'PENDING', 'RUNNING', 'DEPROVISIONING', 'STOPPED']),
  desiredStatus: z.enum(['RUNNING', 'STOPPED']),
  baseSource: z.string(),
  sourceId: z.string(),
  createdAt: z.string(),
  startedAt: z.string().optional(),
  stoppingAt: z.string().optional(),
  stoppedAt: z.string().optional(),
  stopCode: z.enum(['EssentialContainerExited', 'UserInitiated', 'TaskFailedToStart']).optional(),
  stoppedReason: z.string().optional(),
  warnings: z.array(z.string()),
  discoveryNames: z.array(z.string()).optional(),
  serviceName: z.string().optional(),
  containers: z.array(RunContainer),
  pauseId: z.string().optional(),
  /** The run's definition and choices (never a secret value), for "run again". */
  again: z.looseObject({ taskDefinition: z.unknown(), baseSource: z.string() }).optional(),
});

export type RunRecord = z.infer<typeof Run>;
export type RunContainerRecord = z.infer<typeof RunContainer>;

const Doc = z.object({ version: z.literal(1), runs: z.array(Run) });
type DocT = z.infer<typeof Doc>;

/** What the API shows of a run: the record without the runner's own fields. */
export function runView(r: RunRecord): TaskRunView {
  const { pauseId: _p, again: _a, ...rest } = r;
  return {
    ...rest,
    containers: r.containers.map(({ dependsOn: _d, startTimeout: _s, stopTimeout: _t, hasHealthCheck: _h, startedAt: _a, metadataDir: _m, metadataReady: _r, ...c }) => c),
  } as TaskRunView;
}

/** A new run's record: what the plan decided, and what "run again" needs (never a secret value or an environment file). */
export function newRun(r: { taskId: string; definition: NonNullable<RunRecord['again']>['taskDefinition']; plan: TaskPlan; input: RunTaskInput; base: string; sourceId: string }): RunRecord {
  const { plan, input } = r;
  return {
    id: r.taskId,
    again: {
      taskDefinition: r.definition,
      baseSource: input.baseSource ?? 'default',
      ...(input.serviceName ? { serviceName: input.serviceName } : {}),
      ...(input.serviceConnect ? { serviceConnect: input.serviceConnect } : {}),
      ...(input.serviceRegistries ? { serviceRegistries: input.serviceRegistries } : {}),
    },
    taskArn: plan.taskArn,
    family: plan.family,
    revision: plan.revision,
    taskDefinitionArn: plan.taskDefinitionArn,
    networkMode: plan.networkMode,
    lastStatus: 'PROVISIONING',
    desiredStatus: 'RUNNING',
    baseSource: r.base,
    sourceId: r.sourceId,
    createdAt: new Date().toISOString(),
    warnings: plan.warnings,
    ...(plan.discoveryNames.length ? { discoveryNames: plan.discoveryNames } : {}),
    ...(input.serviceName ? { serviceName: input.serviceName } : {}),
    containers: plan.containers.map((c) => ({
      name: c.name,
      image: c.image,
      essential: c.essential,
      status: 'PENDING',
      dockerName: c.create.name,
      dependsOn: c.dependsOn,
      ...(c.startTimeout ? { startTimeout: c.startTimeout } : {}),
      stopTimeout: c.stopTimeout,
      hasHealthCheck: c.hasHealthCheck,
      ...(c.metadataDir ? { metadataDir: c.metadataDir } : {}),
    })),
  };
}

export class RunStore {
  private readonly file: JsonFile<DocT>;

  constructor(stateDir: string) {
    this.file = new JsonFile(join(stateDir, 'task-runs.json'), Doc, () => ({ version: 1 as const, runs: [] }));
  }

  get problems() {
    return this.file.problems;
  }

  all(): RunRecord[] {
    return this.file.get().runs;
  }

  get(id: string): RunRecord | undefined {
    return this.all().find((r) => r.id === id);
  }

  /** Insert or replace a run (by id). */
  put(run: RunRecord): void {
    this.file.update((d) => ({ ...d, runs: [...d.runs.filter((r) => r.id !== run.id), run] }));
  }

  delete(id: string): void {
    this.file.update((d) => ({ ...d, runs: d.runs.filter((r) => r.id !== id) }));
  }
}
