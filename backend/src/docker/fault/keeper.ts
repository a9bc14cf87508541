import { log } from '../../log.ts';
import type { FaultInjector, FaultOp, FaultOutcome, FaultTarget } from '../../tasks/faults.ts';
import type { Task, TaskModel } from '../../tasks/types.ts';
import type { NetworkFaults } from './injector.ts';

/**
 * Faults live as long as the namespace they were injected in: a task that stops takes its
 * namespace, and the rules with it. What outlives it is cleared here: faults in a namespace whose
 * task is no longer marked for fault injection (or left ECS mode) while it runs, and, at start,
 * whatever a previous backend left in the namespaces of marked tasks.
 */
export class FaultKeeper implements FaultInjector {
  /** Namespace owners with faults we started, by owner id. */
  private active = new Map<string, FaultTarget>();

  constructor(private readonly faults: NetworkFaults) {}

  async apply(target: FaultTarget, op: FaultOp): Promise<FaultOutcome> {
    const out = await this.faults.apply(target, op);
    if (op.action === 'start' && 'status' in out) this.active.set(target.ownerId, target);
    return out;
  }

  /** At start: leftovers in the running namespaces of tasks marked for fault injection. */
  async clearLeftovers(model: TaskModel): Promise<void> {
    await Promise.all(model.tasks.filter((t) => t.faultInjection).flatMap((t) => namespaces(t)).map((target) => this.clear(target, 'left by an earlier run')));
  }

  /** On every model change: namespaces whose task is no longer marked, or whose owner stopped. */
  onModel(model: TaskModel): void {
    for (const [ownerId, target] of this.active) {
      const owner = model.byContainerId.get(ownerId);
      if (owner && owner.container.record.state !== 'running') {
        this.active.delete(ownerId); // its namespace is gone, and the faults with it
      } else if (!owner?.task.faultInjection) {
        this.active.delete(ownerId);
        void this.clear(target, 'the task is no longer marked for fault injection');
      }
    }
  }

  private async clear(target: FaultTarget, why: string): Promise<void> {
    try {
      await this.faults.clear(target);
    } catch (err) {
      log.warn('fault injection: could not remove faults', { taskArn: target.taskArn, why, reason: (err as Error).message });
    }
  }
}

function namespaces(t: Task): FaultTarget[] {
  const owners = new Map<string, FaultTarget>();
  for (const c of t.containers) {
    const owner = t.containers.find((o) => o.record.id === c.namespaceOwnerId);
    if (owner?.record.state === 'running' && owner.record.pid) owners.set(owner.record.id, { taskArn: t.arn, ownerId: owner.record.id, pid: owner.record.pid });
  }
  return [...owners.values()];
}
