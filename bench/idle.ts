/**
 * What a laptop pays while nobody reads (issue 13): the CPU of dockerd and of the backend over a
 * window, with no containers, with 50 containers in ECS mode and no reader, and with the same 50
 * after each had its stats read once (their streams open until the quiet period ends).
 *
 *   node --import tsx bench/idle.ts          # IDLE_WINDOW_S=20, IDLE_CONTAINERS=50
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { inModel, startTestBackend } from '../backend/test/support/backend.ts';
import { removeAll, runContainer, uniqueName } from '../backend/test/support/docker.ts';
import type Docker from 'dockerode';

const run = promisify(execFile);
const WINDOW_S = Number(process.env.IDLE_WINDOW_S ?? 20);
const N = Number(process.env.IDLE_CONTAINERS ?? 50);
const TICKS = 100; // USER_HZ

/** utime + stime of a process, in seconds. */
function cpuOf(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(f[11]) + Number(f[12])) / TICKS;
}

async function window(pids: Record<string, number>): Promise<Record<string, string>> {
  const before = Object.fromEntries(Object.entries(pids).map(([k, p]) => [k, cpuOf(p)]));
  await new Promise((r) => setTimeout(r, WINDOW_S * 1000));
  return Object.fromEntries(Object.entries(pids).map(([k, p]) => [k, `${((100 * (cpuOf(p) - before[k]!)) / WINDOW_S).toFixed(1)}%`]));
}

async function main(): Promise<void> {
  await run(fileURLToPath(new URL('../test/images/build.sh', import.meta.url)), ['busybox']);
  const dockerd = Number((await run('pgrep', ['-xo', 'dockerd'])).stdout.trim());
  const tb = await startTestBackend();
  const pids = { dockerd, backend: process.pid };
  const containers: Docker.Container[] = [];
  try {
    console.log(`no containers: ${JSON.stringify(await window(pids))}`);
    for (let i = 0; i < N; i += 10) {
      containers.push(...(await Promise.all(Array.from({ length: Math.min(10, N - i) }, () => runContainer({ name: uniqueName('idle'), network: tb.network })))));
    }
    for (const c of containers) await inModel(tb, c.id);
    console.log(`${N} in ECS mode, no reader (${tb.backend.stats.streams} streams): ${JSON.stringify(await window(pids))}`);
    await tb.backend.stats.prime(containers.map((c) => c.id));
    console.log(`${N} in ECS mode, each read once (${tb.backend.stats.streams} streams): ${JSON.stringify(await window(pids))}`);
    const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
    console.log(`window ${WINDOW_S} s each; load average ${load}`);
  } finally {
    await removeAll(containers);
    await tb.cleanup();
  }
}

void main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
