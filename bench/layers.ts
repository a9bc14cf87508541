/**
 * Where a data-plane request's time goes: the same cached answer served by a bare Node server,
 * by the data plane's HTTP layer around a stub that returns it, and by the whole data plane
 * (real routing, limiter, render cache and request log over an in-memory model). Each server is
 * a process of its own on loopback, loaded by `wrk` for a few seconds; the measure is the
 * server process's CPU time per request (utime + stime from /proc), which does not depend on
 * what else the machine runs the way requests per second does. Bundled by esbuild first, as the
 * backend ships (no tsx in the measured processes).
 *
 *   node --import tsx bench/layers.ts            # LAYERS_SECONDS=5 LAYERS_ROUNDS=3
 */
import { execFile, fork, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { dataPlaneServer } from '../backend/src/endpoints/http.ts';
import { RequestLog } from '../backend/src/endpoints/request-log.ts';
import { Throttle } from '../backend/src/endpoints/throttle.ts';
import type { DataResponse } from '../backend/src/endpoints/types.ts';
import { plane, rec } from '../backend/test/unit/endpoints/plane-fixture.ts';
import { cpuUs } from './backend-process.ts';
import { wrk } from './wrk.ts';

const run = promisify(execFile);
const SECONDS = Number(process.env.LAYERS_SECONDS ?? 5);
const ROUNDS = Number(process.env.LAYERS_ROUNDS ?? 3);

type Layer = 'bare' | 'http' | 'plane';
const LAYERS: Layer[] = ['bare', 'http', 'plane'];

/** The caller, on loopback: its container metadata is the answer every layer sends. */
const CALLER = rec({ id: 'c'.repeat(64), name: 'bench-caller', ip: '127.0.0.1' });

function serve(layer: Layer): Server {
  // The limiter lifted, as in bench/data-plane.ts (the agent's 40/s would answer 429).
  const p = plane({ records: [CALLER], throttle: new Throttle(1e9, 1e9) });
  const url = `/v4/${p.endpoint(CALLER)}`;
  const first = p.call(url, CALLER) as DataResponse;
  if (first.status !== 200) throw new Error(`the data plane answered ${first.status}`);
  const body = first.body;
  if (layer === 'bare') {
    return createServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(body)) });
      res.end(body);
    });
  }
  const log = new RequestLog(1000);
  if (layer === 'http') {
    // The HTTP layer as it is (timeouts, request log), over a plane that only hands back the answer.
    return dataPlaneServer({ handle: () => ({ status: 200, headers: { 'Content-Type': 'application/json' }, body, meta: { kind: 'metadata' } }) } as never, log, () => undefined);
  }
  return dataPlaneServer(p.dp, log, () => undefined);
}

async function child(layer: Layer): Promise<{ proc: ChildProcess; port: number }> {
  const proc = fork(process.argv[1]!, ['--serve', layer], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const port = await new Promise<number>((resolve, reject) => {
    proc.once('message', (m) => resolve(m as number));
    proc.once('exit', (code) => reject(new Error(`the ${layer} server exited with ${code}`)));
  });
  return { proc, port };
}

async function measure(layer: Layer): Promise<{ rps: number; cpuUs: number }> {
  const { proc, port } = await child(layer);
  try {
    const url = `http://127.0.0.1:${port}/v4/${plane({ records: [CALLER] }).endpoint(CALLER)}`;
    await wrk(undefined, url, { connections: 10, threads: 1, seconds: 2 });
    const before = cpuUs(proc.pid!);
    const r = await wrk(undefined, url, { connections: 10, threads: 1, seconds: SECONDS });
    return { rps: r.rps, cpuUs: (cpuUs(proc.pid!) - before) / r.requests };
  } finally {
    proc.kill();
  }
}

async function main(): Promise<void> {
  if (process.argv[2] === '--serve') {
    const server = serve(process.argv[3] as Layer);
    server.listen(0, '127.0.0.1', () => process.send!((server.address() as { port: number }).port));
    return;
  }
  if (!process.argv[1]!.endsWith('.mjs')) {
    // Run the bundle, not tsx: the backend ships as an esbuild bundle.
    const out = fileURLToPath(new URL('./.layers.bundle.mjs', import.meta.url)); // next to wrk-report.lua, inside the repository's node_modules reach
    await build({
      entryPoints: [fileURLToPath(import.meta.url)], outfile: out, bundle: true, platform: 'node', format: 'esm', logLevel: 'warning',
      // Libraries stay external, as in packaging/bundle-backend.mjs; the workspace's TypeScript is bundled.
      plugins: [{ name: 'externals', setup: (b) => b.onResolve({ filter: /^[^./]/ }, (a) => (a.path.startsWith('@ecs-endpoints/') ? undefined : { path: a.path, external: true })) }],
    });
    const { stdout } = await run(process.execPath, [out], { env: process.env, maxBuffer: 1 << 20 });
    process.stdout.write(stdout);
    return;
  }
  const rows = new Map<Layer, { rps: number; cpuUs: number }[]>(LAYERS.map((l) => [l, []]));
  for (let i = 0; i < ROUNDS; i++) for (const l of LAYERS) rows.get(l)!.push(await measure(l));
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const bare = median(rows.get('bare')!.map((r) => r.cpuUs));
  console.log(`wrk -t1 -c10 -d${SECONDS}s on loopback, ${ROUNDS} rounds (medians); load average after: ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}\n`);
  console.log('| server | requests/s | CPU µs per request | × bare CPU |');
  console.log('|---|---:|---:|---:|');
  for (const [l, rs] of rows) {
    const cpu = median(rs.map((r) => r.cpuUs));
    console.log(`| ${l} | ${Math.round(median(rs.map((r) => r.rps))).toLocaleString('en-US')} | ${cpu.toFixed(1)} | ${(cpu / bare).toFixed(2)} |`);
  }
}

void main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
