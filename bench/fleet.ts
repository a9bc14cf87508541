import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import type Docker from 'dockerode';
import { docker, runContainer, uniqueName } from '../backend/test/support/docker.ts';

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

function cidrRange(cidr: string): [number, number] {
  const [ip, bits] = cidr.split('/');
  const n = ip!.split('.').reduce((a, o) => a * 256 + Number(o), 0);
  const size = 2 ** (32 - Number(bits));
  return [n - (n % size), n - (n % size) + size - 1];
}

/**
 * A /23 in 169.254.180.0-249.255 that no Docker network overlaps: the backend hands containers
 * the upper half (254 addresses), where a test /24 would leave 126, fewer than the fleet.
 */
export async function wideSubnet(): Promise<string> {
  const used = (await docker.listNetworks()).flatMap((n) => (n.IPAM?.Config ?? []).flatMap((c) => (c.Subnet?.includes('.') ? [cidrRange(c.Subnet)] : [])));
  for (let third = 180; third < 250; third += 2) {
    const [lo, hi] = cidrRange(`169.254.${third}.0/23`);
    if (!used.some(([a, b]) => a <= hi && lo <= b)) return `169.254.${third}.0/23`;
  }
  throw new Error('no free /23 in 169.254.180.0-249.255 for the benchmark network');
}

/** Until the 1-minute load average is under the CPU count, at most `ms`: creating containers keeps dockerd busy a while. */
export async function settle(ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  const cpus = availableParallelism();
  while (Date.now() < deadline && Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]) >= cpus) await new Promise((r) => setTimeout(r, 2000));
}
