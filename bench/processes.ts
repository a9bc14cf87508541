/**
 * One backend process is not another: the same bundle, started again on the same machine, serves
 * the same request at clearly different rates (issue 13). This starts the backend K times in turn
 * (optionally with alternating Node options), and for each process measures the cached v4
 * container and task metadata and /creds, each followed by the bare Node server answering as many
 * bytes, from the same caller: requests/s, the ratio, CPU µs per request (ours / bare), the wake-ups
 * wrk's CPU took per request (ours / bare; bench/wrk.ts loadCpuWakeups), and the backend's RSS after
 * the load.
 *
 *   node --import tsx bench/processes.ts                                  # 6 processes, defaults
 *   PROCESSES=8 PROCESS_NODE_ARGS=';--max-semi-space-size=8' node --import tsx bench/processes.ts
 *   PROCESSES=2 PROCESS_CONTROL=300 node --import tsx bench/processes.ts   # and after 300 control API requests
 */
import { readFileSync } from 'node:fs';
import type Docker from 'dockerode';
import { eventually } from '../backend/test/support/backend.ts';
import { docker, httpFrom, removeAll, uniqueName } from '../backend/test/support/docker.ts';
import { pidOf } from '../backend/test/support/netns.ts';
import { rssMiB, SHIPPED_NODE_ARGS, startBackend, startBare } from './backend-process.ts';
import { measure, prepare, startCaller, wireBytes } from './caller.ts';
import { growFleet, settle } from './fleet.ts';
import type { WrkOptions } from './wrk.ts';

const PROCESSES = Number(process.env.PROCESSES ?? 6);
const ARG_SETS = (process.env.PROCESS_NODE_ARGS ?? '').split(';').map((a) => a.split(' ').filter(Boolean));
const LOAD: WrkOptions = { connections: 10, threads: 1, seconds: Number(process.env.BENCH_SECONDS ?? 5) };
const BARE_PORT = 18098;
/** PROCESS_CHURN=N: each process measured again with N more containers on the network, and after they left. */
const CHURN = Number(process.env.PROCESS_CHURN ?? 0);
/** PROCESS_CONTROL=N: each process measured again after N control API requests (GET /api/containers, as the UI asks). */
const CONTROL = Number(process.env.PROCESS_CONTROL ?? 0);
/** Issue 13's goals: each ≥ 0.7× the bare server answering as many bytes. */
const GOALS = ['v4 container metadata', 'v4 task metadata', '/creds (from cache)'];

async function main(): Promise<void> {
  const { net, address, env } = await prepare('ecs-bench-proc');
  const containers: Docker.Container[] = [];
  let caller: Awaited<ReturnType<typeof startCaller>> | undefined;
  console.log(`| process | node options | ${GOALS.join(' | ')} | RSS after, MiB | load avg |`);
  console.log(`|---:|---|${GOALS.map(() => '---:|').join('')}---:|---|`);
  try {
    for (let i = 0; i < PROCESSES; i++) {
      const args = ARG_SETS[i % ARG_SETS.length]!;
      const backend = await startBackend(env, args);
      // The bare server listens on the endpoint address, which the backend puts on the bridge.
      const bare = await startBare(address, BARE_PORT);
      try {
        // The caller and its task are made once, with the first process; the later ones adopt them.
        caller ??= await startCaller(net, address, containers);
        for (const c of caller.cases) await eventually(async () => (await httpFrom(caller!.caller, c.url)).status === 200, 30_000, `200 from ${c.url}`);
        const pid = await pidOf(caller.caller);
        const head = await wireBytes(caller.caller, `http://${address}:${BARE_PORT}/bytes/0`);
        const row = async (label: string) => {
          const cells: string[] = [];
          for (const c of caller!.cases.filter((x) => GOALS.includes(x.name))) {
            const bytes = await wireBytes(caller!.caller, c.url);
            const ours = await measure(pid, backend.proc.pid!, c.url, LOAD);
            const same = await measure(pid, bare.proc.pid!, `http://${address}:${BARE_PORT}/bytes/${Math.max(0, bytes - head)}`, LOAD);
            const wakeups = ours.wakeups !== undefined && same.wakeups !== undefined ? `, ${ours.wakeups.toFixed(2)} / ${same.wakeups.toFixed(2)} wake-ups` : '';
            cells.push(`${Math.round(ours.r.rps)} / ${Math.round(same.r.rps)} = **${(ours.r.rps / same.r.rps).toFixed(2)}** (${ours.cpuUs.toFixed(1)} / ${same.cpuUs.toFixed(1)} µs${wakeups})`);
          }
          const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
          console.log(`| ${label} | ${[...SHIPPED_NODE_ARGS, ...args].join(' ')} | ${cells.join(' | ')} | ${rssMiB(backend.proc.pid!).toFixed(0)} | ${load} |`);
          // A preload that prints process.memoryUsage() as MEM lines (e.g. PROCESS_NODE_ARGS='--import ./mem.mjs'): its last one.
          const mem = backend.log().match(/^MEM .*$/gm);
          if (mem) console.log(`  ${mem.at(-1)}`);
        };
        await row(String(i + 1));
        if (CONTROL) {
          for (let k = 0; k < CONTROL; k++) await backend.api('/api/containers');
          await row(`${i + 1}, after ${CONTROL} control API requests`);
        }
        if (CHURN) {
          // The same process after the model has changed many times: a fleet joins, then leaves.
          const fleet: Docker.Container[] = [];
          try {
            await growFleet(net, fleet, CHURN, uniqueName('bench-churn'));
            await settle(60_000);
            await row(`${i + 1}, with ${CHURN} more`);
          } finally {
            await removeAll(fleet);
          }
          await settle(60_000);
          await row(`${i + 1}, after they left`);
        }
      } finally {
        await bare.stop();
        await backend.stop();
      }
    }
  } finally {
    await removeAll(containers);
    await docker.getNetwork(net).remove().catch(() => undefined);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
