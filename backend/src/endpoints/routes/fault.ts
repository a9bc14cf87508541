import type { FaultAction, FaultOp, FaultOutcome, FaultType } from '../../tasks/faults.ts';
import { LookupError, fault } from '../errors.ts';
import { FaultRequestError, blackholeRequest, latencyRequest, packetLossRequest } from '../fault-request.ts';
import type { Entry, Handler, Reply } from '../types.ts';

/*
 * The agent's fault-injection routes under ECS_AGENT_URI (ecs-agent tmds/handlers/fault/v1), in
 * its order: decode and validate the body (not for latency/packet-loss stop and status, which
 * read none), find the task, check it has enableFaultInjection and one network namespace, then
 * apply the fault there (docker/fault) and answer {"Status"} or {"Error"}.
 */

const REQUEST_TYPE: Record<FaultAction, string> = { start: 'start', stop: 'stop', status: 'check status' };

function decodeOp(type: FaultType, action: FaultAction, body: string): FaultOp | undefined {
  try {
    if (type === 'network-blackhole-port') return { type, action, request: blackholeRequest(body) };
    if (action !== 'start') return undefined;
    return type === 'network-latency' ? { type, action, request: latencyRequest(body) } : { type, action, request: packetLossRequest(body) };
  } catch (err) {
    if (err instanceof FaultRequestError) throw new LookupError({ type: 'bad-fault-request', message: err.message });
    throw err;
  }
}

/** The task's network namespace: one for awsvpc-style tasks; several is the agent's bridge mode. */
function namespaceOf(e: Entry, containerById: (id: string) => Entry | undefined): { ownerId: string; pid: number } {
  const owners = new Set(e.task.containers.map((c) => c.namespaceOwnerId));
  if (owners.size > 1) throw new LookupError({ type: 'fault-network-mode', mode: 'bridge' }, e.container.record.id);
  const ownerId = e.container.namespaceOwnerId;
  return { ownerId, pid: containerById(ownerId)?.container.record.pid ?? 0 };
}

function answer(outcome: FaultOutcome, type: FaultType, action: FaultAction, containerId: string): Reply {
  const kind = type === 'network-latency' ? 'latency' : 'packet loss';
  if ('status' in outcome) return { status: 200, body: JSON.stringify({ Status: outcome.status }), containerId };
  if ('conflict' in outcome) {
    const which = outcome.conflict === 'network-latency' ? 'latency' : 'packet loss';
    return { ...fault(409, `There is already one network ${which} fault running`, `a ${which} fault is running (asked for ${kind})`), containerId };
  }
  const message = outcome.failed === 'timeout' ? `${REQUEST_TYPE[action]} ${type}: request timed out` : 'internal error';
  return { ...fault(500, message), error: outcome.reason, containerId };
}

export const faultInjection: Handler = async (r, { req, params }) => {
  const type = params.fault as FaultType;
  const action = params.action as FaultAction;
  const op = decodeOp(type, action, req.body ?? '') ?? ({ type, action } as FaultOp);
  const entry = r.model().byEndpointId.get(params.id!);
  if (!entry) throw new LookupError({ type: 'unknown-fault-endpoint-id', id: params.id! });
  const containerId = entry.container.record.id;
  if (!entry.task.faultInjection) throw new LookupError({ type: 'fault-injection-disabled', taskArn: entry.task.arn }, containerId);
  const ns = namespaceOf(entry, (id) => r.model().byContainerId.get(id));
  const faults = r.deps.faults;
  if (!faults) return answer({ failed: 'error', reason: 'fault injection is not available in this backend' }, type, action, containerId);
  return answer(await faults.apply({ taskArn: entry.task.arn, ...ns }, op), type, action, containerId);
};
