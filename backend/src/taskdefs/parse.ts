import { z } from 'zod/v4';

/**
 * An ECS task definition as `aws ecs describe-task-definition` prints it (`{"taskDefinition": …}`)
 * or as `register-task-definition --cli-input-json` takes it: parsed, validated with the field
 * path of every problem and what to change, and what cannot be honoured locally listed as a
 * warning, never dropped silently. Pure: nothing here runs anything.
 */

const KeyValue = z.object({ name: z.string().min(1), value: z.string() });
const Condition = z.enum(['START', 'COMPLETE', 'SUCCESS', 'HEALTHY']);

const ContainerDefinition = z.looseObject({
  name: z.string().regex(/^[A-Za-z0-9_-]{1,255}$/, 'letters, digits, - and _, up to 255'),
  image: z.string({ error: 'every container needs an image' }).min(1, 'every container needs an image'),
  essential: z.boolean().optional(),
  command: z.array(z.string()).optional(),
  entryPoint: z.array(z.string()).optional(),
  environment: z.array(KeyValue).optional(),
  // ECS knows only type s3 (an object ARN); locally a path to a file is accepted too.
  environmentFiles: z.array(z.object({ value: z.string().min(1), type: z.literal('s3').optional() })).optional(),
  secrets: z.array(z.object({ name: z.string().min(1), valueFrom: z.string().min(1) })).optional(),
  portMappings: z
    .array(z.looseObject({ containerPort: z.number().int().min(0).max(65535).optional(), hostPort: z.number().int().min(0).max(65535).optional(), protocol: z.enum(['tcp', 'udp']).optional(), name: z.string().optional() }))
    .optional(),
  dependsOn: z.array(z.object({ containerName: z.string().min(1), condition: Condition })).optional(),
  startTimeout: z.number().int().min(2).max(120).optional(),
  stopTimeout: z.number().int().min(2).max(120).optional(),
  healthCheck: z
    .object({ command: z.array(z.string()).min(1), interval: z.number().int().optional(), timeout: z.number().int().optional(), retries: z.number().int().optional(), startPeriod: z.number().int().optional() })
    .optional(),
  cpu: z.number().int().min(0).optional(),
  memory: z.number().int().min(4).optional(),
  memoryReservation: z.number().int().min(4).optional(),
  user: z.string().optional(),
  workingDirectory: z.string().optional(),
  readonlyRootFilesystem: z.boolean().optional(),
  dockerLabels: z.record(z.string(), z.string()).optional(),
  mountPoints: z.array(z.object({ sourceVolume: z.string().min(1), containerPath: z.string().min(1), readOnly: z.boolean().optional() })).optional(),
  logConfiguration: z.looseObject({ logDriver: z.string(), options: z.record(z.string(), z.string()).optional() }).optional(),
});

const TaskDefinition = z.looseObject({
  family: z.string().regex(/^[A-Za-z0-9_-]{1,255}$/, 'letters, digits, - and _, up to 255'),
  revision: z.number().int().min(1).optional(),
  taskDefinitionArn: z.string().optional(),
  taskRoleArn: z.string().regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/.+$/, 'a role ARN').optional(),
  executionRoleArn: z.string().regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/.+$/, 'a role ARN').optional(),
  networkMode: z.enum(['awsvpc', 'bridge', 'host', 'none']).optional(),
  containerDefinitions: z.array(ContainerDefinition).min(1, 'a task definition needs at least one container'),
  volumes: z.array(z.looseObject({ name: z.string().min(1), host: z.object({ sourcePath: z.string().optional() }).optional() })).optional(),
  cpu: z.string().optional(),
  memory: z.string().optional(),
  tags: z.array(z.object({ key: z.string(), value: z.string() })).optional(),
  /** Fault injection (agent 1.88+): the agent's fault routes act on the task's network namespace. */
  enableFaultInjection: z.boolean().optional(),
});

export type ContainerDef = z.infer<typeof ContainerDefinition>;
export type TaskDef = z.infer<typeof TaskDefinition>;

export interface TaskDefIssue {
  /** The field, e.g. containerDefinitions[1].dependsOn[0].condition. */
  path: string;
  message: string;
}

/** A task definition that cannot run; `issues` name every field and what to change. */
export class TaskDefError extends Error {
  constructor(
    readonly issues: TaskDefIssue[],
    readonly remedy = 'Fix the fields named and try again; the format is the one aws ecs describe-task-definition prints.',
  ) {
    super(`The task definition is not valid: ${issues.map((i) => `${i.path || '(root)'}: ${i.message}`).join('; ')}.`);
  }
}

/** Fields ECS honours that a local run cannot, and why: each becomes a warning. */
const UNSUPPORTED: Record<string, string> = {
  placementConstraints: 'placement is about container instances; locally there is one machine',
  requiresCompatibilities: 'the launch type only shapes the metadata here (LaunchType)',
  runtimePlatform: 'containers run on this machine\'s platform',
  inferenceAccelerators: 'no Elastic Inference locally',
  proxyConfiguration: 'App Mesh proxies are not emulated',
  ephemeralStorage: 'local storage is what Docker gives',
  ipcMode: 'not applied',
  pidMode: 'not applied',
};

const CONTAINER_UNSUPPORTED: Record<string, string> = {
  repositoryCredentials: 'private registries other than ECR are not logged in to',
  firelensConfiguration: 'FireLens is not emulated; logs stay in Docker',
  resourceRequirements: 'GPUs are not assigned',
  links: 'use awsvpc or the managed network\'s names instead',
  systemControls: 'not applied',
};

function pathOf(parts: PropertyKey[]): string {
  return parts.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`)).join('');
}

export interface ParsedTaskDef {
  definition: TaskDef;
  warnings: string[];
}

/** Parse a task definition's JSON text (or an already parsed value). Throws TaskDefError. */
export function parseTaskDefinition(input: string | unknown): ParsedTaskDef {
  let raw: unknown = input;
  if (typeof input === 'string') {
    try {
      raw = JSON.parse(input);
    } catch (err) {
      throw new TaskDefError([{ path: '', message: `not JSON: ${(err as Error).message}` }], 'Paste the JSON that aws ecs describe-task-definition prints.');
    }
  }
  // describe-task-definition wraps it; register-task-definition's input is the definition itself.
  if (raw && typeof raw === 'object' && 'taskDefinition' in raw) raw = (raw as { taskDefinition: unknown }).taskDefinition;
  const parsed = TaskDefinition.safeParse(raw);
  if (!parsed.success) throw new TaskDefError(parsed.error.issues.map((i) => ({ path: pathOf(i.path), message: i.message })));
  const def = parsed.data;
  const issues = crossChecks(def);
  if (issues.length) throw new TaskDefError(issues);
  return { definition: def, warnings: warnings(def) };
}

function crossChecks(def: TaskDef): TaskDefIssue[] {
  const issues: TaskDefIssue[] = [];
  const names = new Map<string, number>();
  def.containerDefinitions.forEach((c, i) => {
    if (names.has(c.name)) issues.push({ path: `containerDefinitions[${i}].name`, message: `"${c.name}" is also the name of containerDefinitions[${names.get(c.name)}]; names must be unique` });
    names.set(c.name, i);
  });
  const volumes = new Set((def.volumes ?? []).map((v) => v.name));
  def.containerDefinitions.forEach((c, i) => {
    (c.dependsOn ?? []).forEach((d, j) => {
      const at = `containerDefinitions[${i}].dependsOn[${j}].containerName`;
      if (d.containerName === c.name) issues.push({ path: at, message: 'a container cannot depend on itself' });
      else if (!names.has(d.containerName)) issues.push({ path: at, message: `there is no container "${d.containerName}" (containers: ${[...names.keys()].join(', ')})` });
    });
    (c.mountPoints ?? []).forEach((m, j) => {
      if (!volumes.has(m.sourceVolume)) issues.push({ path: `containerDefinitions[${i}].mountPoints[${j}].sourceVolume`, message: `there is no volume "${m.sourceVolume}" in volumes` });
    });
  });
  if (!def.containerDefinitions.some((c) => c.essential !== false)) issues.push({ path: 'containerDefinitions', message: 'at least one container must be essential (essential defaults to true)' });
  const cycle = dependencyCycle(def);
  if (cycle) issues.push({ path: `containerDefinitions[${names.get(cycle[0]!)}].dependsOn`, message: `dependsOn goes round in a circle: ${cycle.join(' → ')}` });
  return issues;
}

/** A dependsOn cycle as container names (first repeated at the end), or undefined. */
function dependencyCycle(def: TaskDef): string[] | undefined {
  const deps = new Map(def.containerDefinitions.map((c) => [c.name, (c.dependsOn ?? []).map((d) => d.containerName)]));
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const visit = (n: string): string[] | undefined => {
    if (state.get(n) === 'done') return undefined;
    if (state.get(n) === 'visiting') return [...stack.slice(stack.indexOf(n)), n];
    state.set(n, 'visiting');
    stack.push(n);
    for (const d of deps.get(n) ?? []) {
      if (!deps.has(d)) continue;
      const found = visit(d);
      if (found) return found;
    }
    stack.pop();
    state.set(n, 'done');
    return undefined;
  };
  for (const n of deps.keys()) {
    const found = visit(n);
    if (found) return found;
  }
  return undefined;
}

function warnings(def: TaskDef): string[] {
  const out: string[] = [];
  for (const [field, why] of Object.entries(UNSUPPORTED)) if ((def as Record<string, unknown>)[field] !== undefined) out.push(`${field}: not honoured locally (${why}).`);
  def.containerDefinitions.forEach((c, i) => {
    for (const [field, why] of Object.entries(CONTAINER_UNSUPPORTED)) {
      if ((c as Record<string, unknown>)[field] !== undefined) out.push(`containerDefinitions[${i}].${field}: not honoured locally (${why}).`);
    }
  });
  return out;
}

/** Start order: each container after those it depends on (definition order otherwise). */
export function startOrder(def: TaskDef): string[] {
  const order: string[] = [];
  const placed = new Set<string>();
  const byName = new Map(def.containerDefinitions.map((c) => [c.name, c]));
  const place = (name: string) => {
    if (placed.has(name)) return;
    placed.add(name);
    for (const d of byName.get(name)?.dependsOn ?? []) place(d.containerName);
    order.push(name);
  };
  for (const c of def.containerDefinitions) place(c.name);
  return order;
}
