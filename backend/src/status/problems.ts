import type { Problem } from '@ecs-endpoints/contract';
import type { StateProblem } from '../state/json-file.ts';

/** Everything that can need the user, each from the room that knows it (wired in compose/rooms.ts). */
export interface ProblemSources {
  docker(): { connected: boolean; lastError?: string };
  /** The managed network or the data plane's listeners, when they need the user. */
  network(): Problem | undefined;
  /** The managed network serves, but not quite as configured (its IPv6 side). */
  networkWarning?(): Problem | undefined;
  guard(): { state: string; reason?: string };
  /** State files by what they hold: kept aside, entries rejected, unwritable. */
  stores: [name: string, problems: () => StateProblem[]][];
  presets(): Problem[];
}

/** The status' problems, in order of how much they stop. */
export function collectProblems(s: ProblemSources): Problem[] {
  const p: Problem[] = [];
  const docker = s.docker();
  if (!docker.connected) {
    p.push({ id: 'docker', severity: 'error', message: `Cannot reach the Docker Engine${docker.lastError ? `: ${docker.lastError}` : ''}.`, remedy: 'Start Docker (or check DOCKER_HOST); ECS Endpoints reconnects by itself.' });
  }
  const network = s.network();
  if (network) p.push(network);
  const networkWarning = s.networkWarning?.();
  if (networkWarning) p.push(networkWarning);
  const guard = s.guard();
  if (guard.state === 'unavailable') {
    p.push({
      id: 'address-guard',
      severity: 'warning',
      message: `Containers' addresses cannot be protected against spoofing here (${guard.reason}), so the id-less credential forms (/creds, /role/…, /role-arn/…) are refused.`,
      remedy: 'Use AWS_CONTAINER_CREDENTIALS_RELATIVE_URI=/v2/credentials/<id> (switching ECS mode on from the UI sets it), or run the backend where it can manage the bridge: as root with nftables installed (standalone), or in Docker Desktop.',
    });
  }
  for (const [what, problems] of s.stores) {
    problems().forEach((problem, i) => p.push({ id: `${what}${i ? `-${i}` : ''}`, severity: 'warning', message: problem.message, remedy: problem.remedy }));
  }
  p.push(...s.presets());
  return p;
}
