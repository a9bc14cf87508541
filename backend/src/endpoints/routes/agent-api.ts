import type { Handler } from '../types.ts';

/* The agent API under ECS_AGENT_URI (spec §8): task scale-in protection (fault injection: fault.ts). */

/** The protection store owns the decoding order and the error shapes; this only looks the task up. */
export const taskProtection: Handler = (r, { req, params }) => {
  const entry = r.model().byEndpointId.get(params.id!);
  const hasRole = entry ? r.deps.credentials.hasTaskRole(entry.task) : false;
  const p = r.protection.handle(req.method, req.body ?? '', entry?.task.arn, hasRole);
  return { status: p.status, body: p.body, containerId: entry?.container.record.id, error: p.status >= 400 ? p.body : undefined };
};
