import { randomBytes, randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { RunTaskInput, TaskRunView, TaskValidationView } from '@ecs-endpoints/contract';
import type { TaskDocker } from '../docker/task-containers.ts';
import { dockerMessage } from '../docker/task-containers.ts';
import { log } from '../log.ts';
import type { ContainerRecord } from '../tasks/types.ts';
import { parseTaskDefinition, startOrder, TaskDefError } from './parse.ts';
import { buildPlan, type PlanSettings, type TaskPlan } from './plan.ts';
import { nextStep, type Step } from './reconcile.ts';
import { newRun, RunStore, runView, type RunContainerRecord, type RunRecord } from './runs.ts';
import { describeTaskDefinition } from './describe.ts';
import { METADATA_FILE_NAME, metadataFile, type MetadataFileContext } from './metadata-file.ts';
import { launchRun } from './launch.ts';
import { SecretError, type SecretCredentials } from './secrets.ts';
import { serviceNames } from './service-names.ts';

export interface RunnerDeps {
  docker: TaskDocker;
  /** The container index's record of a container (event-fed; no Docker call). */
  record(id: string): ContainerRecord | undefined;
  settings: Omit<PlanSettings, 'pause'> & { containerInstanceArn: string };
  pause(): Promise<PlanSettings['pause']>;
  /** The base spec in the form a role can be assumed from (`default` followed to its target). Throws with a remedy. */
  baseSpec(spec: string): string;
  /** The source id a spec stands for. Throws CredentialError. */
  sourceId(spec: string): string;
  /** Credentials of a source (the broker's). */
  credentials(sourceId: string): Promise<SecretCredentials | null>;
  store: RunStore;
  /** The container that holds or asks for a discovery name on the managed network, if any. */
  discoveryHolder?(name: string, serviceName?: string): string | undefined;
}

/** A run that cannot be found, or an action its state does not allow. */
export class TaskRunError extends Error {
  constructor(
    message: string,
    readonly remedy: string,
    readonly kind: 'not-found' | 'conflict',
  ) {
    super(message);
  }
}

/**
 * Runs task definitions on Docker as the agent would: images pulled, secrets fetched, the pause
 * container and every container created up front (a bad configuration fails before anything
 * runs), then each started once its dependsOn conditions hold; an essential container's exit stops
 * the task, dependents first. Progress is driven by the container index's events (`reconcile`),
 * and runs are kept in the state directory, so a restarted backend adopts them.
 */
export class TaskRunner extends EventEmitter<{ change: [] }> {
  private readonly busy = new Set<string>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  /**
   * Containers a start was sent for: the index may still show them as created (its event comes
   * later), and starting one twice would run again a container that had already exited.
   */
  private readonly startSent = new Set<string>();

  constructor(private readonly deps: RunnerDeps) {
    super();
  }

  /** The state file's problems (for the status). */
  get problems() {
    return this.deps.store.problems;
  }

  validate(taskDefinition: unknown): TaskValidationView {
    try {
      const parsed = parseTaskDefinition(taskDefinition);
      return { valid: true, family: parsed.definition.family, warnings: parsed.warnings, issues: [], startOrder: startOrder(parsed.definition) };
    } catch (err) {
      if (err instanceof TaskDefError) return { valid: false, warnings: [], issues: err.issues };
      throw err;
    }
  }

  /** A registered task definition from ECS, with the credentials of a source (a spec; `default` if none). */
  async describe(ref: string, sourceSpec = 'default'): Promise<{ taskDefinition: unknown; tags?: unknown }> {
    const id = this.deps.sourceId(sourceSpec);
    return describeTaskDefinition(ref, { credentials: () => this.deps.credentials(id), region: this.deps.settings.region });
  }

  list(): TaskRunView[] {
    return this.deps.store.all().map(runView).sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  }

  get(id: string): TaskRunView {
    return runView(this.find(id));
  }

  /** Checks everything that can be checked at once (definition, base source, secrets' source), then launches in the background. */
  run(input: RunTaskInput): TaskRunView {
    const parsed = parseTaskDefinition(input.taskDefinition);
    const base = this.deps.baseSpec(input.baseSource ?? 'default');
    const taskId = randomBytes(16).toString('hex');
    const names = parsed.definition.containerDefinitions.map((c) => c.name);
    const service = serviceNames(parsed.definition, input);
    for (const name of new Set([...service.byContainer.values()].flat())) {
      // Tasks of one service share its names, as on ECS.
      const holder = this.deps.discoveryHolder?.(name, input.serviceName);
      if (holder) throw new TaskRunError(`The discovery name "${name}" is already taken on the managed network by "${holder}".`, `Stop or rename "${holder}", or give this service another name.`, 'conflict');
    }
    const plan = buildPlan(parsed, base, { ...this.deps.settings, pause: { image: '' } }, {
      taskId,
      credentialsId: randomBytes(16).toString('hex'),
      endpointIds: Object.fromEntries(names.map((n) => [n, randomUUID()])),
    }, { ...(input.serviceName ? { serviceName: input.serviceName } : {}), names: service.byContainer });
    plan.warnings.push(...service.warnings);
    const sourceId = this.deps.sourceId(plan.sourceSpec);
    const secretsSpec = parsed.definition.executionRoleArn && base !== 'fake' && base !== 'none' ? `role-arn:${parsed.definition.executionRoleArn}?from=${base}` : base;
    const secretsSource = this.deps.sourceId(secretsSpec);
    const run = newRun({ taskId, definition: parsed.definition, plan, input, base, sourceId });
    this.save(run);
    this.busy.add(run.id);
    void this.launch(run, plan, secretsSource, input)
      .catch((err: unknown) => log.error('task run failed', { task: run.id, error: (err as Error).message }))
      .finally(() => {
        this.busy.delete(run.id);
        this.reconcile();
      });
    log.info('task run started', { task: run.id, family: run.family, revision: run.revision, networkMode: run.networkMode });
    return runView(run);
  }

  /**
   * The same definition and choices again, as a new task (a new id). Secret overrides and local
   * environment files are not kept, so such a task fetches them from AWS this time (or says why not).
   */
  runAgain(id: string): TaskRunView {
    const prev = this.find(id);
    if (!prev.again) throw new TaskRunError(`Task ${id} was started by an older version of ECS Endpoints, which did not keep its definition.`, 'Run its task definition again from the file.', 'conflict');
    return this.run(prev.again as RunTaskInput);
  }

  async stop(id: string, reason = 'Task stopped by user'): Promise<TaskRunView> {
    const run = this.find(id);
    if (run.lastStatus !== 'STOPPED') await this.stopRun(run, 'UserInitiated', reason);
    return runView(this.find(id));
  }

  /** Stop if needed, then remove its containers and forget it. */
  async remove(id: string): Promise<void> {
    const run = this.find(id);
    if (run.lastStatus !== 'STOPPED') await this.stopRun(run, 'UserInitiated', 'Task stopped by user');
    await this.removeContainers(run);
    this.deps.store.delete(id);
    this.emit('change');
  }

  async logs(id: string, container: string, tail = 500): Promise<string> {
    const run = this.find(id);
    const c = run.containers.find((x) => x.name === container);
    if (!c) throw new TaskRunError(`Task ${id} has no container "${container}".`, `Its containers: ${run.containers.map((x) => x.name).join(', ')}.`, 'not-found');
    if (!c.dockerId) return '';
    return this.deps.docker.logs(c.dockerId, tail);
  }

  /** At start: runs left by an earlier backend are adopted (their containers found by label), or closed. */
  async resume(): Promise<void> {
    const found = await this.deps.docker.listByLabel('ecs-endpoints.run');
    const ids = new Set(found.map((c) => c.id));
    for (const run of this.deps.store.all()) {
      if (run.lastStatus === 'STOPPED') continue;
      if (run.lastStatus === 'PROVISIONING') {
        // Interrupted while creating: its secrets are gone with the old process, so it cannot go on.
        await this.removeContainers(run);
        this.finish(run, 'TaskFailedToStart', 'ECS Endpoints restarted while the task was being created; run it again.');
        continue;
      }
      if (!run.containers.some((c) => c.dockerId && ids.has(c.dockerId))) {
        this.finish(run, 'TaskFailedToStart', 'Its containers were removed while ECS Endpoints was not running.');
        continue;
      }
      log.info('task run adopted', { task: run.id, family: run.family });
    }
    this.reconcile();
  }

  dispose(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }

  /** Called on every container index change: move each run on (start what may start, stop what must stop). */
  reconcile(): void {
    for (const run of this.deps.store.all()) {
      if (this.busy.has(run.id) || run.lastStatus === 'STOPPED' || run.lastStatus === 'PROVISIONING') continue;
      const before = JSON.stringify(run);
      const step = nextStep(run, (id) => this.deps.record(id), Date.now(), (id) => this.startSent.has(id));
      this.writeReadyMetadata(run);
      if (JSON.stringify(run) !== before) this.save(run);
      void this.act(run, step);
    }
  }

  private metadataContext(run: RunRecord, c: RunContainerRecord): MetadataFileContext {
    const s = this.deps.settings;
    return { cluster: s.cluster, containerInstanceArn: s.containerInstanceArn, taskArn: run.taskArn, family: run.family, revision: run.revision, containerName: c.name, availabilityZone: `${s.region}a`, networkMode: run.networkMode };
  }

  /** The READY metadata file, once, for each container that runs and has one. */
  private writeReadyMetadata(run: RunRecord): void {
    for (const c of run.containers) {
      if (!c.metadataDir || c.metadataReady || c.status !== 'RUNNING' || !c.dockerId) continue;
      const r = this.deps.record(c.dockerId);
      if (!r) continue;
      c.metadataReady = true;
      const owner = run.pauseId ? this.deps.record(run.pauseId) : r;
      const address = owner?.networks.find((n) => n.name === this.deps.settings.network)?.ip;
      this.deps.docker.writeFile(c.dockerId, c.metadataDir, METADATA_FILE_NAME, metadataFile(this.metadataContext(run, c), r, address)).catch((err: unknown) => {
        log.warn('could not write the container metadata file', { task: run.id, container: c.name, error: dockerMessage(err) });
      });
    }
  }

  private async act(run: RunRecord, step: Step): Promise<void> {
    if (step.kind === 'none') {
      this.armTimer(run, step.recheckAt);
      return;
    }
    if (step.kind === 'stop') {
      await this.stopRun(run, step.code, step.reason);
      return;
    }
    this.busy.add(run.id);
    try {
      for (const c of step.containers) {
        try {
          this.startSent.add(c.dockerId!);
          await this.deps.docker.start(c.dockerId!);
        } catch (err) {
          c.reason = `CannotStartContainerError: ${dockerMessage(err)}`;
          this.save(run);
          this.busy.delete(run.id);
          await this.stopRun(run, 'TaskFailedToStart', `Container ${c.name} could not start: ${dockerMessage(err)}`);
          return;
        }
      }
    } finally {
      this.busy.delete(run.id);
    }
    // The index's news of these starts may have come while the run was busy, and so was skipped.
    this.reconcile();
  }

  private armTimer(run: RunRecord, at: number | undefined): void {
    clearTimeout(this.timers.get(run.id));
    this.timers.delete(run.id);
    if (at === undefined) return;
    const t = setTimeout(() => {
      this.timers.delete(run.id);
      this.reconcile();
    }, Math.max(0, at - Date.now()) + 10);
    t.unref();
    this.timers.set(run.id, t);
  }

  private async launch(run: RunRecord, plan: TaskPlan, secretsSource: string, input: RunTaskInput): Promise<void> {
    try {
      await launchRun(
        {
          docker: this.deps.docker,
          pause: () => this.deps.pause(),
          credentials: () => this.deps.credentials(secretsSource),
          region: this.deps.settings.region,
          save: () => this.save(run),
          changed: () => this.emit('change'),
          notReadyFile: (c) => metadataFile(this.metadataContext(run, c)),
        },
        run,
        plan,
        input,
      );
    } catch (err) {
      const reason =
        err instanceof SecretError
          ? `ResourceInitializationError: ${err.message} ${err.remedy}`
          : `${run.containers.some((c) => c.status === 'PULLING') ? 'CannotPullContainerError' : 'CannotCreateContainerError'}: ${dockerMessage(err)}`;
      for (const c of run.containers) if (c.status === 'PULLING') c.status = 'PENDING';
      await this.removeContainers(run);
      this.finish(run, 'TaskFailedToStart', reason);
    }
  }

  /** Dependents before their dependencies (each after those that depend on it), each with its stopTimeout; then the pause container. */
  private async stopRun(run: RunRecord, code: NonNullable<RunRecord['stopCode']>, reason: string): Promise<void> {
    if (run.desiredStatus === 'STOPPED' && run.lastStatus !== 'STOPPED' && run.stoppingAt) return;
    run.desiredStatus = 'STOPPED';
    run.lastStatus = 'DEPROVISIONING';
    run.stoppingAt = new Date().toISOString();
    run.stopCode ??= code;
    run.stoppedReason ??= reason;
    this.save(run);
    const stopped = new Map<string, Promise<void>>();
    const stopOne = (c: RunContainerRecord): Promise<void> => {
      let p = stopped.get(c.name);
      if (p) return p;
      const dependents = run.containers.filter((d) => d.dependsOn.some((x) => x.containerName === c.name));
      p = Promise.all(dependents.map(stopOne)).then(() => (c.dockerId ? this.deps.docker.stop(c.dockerId, c.stopTimeout) : undefined)).catch((err: unknown) => {
        log.warn('could not stop a task container', { task: run.id, container: c.name, error: dockerMessage(err) });
      });
      stopped.set(c.name, p);
      return p;
    };
    await Promise.all(run.containers.map(stopOne));
    if (run.pauseId) await this.deps.docker.stop(run.pauseId, 0).catch(() => undefined);
    for (const c of run.containers) {
      const r = c.dockerId ? this.deps.record(c.dockerId) : undefined;
      if (r?.exitCode !== undefined && c.status === 'RUNNING') c.exitCode = r.exitCode;
      c.status = 'STOPPED';
      delete c.waitingFor;
    }
    this.finish(run, code, reason);
  }

  private finish(run: RunRecord, code: NonNullable<RunRecord['stopCode']>, reason: string): void {
    clearTimeout(this.timers.get(run.id));
    run.desiredStatus = 'STOPPED';
    run.lastStatus = 'STOPPED';
    run.stopCode ??= code;
    run.stoppedReason ??= reason;
    run.stoppedAt = new Date().toISOString();
    for (const c of run.containers) {
      if (c.status !== 'STOPPED') c.status = 'STOPPED';
      if (c.dockerId) this.startSent.delete(c.dockerId);
    }
    this.save(run);
    log.info('task run stopped', { task: run.id, family: run.family, stopCode: run.stopCode, reason: run.stoppedReason });
  }

  private async removeContainers(run: RunRecord): Promise<void> {
    for (const c of run.containers) if (c.dockerId) await this.deps.docker.remove(c.dockerId).catch(() => undefined);
    if (run.pauseId) await this.deps.docker.remove(run.pauseId).catch(() => undefined);
  }

  private find(id: string): RunRecord {
    const run = this.deps.store.get(id);
    if (!run) throw new TaskRunError(`There is no task ${id}.`, 'List the tasks (GET /api/tasks); it may have been removed.', 'not-found');
    return run;
  }

  private save(run: RunRecord): void {
    this.deps.store.put(run);
    this.emit('change');
  }
}
