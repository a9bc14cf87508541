/**
 * The backend as a process of its own (the built bundle, host topology) on a machine with 200
 * running containers, 50 of them in ECS mode: how long from its start to its data plane serving,
 * its memory (RSS) while serving, and after a 10 s load on v4 task metadata from one of them
 * (issue 13). With SCALE_NODE_ARGS='a;b' each set of Node options gets its own start on the same
 * containers (e.g. '' and '--max-semi-space-size=2').
 *
 *   node --import tsx bench/scale.ts      # needs root, wrk, dockerd; builds the bundle first
 */
import { readFileSync } from 'node:fs';
import type Docker from 'dockerode';
import { docker, removeAll, uniqueName } from '../backend/test/support/docker.ts';
import { buildBackend, rssMiB, SHIPPED_NODE_ARGS, startBackend } from './backend-process.ts';
import { growFleet, settle, wideSubnet } from './fleet.ts';
import { checkTools, wrk } from './wrk.ts';

const TOTAL = Number(process.env.SCALE_CONTAINERS ?? 200);
const IN_ECS_MODE = Number(process.env.SCALE_IN_ECS_MODE ?? 50);
const NODE_ARGS = (process.env.SCALE_NODE_ARGS ?? '').split(';').map((a) => a.split(' ').filter(Boolean));

async function main(): Promise<void> {
  await checkTools();
  await buildBackend();
  const net = uniqueName('ecs-bench-scale');
  const subnet = await wideSubnet();
  const address = subnet.replace(/\.0\/23$/, '.2');
  const env = { ECS_ENDPOINTS_NETWORK: net, ECS_ENDPOINTS_SUBNET: subnet, ECS_ENDPOINTS_DEFAULT_SOURCE: 'fake', ECS_ENDPOINTS_RPS_LIMIT: '1000000000,1000000000' };
  // A first start creates the network; the containers join it; the measured starts find them there.
  await (await startBackend(env)).stop();
  const ecs: Docker.Container[] = [];
  const others: Docker.Container[] = [];
  try {
    await growFleet(net, ecs, IN_ECS_MODE, uniqueName('scale'));
    await growFleet('bridge', others, TOTAL - IN_ECS_MODE, uniqueName('scale-other'));
    const pid = (await ecs[0]!.inspect()).State.Pid;
    for (const args of NODE_ARGS) {
      await settle(60_000);
      const backend = await startBackend(env, args);
      try {
        const serving = backend.servingAt - backend.spawnedAt;
        const idleRss = rssMiB(backend.proc.pid!);
        const url = `http://${address}/v4/task`;
        await wrk(pid, url, { connections: 10, threads: 1, seconds: 2 }).catch(() => undefined);
        const load = await wrk(pid, url, { connections: 10, threads: 1, seconds: 10 });
        const rss = rssMiB(backend.proc.pid!);
        // And once V8's memory reducer has had its chance (it shrinks the heap when allocation stops).
        await new Promise((r) => setTimeout(r, 30_000));
        const rssLater = rssMiB(backend.proc.pid!);
        // Where the start went: the log's timestamps of each step, from the spawn.
        const steps = [...backend.log().matchAll(/^(\S+Z) \w+ +(starting|docker: connected|network: \w+|address guard: \w+|data plane listening)/gm)]
          .map((m) => `${m[2]} +${Date.parse(m[1]!) - backend.spawnedAt} ms`);
        console.log(`  start: ${steps.join(', ')}`);
        // A preload that prints process.memoryUsage() (e.g. SCALE_NODE_ARGS='--import ./mem.mjs') shows its last line.
        const mem = backend.log().match(/^MEM .*$/gm);
        if (mem) console.log(`  ${mem.at(-1)}`);
        console.log(`node ${[...SHIPPED_NODE_ARGS, ...args].join(' ')}: ${TOTAL} containers (${IN_ECS_MODE} in ECS mode): start to serving ${serving} ms; RSS ${idleRss.toFixed(0)} MiB serving; after 10 s of v4 task metadata (${Math.round(load.rps)}/s, p99 ${load.p99.toFixed(2)} ms) RSS ${rss.toFixed(0)} MiB, ${rssLater.toFixed(0)} MiB 30 s later; load average ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`);
      } finally {
        await backend.stop();
      }
    }
  } finally {
    await removeAll([...ecs, ...others]);
    await docker.getNetwork(net).remove().catch(() => undefined);
  }
}

void main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
