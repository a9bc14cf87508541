import type Docker from 'dockerode';
import { runContainer, uniqueName } from '../backend/test/support/docker.ts';

/*
 * The containers around the caller: busybox `sleep`s on the managed network, four to a compose
 * project, so the model grows in tasks as well as containers while the caller's own task stays
 * the same size (its task metadata body does not grow with the fleet).
 */

const BATCH = 16;
const PER_TASK = 4;

/** Start containers until `into` holds `total`, BATCH at a time; every one started is pushed (for cleanup) as soon as it exists. */
export async function growFleet(network: string, into: Docker.Container[], total: number, project: string): Promise<void> {
  while (into.length < total) {
    const batch = Math.min(BATCH, total - into.length);
    const first = into.length;
    const started = await Promise.allSettled(Array.from({ length: batch }, (_, i) => {
      const k = first + i;
      return runContainer({
        name: uniqueName('bench-fleet'),
        network,
        labels: { 'com.docker.compose.project': `${project}-${Math.floor(k / PER_TASK)}`, 'com.docker.compose.service': `svc${k % PER_TASK}` },
      });
    }));
    for (const s of started) if (s.status === 'fulfilled') into.push(s.value);
    const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) throw failed.reason;
  }
}
