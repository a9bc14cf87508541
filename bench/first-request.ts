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
 * Each try is bounded by 1 s, the JavaScript SDK's own timeout for this request.
 *
 * FIRST_REQUEST_TOPOLOGY=container runs the extension image as Docker Desktop does (the backend a
 * container on its network at .2, built offline here with the test bases) instead of the backend
 * in the host topology: there a request that leaves by Docker's default bridge is dropped by
 * Docker's isolation between bridge networks, so it gets no answer at all.
 *
 *   node --import tsx bench/first-request.ts        # N=50 (FIRST_REQUEST_RUNS)
 *   FIRST_REQUEST_TOPOLOGY=container node --import tsx bench/first-request.ts
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { eventually, startTestBackend } from '../backend/test/support/backend.ts';
import { BUSYBOX, docker, pickSubnet, uniqueName } from '../backend/test/support/docker.ts';
import { buildArgFlags } from '../backend/test/support/extension-image.ts';

const run = promisify(execFile);
const RUNS = Number(process.env.FIRST_REQUEST_RUNS ?? 50);

const repo = fileURLToPath(new URL('../', import.meta.url));
const TOPOLOGY = process.env.FIRST_REQUEST_TOPOLOGY ?? 'host';

/** The endpoint address, and how to take the backend away afterwards. */
interface Endpoint {
  address: string;
  cleanup(): Promise<void>;
}

async function hostTopology(): Promise<Endpoint> {
  const tb = await startTestBackend();
  return { address: tb.address, cleanup: () => tb.cleanup() };
}

/** The extension image as Docker Desktop runs it (docker-compose.yaml), on a network of its own. */
async function containerTopology(): Promise<Endpoint> {
  await run(join(repo, 'test/images/build.sh'), ['node-npm']);
  const tag = 'ecs-endpoints-bench/extension:latest';
  await run('docker', ['build', '-q', ...buildArgFlags(), '--tag', tag, '.'], {
    cwd: repo,
    env: { ...process.env, DOCKER_BUILDKIT: '0' },
    maxBuffer: 64 * 1024 * 1024,
  });
  const { prefix, subnet } = await pickSubnet();
  const network = uniqueName('ecs-first-net');
  const backend = await docker.createContainer({
    name: uniqueName('ecs-first-backend'),
    Image: tag,
    Env: [`ECS_ENDPOINTS_NETWORK=${network}`, `ECS_ENDPOINTS_SUBNET=${subnet}`, 'ECS_ENDPOINTS_TOPOLOGY=container', 'ECS_ENDPOINTS_CONTROL=127.0.0.1:8080', 'ECS_ENDPOINTS_DEFAULT_SOURCE=fake'],
    HostConfig: { Binds: ['/var/run/docker.sock:/var/run/docker.sock'] },
  });
  const cleanup = async () => {
    await backend.remove({ force: true }).catch(() => undefined);
    await docker.getNetwork(network).remove().catch(() => undefined);
  };
  try {
    await backend.start();
    await eventually(async () => Object.values(await run('docker', ['logs', backend.id])).join('').includes('data plane listening'), 60_000, 'the backend container serving');
  } catch (err) {
    await cleanup();
    throw err;
  }
  return { address: `${prefix}.2`, cleanup };
}

async function main(): Promise<void> {
  await run(join(repo, 'test/images/build.sh'), ['busybox']);
  const tb = TOPOLOGY === 'container' ? await containerTopology() : await hostTopology();
  console.log(`topology: ${TOPOLOGY}`);
  // One try, bounded by 1 s as the SDK bounds it (no -T: this busybox's wget crashes with it); the
  // id-less /v4 answers only a container in ECS mode, and without the network there is no route
  // to the endpoint at all. A failed first try is followed by one more a second later, as the SDKs
  // retry: its outcome is counted apart.
  const once = `timeout 1 wget -q -O /dev/null http://${tb.address}/v4 2>&1`;
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
      // How the others' first try failed (wget's message: no route, the backend's answer, or none), counted.
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
          if (out === 'OK') {
            answered++;
            continue;
          }
          if (out.endsWith('then OK a second later')) retried++;
          // What the first try said (an empty message: killed by the 1 s bound, no answer at all), and how the second ended.
          const first = out.slice(0, out.indexOf('FAIL')).replace(/\s+/g, ' ').trim() || '(no answer within 1 s)';
          const key = `${first}; ${out.endsWith('then OK a second later') ? 'then OK' : 'then failed again'}`;
          failures.set(key, (failures.get(key) ?? 0) + 1);
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
