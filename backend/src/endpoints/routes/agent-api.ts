import { LookupError } from '../errors.ts';
import type { Handler } from '../types.ts';

/* The agent API under ECS_AGENT_URI (spec §8): task scale-in protection and fault injection. */

/** The protection store owns the decoding order and the error shapes; this only looks the task up. */
export const taskProtection: Handler = (r, { req, params }) => {
  const entry = r.model().byEndpointId.get(params.id!);
  const hasRole = entry ? r.deps.credentials.hasTaskRole(entry.task) : false;
  const p = r.protection.handle(req.method, req.body ?? '', entry?.task.arn, hasRole);
  return { status: p.status, body: p.body, containerId: entry?.container.record.id, error: p.status >= 400 ? p.body : undefined };
};

export const faultInjection: Handler = (r, { params }) => {
  const entry = r.model().byEndpointId.get(params.id!);
  if (!entry) throw new LookupError({ type: 'unknown-fault-endpoint-id', id: params.id! });
  // Fault injection needs the agent's netns tooling; locally no task has it enabled.
  throw new LookupError({ type: 'fault-injection-disabled', taskArn: entry.task.arn }, entry.container.record.id);
};
