import type { StatusView } from '@ecs-endpoints/contract';

export type Health = 'healthy' | 'degraded' | 'down' | 'unknown';

/** One word for the endpoint: can containers get answers from it right now? */
export function endpointHealth(status: StatusView | undefined, unreachable: boolean): Health {
  if (unreachable && !status) return 'down';
  if (!status) return 'unknown';
  if (unreachable) return 'down';
  if (!status.endpoint.listening || !status.docker.connected || !status.network.ready) return 'down';
  if (status.problems.some((p) => p.severity === 'error')) return 'degraded';
  return 'healthy';
}
