/**
 * Attached before the first instruction (issue 13): start a labelled container
 * (ecs-endpoints.enable=true) on Docker's default bridge whose only command is one request to the
 * endpoint, N times per way of starting it, and count how many got their answer (and how many of
 * the others got it on one more try a second later, as the SDKs retry). The
 * backend attaches the container when its create event arrives, before its start when it can:
 * - `docker run -d`: the CLI sends the start a millisecond after the create: a race;
 * - `docker create` then `docker start` (what Compose v2 does: it creates a project's containers,
 *   then starts them): the create event is well ahead of the start.
 *
 *   node --import tsx bench/first-request.ts        # N=50 (FIRST_REQUEST_RUNS)
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { startTestBackend } from '../backend/test/support/backend.ts';
import { BUSYBOX, uniqueName } from '../backend/test/support/docker.ts';

const run = promisify(execFile);
const RUNS = Number(process.env.FIRST_REQUEST_RUNS ?? 50);

async function main(): Promise<void> {
  await run(fileURLToPath(new URL('../test/images/build.sh', import.meta.url)), ['busybox']);
  const tb = await startTestBackend();
  // One try (no -T: this busybox's wget crashes with it); the id-less /v4 answers only a container
  // in ECS mode, and without the network there is no route to the endpoint at all. A failed first
  // try is followed by one more a second later, as the SDKs retry: its outcome is counted apart.
  const once = `wget -q -O /dev/null http://${tb.address}/v4 2>&1`;
  const args = (name: string) => ['--name', name, '--label', 'ecs-endpoints.enable=true', BUSYBOX, 'sh', '-c', `${once} && echo OK || { echo FAIL; sleep 1; ${once} >/dev/null && echo 'then OK a second later' || echo 'then FAIL again'; }`];
  const ways: Record<string, (name: string) => Promise<unknown>> = {
    'docker run -d': (name) => run('docker', ['run', '-d', ...args(name)]),
    'docker create, then docker start (as Compose v2)': async (name) => {
      await run('docker', ['create', ...args(name)]);
      await run('docker', ['start', name]);
    },
  };
  try {
    for (const [way, start] of Object.entries(ways)) {
      const names: string[] = [];
      let answered = 0;
      let retried = 0;
      // How the others failed (wget's message: no route, or the backend's answer), counted.
      const failures = new Map<string, number>();
      try {
        for (let i = 0; i < RUNS; i++) {
          const name = uniqueName('first-request');
          names.push(name);
          await start(name);
        }
        for (const name of names) {
          await run('docker', ['wait', name]);
          const out = (await run('docker', ['logs', name])).stdout.trim();
          if (out === 'OK') answered++;
          else if (out.endsWith('then OK a second later')) retried++;
          else failures.set(out.replace(/\s+/g, ' '), (failures.get(out.replace(/\s+/g, ' ')) ?? 0) + 1);
        }
      } finally {
        if (names.length) await run('docker', ['rm', '-f', ...names]).catch(() => undefined);
      }
      const load = (await run('cat', ['/proc/loadavg'])).stdout.split(' ').slice(0, 3).join(' ');
      console.log(`${way}: first request answered ${answered}/${RUNS} (${((100 * answered) / RUNS).toFixed(0)}%), ${retried} more on a second try a second later, load average ${load}`);
      for (const [msg, n] of failures) console.log(`  ${n}× ${msg}`);
    }
  } finally {
    await tb.cleanup();
  }
}

void main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
