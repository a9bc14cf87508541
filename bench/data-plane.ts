/**
 * Data-plane benchmark: requests/s and p50/p99 of the data plane next to a bare Node HTTP server
 * on the same address, in one run, with 3 and with 200 running containers. The load generator is
 * Debian's wrk, run inside the caller container's network namespace (nsenter), so every request
 * comes from a container address on the managed network through the real bridge, as an app's
 * would. Needs root, dockerd, wrk and the test images (test/images/build.sh).
 *
 *   npm run bench                                  # 10 connections, 10 s per case, 1 wrk thread
 *   BENCH_SECONDS=20 BENCH_CONNECTIONS=50 BENCH_CONTAINERS=3,50 npm run bench
 *   BENCH_ONLY='container metadata' node --cpu-prof --import tsx bench/data-plane.ts
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type Docker from 'dockerode';
import { eventually, inModel, startTestBackend, type TestBackend } from '../backend/test/support/backend.ts';
import { httpFrom, removeAll, runContainer, uniqueName } from '../backend/test/support/docker.ts';
import { pidOf } from '../backend/test/support/netns.ts';
import { growFleet, settle, wideSubnet } from './fleet.ts';
import { checkTools, wrk, type WrkOptions, type WrkResult } from './wrk.ts';

const run = promisify(execFile);
const SIZES = (process.env.BENCH_CONTAINERS ?? '3,200').split(',').map(Number);
const LOAD: WrkOptions = {
  connections: Number(process.env.BENCH_CONNECTIONS ?? 10),
  threads: Number(process.env.BENCH_THREADS ?? 1),
  seconds: Number(process.env.BENCH_SECONDS ?? 10),
};
const WARMUP: WrkOptions = { ...LOAD, seconds: 2 };
/** Only the cases whose name contains this (for profiling one path with node --cpu-prof). */
const ONLY = process.env.BENCH_ONLY;
const BARE_PORT = 18099;
const BARE_BODY = '{"DockerId":"0123456789abcdef","Name":"bare"}';

interface Case { name: string; url: string }
interface Row { containers: number; name: string; r: WrkResult; bytes?: number; ratio?: number; sizedRatio?: number; load: string }

const loadavg = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

/** The caller: in a 3-container compose task, bound by the address guard, with fake credentials cached. */
async function startCaller(tb: TestBackend, containers: Docker.Container[]): Promise<{ caller: Docker.Container; cases: Case[] }> {
  const project = uniqueName('bench');
  const name = uniqueName('bench-caller');
  const credsId = uniqueName('bench-creds');
  tb.backend.assignments.set(name, 'fake');
  const labels = (service: string) => ({ 'com.docker.compose.project': project, 'com.docker.compose.service': service });
  const caller = await runContainer({ name, network: tb.network, labels: labels('caller'), env: { AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: `/v2/credentials/${credsId}` } });
  containers.push(caller);
  for (const s of ['svc1', 'svc2']) containers.push(await runContainer({ name: uniqueName('bench-task'), network: tb.network, labels: labels(s) }));
  const e = await inModel(tb, caller.id);
  await eventually(() => tb.backend.model.byContainerId.get(caller.id)?.task.containers.length === 3, 30_000, "the caller's task");
  const ip = (await caller.inspect()).NetworkSettings.Networks[tb.network]!.IPAddress;
  await eventually(() => tb.backend.guard.isBound(ip, tb.backend.index.get(caller.id)), 30_000, 'the caller bound by the address guard');
  const base = `http://${tb.address}/v4/${e.container.endpointId}`;
  const cases: Case[] = [
    { name: 'v4 container metadata', url: base },
    { name: 'v4 task metadata', url: `${base}/task` },
    { name: '/creds (from cache)', url: `http://${tb.address}/creds` },
    { name: '/v2/credentials/<id> (from cache)', url: `http://${tb.address}/v2/credentials/${credsId}` },
    { name: 'v4 container stats (from cache)', url: `${base}/stats` },
  ];
  // Each answers 200 once before the load (credentials fetched and cached, a stats sample taken).
  for (const c of cases) await eventually(async () => (await httpFrom(caller, c.url)).status === 200, 30_000, `200 from ${c.url}`);
  await eventually(() => tb.backend.stats.get(caller.id)?.samples, 30_000, 'a stats sample');
  return { caller, cases };
}

/**
 * A bare Node server: a fixed 45-byte JSON body at `/`, and at `/bytes/<n>` a body of n bytes,
 * so an answer can also be set against a bare response of the same size on the wire.
 */
function bareServer(): Server {
  const bodies = new Map<string, string>();
  return createServer((req, res) => {
    const url = req.url ?? '/';
    let body = bodies.get(url);
    if (body === undefined) bodies.set(url, (body = url.startsWith('/bytes/') ? 'x'.repeat(Number(url.slice(7))) : BARE_BODY));
    res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(body)) });
    res.end(body);
  });
}

/** The bytes of an answer on the wire (status line, headers, body), as the caller gets it. */
async function wireBytes(caller: Docker.Container, url: string): Promise<number> {
  return Buffer.byteLength((await httpFrom(caller, url)).raw);
}

async function measure(pid: number, n: number, c: Case): Promise<Row> {
  await wrk(pid, c.url, WARMUP);
  const r = await wrk(pid, c.url, LOAD);
  return { containers: n, name: c.name, r, load: loadavg() };
}

function fmt(row: Row): string {
  const x = (v?: number) => (v === undefined ? '' : v.toFixed(2));
  return `| ${row.containers} | ${row.name} | ${row.bytes ?? ''} | ${Math.round(row.r.rps).toLocaleString('en-US')} | ${x(row.ratio)} | ${x(row.sizedRatio)} | ${row.r.p50.toFixed(2)} | ${row.r.p99.toFixed(2)} | ${row.load} |`;
}

async function main(): Promise<void> {
  await checkTools();
  await run(fileURLToPath(new URL('../test/images/build.sh', import.meta.url)), ['busybox']);
  // Lifted for the run: the agent's limiter (40/s, burst 60 per source IP and path) would answer
  // 429 to one caller at load.
  const tb = await startTestBackend({ ECS_ENDPOINTS_RPS_LIMIT: '1000000000,1000000000' }, { subnet: await wideSubnet() });
  const bare = bareServer();
  await new Promise<void>((r) => bare.listen(BARE_PORT, tb.address, r));
  const containers: Docker.Container[] = [];
  const fleet: Docker.Container[] = [];
  const rows: Row[] = [];
  try {
    const { caller, cases } = await startCaller(tb, containers);
    const pid = await pidOf(caller);
    const bareCase: Case = { name: 'bare Node server', url: `http://${tb.address}:${BARE_PORT}/` };
    for (const n of SIZES) {
      await growFleet(tb.network, fleet, n - containers.length, uniqueName('bench-fleet'));
      await eventually(() => tb.backend.model.byContainerId.size >= n, 120_000, `${n} containers in the model`);
      await settle(60_000);
      console.error(`${n} containers; load average ${loadavg()}`);
      const before = await measure(pid, n, { ...bareCase, name: 'bare Node server, before' });
      const bareHead = await wireBytes(caller, `${bareCase.url}bytes/0`);
      const measured: Row[] = [];
      for (const c of cases.filter((x) => !ONLY || x.name.includes(ONLY))) {
        const bytes = await wireBytes(caller, c.url);
        const row = { ...(await measure(pid, n, c)), bytes };
        const sized = await measure(pid, n, { name: 'bare', url: `${bareCase.url}bytes/${Math.max(0, bytes - bareHead)}` });
        row.sizedRatio = row.r.rps / sized.r.rps;
        measured.push(row);
        console.error(fmt(row));
      }
      const after = await measure(pid, n, { ...bareCase, name: 'bare Node server, after' });
      const bareRps = (before.r.rps + after.r.rps) / 2;
      for (const m of measured) m.ratio = m.r.rps / bareRps;
      before.bytes = after.bytes = await wireBytes(caller, bareCase.url);
      rows.push(before, ...measured, after);
      for (const row of [before, after]) console.error(fmt(row));
    }
  } finally {
    bare.close();
    await removeAll([...containers, ...fleet]);
    await tb.cleanup();
  }
  const cpu = (await run('sh', ['-c', "grep -m1 'model name' /proc/cpuinfo | cut -d: -f2"])).stdout.trim();
  const wrkVersion = (await run('sh', ['-c', 'wrk -v 2>&1 | head -1'])).stdout.trim();
  console.log(`\nNode ${process.version}, ${cpu}, ${(await run('nproc')).stdout.trim()} CPUs; ${wrkVersion}`);
  console.log(`wrk -t${LOAD.threads} -c${LOAD.connections} -d${LOAD.seconds}s (after a 2 s warm-up) in the caller's network namespace. × bare: requests/s ÷ the mean of the bare server (45-byte body) before and after; × same size: ÷ the bare server answering as many bytes, measured right after.\n`);
  console.log('| containers | endpoint | bytes on the wire | requests/s | × bare | × bare same size | p50 ms | p99 ms | load avg after |');
  console.log('|---:|---|---:|---:|---:|---:|---:|---:|---|');
  for (const r of rows) console.log(fmt(r));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
