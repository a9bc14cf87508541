import { EventEmitter } from 'node:events';
import type { FaultView, TaskFaultsView } from '@ecs-endpoints/contract';
import { log } from '../../log.ts';
import type { FaultInjector, FaultOp, FaultOutcome, FaultTarget } from '../../tasks/faults.ts';
import type { Task, TaskModel } from '../../tasks/types.ts';
import { ActiveFaults, faultView, type ActiveFault, type Namespace } from './active.ts';
import type { NetworkFaults } from './injector.ts';

/** Why the control API could not stop a fault: no such task, no such fault, or the stop failed. */
export class FaultControlError extends Error {
  constructor(
    readonly kind: 'unknown-task' | 'no-fault' | 'failed',
    message: string,
    readonly remedy: string,
  ) {
    super(message);
  }
}

const EMPTY: Pick<TaskModel, 'tasks' | 'byContainerId'> = { tasks: [], byContainerId: new Map() };

/**
 * The one owner of the faults in tasks' namespaces: every start, stop and status check (the agent's
 * routes, the control API) goes through it, so it knows which run where; `change` says when that
 * changed. Faults live as long as the namespace they were injected in: a task that stops takes its
 * namespace, and the rules with it. What outlives it is cleared here: faults in a namespace whose
 * task is no longer marked for fault injection (or left ECS mode) while it runs, and, at start,
 * whatever a previous backend left in the namespaces of marked tasks.
 */
export class FaultKeeper extends EventEmitter<{ change: [] }> implements FaultInjector {
  private readonly active = new ActiveFaults();
  private model: Pick<TaskModel, 'tasks' | 'byContainerId'> = EMPTY;

  /**
   * `holds` says whether a container still runs with that process id: a namespace is cleared
   * through its owner's pid, and a removed owner's pid may already belong to someone else.
   */
  constructor(
    private readonly faults: Pick<NetworkFaults, 'apply' | 'clear'>,
    private readonly holds: (ownerId: string, pid: number | undefined) => boolean = () => true,
  ) {
    super();
  }

  async apply(target: FaultTarget, op: FaultOp): Promise<FaultOutcome> {
    const out = await this.faults.apply(target, op);
    let changed = this.active.record(target, op, out);
    // A start or stop that failed half-way: what runs now is what a status check finds.
    if ('failed' in out && op.action !== 'status') {
      const check = await this.faults.apply(target, { ...op, action: 'status' } as FaultOp);
      if ('status' in check && check.status === 'running' && op.action === 'start') changed = this.active.record(target, op, { status: 'running' }) || changed;
      else changed = this.active.record(target, { ...op, action: 'status' } as FaultOp, check) || changed;
    }
    if (changed) this.emit('change');
    return out;
  }

  /** At start: leftovers in the running namespaces of tasks marked for fault injection. */
  async clearLeftovers(model: TaskModel): Promise<void> {
    await Promise.all(model.tasks.filter((t) => t.faultInjection).flatMap((t) => namespaces(t)).map((target) => this.clear(target, 'left by an earlier run')));
  }

  /** On every model change: namespaces whose owner stopped (or restarted), or whose task is no longer marked. */
  onModel(model: TaskModel): void {
    this.model = model;
    let changed = false;
    for (const [ownerId, { target }] of this.active.namespaces()) {
      const owner = model.byContainerId.get(ownerId);
      const record = owner?.container.record;
      if (record && (record.state !== 'running' || record.pid !== target.pid)) {
        changed = this.active.forget(ownerId) || changed; // its namespace is gone, and the faults with it
      } else if (!owner?.task.faultInjection) {
        changed = this.active.forget(ownerId) || changed;
        // Left ECS mode or unmarked while running: clear. Removed: its namespace went with it.
        if (this.holds(ownerId, target.pid)) void this.clear(target, 'the task is no longer marked for fault injection');
      }
    }
    if (changed) this.emit('change');
  }

  /** The faults running in a task's namespace now. */
  faultsOf(taskArn: string): FaultView[] {
    return this.active.ofTask(taskArn).flatMap((n) => [...n.faults].map(([id, f]) => faultView(id, f)));
  }

  /** Every task with faults running. */
  list(): TaskFaultsView[] {
    const arns = new Set(this.active.namespaces().map(([, n]) => n.target.taskArn));
    return this.model.tasks.filter((t) => arns.has(t.arn)).map((t) => this.view(t));
  }

  /** One task's faults, by its id or ARN. */
  task(ref: string): TaskFaultsView {
    return this.view(this.find(ref));
  }

  /**
   * Stops one fault of a task (by its id), or all of them, as the agent's stop route does, and
   * answers the task's faults afterwards. Throws FaultControlError.
   */
  async stop(ref: string, faultId?: string): Promise<TaskFaultsView> {
    const task = this.find(ref);
    const running = this.active.ofTask(task.arn).flatMap((n) => [...n.faults].map(([id, f]) => ({ n, id, f })));
    const chosen = faultId === undefined ? running : running.filter((x) => x.id === faultId);
    if (faultId !== undefined && !chosen.length) {
      const ids = running.map((x) => x.id);
      throw new FaultControlError('no-fault', `Task ${task.id} (${task.family}:${task.revision}) has no running fault "${faultId}".`,
        ids.length ? `Its running faults are: ${ids.join(', ')} (GET /api/faults/${task.id}).` : 'It has no running faults; reload the list.');
    }
    const failures: string[] = [];
    for (const { n, id, f } of chosen) {
      const out = await this.apply(this.current(n), stopOp(f));
      if ('failed' in out) failures.push(`${id}: ${out.reason}`);
    }
    if (failures.length) {
      throw new FaultControlError('failed', `Could not stop ${failures.length === 1 ? 'a fault' : `${failures.length} faults`} of task ${task.id}: ${failures.join('; ')}.`,
        'Try again; if it keeps failing, check the backend log (the namespace\'s iptables/tc commands and their output).');
    }
    return this.view(task);
  }

  private find(ref: string): Task {
    const task = this.model.tasks.find((t) => t.id === ref || t.arn === ref);
    if (!task) {
      throw new FaultControlError('unknown-task', `There is no task "${ref}" in ECS mode.`,
        'Use the task id (the last part of its ARN) or the full ARN, of a task whose containers run in ECS mode (GET /api/faults lists those with faults).');
    }
    return task;
  }

  private view(t: Task): TaskFaultsView {
    return { taskId: t.id, taskArn: t.arn, family: t.family, revision: t.revision, containers: t.containers.map((c) => c.record.name), faults: this.faultsOf(t.arn) };
  }

  /** The namespace as the model knows it now (the owner's process, for nsenter). */
  private current(n: Namespace): FaultTarget {
    const pid = this.model.byContainerId.get(n.target.ownerId)?.container.record.pid;
    return pid ? { ...n.target, pid } : n.target;
  }

  private async clear(target: FaultTarget, why: string): Promise<void> {
    try {
      await this.faults.clear(target);
    } catch (err) {
      log.warn('fault injection: could not remove faults', { taskArn: target.taskArn, why, reason: (err as Error).message });
    }
  }
}

/** The agent's stop for a running fault (a blackhole's names its port). */
function stopOp(f: ActiveFault): FaultOp {
  return f.type === 'network-blackhole-port' ? { type: f.type, action: 'stop', request: f.request } : { type: f.type, action: 'stop' };
}

function namespaces(t: Task): FaultTarget[] {
  const owners = new Map<string, FaultTarget>();
  for (const c of t.containers) {
    const owner = t.containers.find((o) => o.record.id === c.namespaceOwnerId);
    if (owner?.record.state === 'running' && owner.record.pid) owners.set(owner.record.id, { taskArn: t.arn, ownerId: owner.record.id, pid: owner.record.pid });
  }
  return [...owners.values()];
}
