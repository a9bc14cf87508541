/**
 * Data-plane benchmark: requests/s, p50/p99 and server CPU per request of the data plane next to
 * a bare Node HTTP server on the same address, in one run, with 3 and with 200 running containers.
 * The backend is the shipped bundle as a process of its own (host topology), the bare server
 * another; the load generator is Debian's wrk, run inside the caller container's network
 * namespace (nsenter), so every request comes from a container address on the managed network
 * through the real bridge and the address guard's rules, as an app's would. Needs root, dockerd,
 * wrk and the test images (test/images/build.sh).
 *
 *   npm run bench                                  # 10 connections, 10 s per case, 1 wrk thread
 *   BENCH_SECONDS=20 BENCH_CONNECTIONS=50 BENCH_CONTAINERS=3,50 npm run bench
 *   BENCH_ONLY='container metadata' BENCH_NODE_ARGS=--cpu-prof npm run bench
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import type Docker from 'dockerode';
import { eventually } from '../backend/test/support/backend.ts';
import { docker, removeAll, uniqueName } from '../backend/test/support/docker.ts';
import { pidOf } from '../backend/test/support/netns.ts';
import { rssMiB, startBackend, startBare } from './backend-process.ts';
import { measure, prepare, startCaller, wireBytes, type Case } from './caller.ts';
import { growFleet, settle } from './fleet.ts';
import type { WrkOptions, WrkResult } from './wrk.ts';

const run = promisify(execFile);
const SIZES = (process.env.BENCH_CONTAINERS ?? '3,200').split(',').map(Number);
const LOAD: WrkOptions = {
  connections: Number(process.env.BENCH_CONNECTIONS ?? 10),
  threads: Number(process.env.BENCH_THREADS ?? 1),
  seconds: Number(process.env.BENCH_SECONDS ?? 10),
};
/** Only the cases whose name contains this (for profiling one path with BENCH_NODE_ARGS=--cpu-prof). */
const ONLY = process.env.BENCH_ONLY;
/** Node options for the backend process (e.g. --cpu-prof, --max-semi-space-size=4). */
const NODE_ARGS = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
const BARE_PORT = 18099;

interface Row { containers: number; name: string; r: WrkResult; cpuUs: number; bytes?: number; ratio?: number; sizedRatio?: number; cpuRatio?: number; load: string }

const loadavg = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

/** One case measured, as a row of the table. */
async function measureRow(pid: number, server: number, n: number, c: Case): Promise<Row> {
  const { r, cpuUs } = await measure(pid, server, c.url, LOAD);
  return { containers: n, name: c.name, r, cpuUs, load: loadavg() };
}

function fmt(row: Row): string {
  const x = (v?: number) => (v === undefined ? '' : v.toFixed(2));
  return `| ${row.containers} | ${row.name} | ${row.bytes ?? ''} | ${Math.round(row.r.rps).toLocaleString('en-US')} | ${x(row.ratio)} | ${x(row.sizedRatio)} | ${row.cpuUs.toFixed(1)} | ${x(row.cpuRatio)} | ${row.r.p50.toFixed(2)} | ${row.r.p99.toFixed(2)} | ${row.load} |`;
}

async function main(): Promise<void> {
  const { net, address, env } = await prepare('ecs-bench');
  const backend = await startBackend(env, NODE_ARGS);
  const bare = await startBare(address, BARE_PORT);
  const containers: Docker.Container[] = [];
  const fleet: Docker.Container[] = [];
  const rows: Row[] = [];
  const rss: string[] = [];
  try {
    const { caller, cases } = await startCaller(net, address, containers);
    const pid = await pidOf(caller);
    const bareUrl = `http://${address}:${BARE_PORT}/`;
    const barePid = bare.proc.pid!;
    const backendPid = backend.proc.pid!;
    for (const n of SIZES) {
      await growFleet(net, fleet, n - containers.length, uniqueName('bench-fleet'));
      await eventually(async () => (await backend.api<unknown[]>('/api/containers')).length >= n, 120_000, `${n} containers in the backend's list`);
      await settle(60_000);
      console.error(`${n} containers; load average ${loadavg()}`);
      const before = await measureRow(pid, barePid, n, { name: 'bare Node server, before', url: bareUrl });
      const bareHead = await wireBytes(caller, `${bareUrl}bytes/0`);
      const measured: Row[] = [];
      for (const c of cases.filter((x) => !ONLY || x.name.includes(ONLY))) {
        const bytes = await wireBytes(caller, c.url);
        const row = { ...(await measureRow(pid, backendPid, n, c)), bytes };
        const sized = await measureRow(pid, barePid, n, { name: 'bare', url: `${bareUrl}bytes/${Math.max(0, bytes - bareHead)}` });
        row.sizedRatio = row.r.rps / sized.r.rps;
        row.cpuRatio = row.cpuUs / sized.cpuUs;
        measured.push(row);
        console.error(fmt(row));
      }
      const after = await measureRow(pid, barePid, n, { name: 'bare Node server, after', url: bareUrl });
      const bareRps = (before.r.rps + after.r.rps) / 2;
      for (const m of measured) m.ratio = m.r.rps / bareRps;
      before.bytes = after.bytes = await wireBytes(caller, bareUrl);
      rows.push(before, ...measured, after);
      rss.push(`${n} containers: backend RSS ${rssMiB(backendPid).toFixed(0)} MiB after the load`);
      for (const row of [before, after]) console.error(fmt(row));
    }
  } finally {
    await bare.stop();
    await backend.stop();
    await removeAll([...containers, ...fleet]);
    await docker.getNetwork(net).remove().catch(() => undefined);
  }
  const cpu = (await run('sh', ['-c', "grep -m1 'model name' /proc/cpuinfo | cut -d: -f2"])).stdout.trim();
  const wrkVersion = (await run('sh', ['-c', 'wrk -v 2>&1 | head -1'])).stdout.trim();
  console.log(`\nNode ${process.version}, ${cpu}, ${(await run('nproc')).stdout.trim()} CPUs; ${wrkVersion}`);
  console.log(`wrk -t${LOAD.threads} -c${LOAD.connections} -d${LOAD.seconds}s (after a 2 s warm-up) in the caller's network namespace; the backend bundle${NODE_ARGS.length ? ` (node ${NODE_ARGS.join(' ')})` : ''} and the bare server each a process of its own. × bare: requests/s ÷ the mean of the bare server (45-byte body) before and after; × same size: ÷ the bare server answering as many bytes, measured right after; CPU µs: the serving process's user + system time per request; × CPU: ÷ the same-size bare server's.\n`);
  console.log('| containers | endpoint | bytes on the wire | requests/s | × bare | × bare same size | CPU µs/request | × bare CPU | p50 ms | p99 ms | load avg after |');
  console.log('|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---|');
  for (const r of rows) console.log(fmt(r));
  console.log(`\n${rss.join('; ')}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
