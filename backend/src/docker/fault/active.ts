import type { FaultView } from '@ecs-endpoints/contract';
import type { BlackholeRequest, FaultOp, FaultOutcome, FaultTarget, LatencyRequest, PacketLossRequest } from '../../tasks/faults.ts';
import { blackholeChain } from './commands.ts';

/** A fault started in a namespace, as it was asked for. */
export type ActiveFault = { startedAt: Date } & (
  | { type: 'network-blackhole-port'; request: BlackholeRequest }
  | { type: 'network-latency'; request: LatencyRequest }
  | { type: 'network-packet-loss'; request: PacketLossRequest }
);

export interface Namespace {
  target: FaultTarget;
  /** By fault id. */
  faults: Map<string, ActiveFault>;
}

/** `network-latency`, `network-packet-loss`, or `network-blackhole-port-<chain>` (one per blackholed port). */
export function faultId(op: { type: FaultOp['type']; request?: unknown }): string {
  return op.type === 'network-blackhole-port' ? `${op.type}-${blackholeChain(op.request as BlackholeRequest)}` : op.type;
}

/** The agent's start-request field names, for the control API. */
export function faultView(id: string, f: ActiveFault): FaultView {
  const startedAt = f.startedAt.toISOString();
  if (f.type === 'network-blackhole-port') {
    const r = f.request;
    return { id, type: f.type, startedAt, request: { Port: r.port, Protocol: r.protocol, TrafficType: r.trafficType, SourcesToFilter: [...r.sourcesToFilter] } };
  }
  const common = { Sources: [...f.request.sources], SourcesToFilter: [...f.request.sourcesToFilter], FlowsPercent: f.request.flowsPercent };
  if (f.type === 'network-latency') {
    return { id, type: f.type, startedAt, request: { DelayMilliseconds: Number(f.request.delayMs), JitterMilliseconds: Number(f.request.jitterMs), ...common } };
  }
  return { id, type: f.type, startedAt, request: { LossPercent: f.request.lossPercent, ...common } };
}

/**
 * The faults running in each namespace, kept from what the injector reported: a start that ran
 * adds one, a stop that ran or a status check that found none removes it. Pure bookkeeping.
 */
export class ActiveFaults {
  private readonly byOwner = new Map<string, Namespace>();

  /** Takes in an operation's outcome; true when the namespace's faults changed. */
  record(target: FaultTarget, op: FaultOp, outcome: FaultOutcome, now = new Date()): boolean {
    if (!('status' in outcome)) return false;
    const id = faultId(op);
    const ns = this.byOwner.get(target.ownerId);
    if (op.action === 'start' && outcome.status === 'running') {
      if (ns?.faults.has(id)) return false;
      const entry = ns ?? { target, faults: new Map<string, ActiveFault>() };
      entry.target = target;
      entry.faults.set(id, { type: op.type, request: op.request, startedAt: now } as ActiveFault);
      this.byOwner.set(target.ownerId, entry);
      return true;
    }
    if ((op.action === 'stop' && outcome.status === 'stopped') || (op.action === 'status' && outcome.status === 'not-running')) {
      if (!ns?.faults.delete(id)) return false;
      if (!ns.faults.size) this.byOwner.delete(target.ownerId);
      return true;
    }
    return false;
  }

  /** The namespace is gone (its owner stopped) or was cleared: its faults went with it. */
  forget(ownerId: string): boolean {
    return this.byOwner.delete(ownerId);
  }

  namespaces(): [string, Namespace][] {
    return [...this.byOwner];
  }

  /** A task's namespaces with faults (one, unless a task changed shape). */
  ofTask(taskArn: string): Namespace[] {
    return [...this.byOwner.values()].filter((n) => n.target.taskArn === taskArn);
  }
}
