/**
 * Data-plane benchmark: requests/s and p50/p99 for v4 container metadata, v4 task metadata and v4
 * stats, with 2 and with 50 running containers, next to a bare Node HTTP server returning a fixed
 * body, all in one run on this machine. Needs dockerd and the test images (test/images/build.sh).
 *
 *   npm run bench                       # defaults: 20000 requests, concurrency 16
 *   BENCH_REQUESTS=50000 npm run bench
 */
import { execFile } from 'node:child_process';
import { createServer } from 'node:http';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { eventually, startTestBackend } from '../backend/test/support/backend.ts';
import { removeAll, runContainer } from '../backend/test/support/docker.ts';
import type Docker from 'dockerode';

const run = promisify(execFile);
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 20000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
const loadScript = fileURLToPath(new URL('./load.mjs', import.meta.url));

interface Result { rps: number; p50: number; p99: number; statuses: Record<string, number> }

async function load(url: string): Promise<Result> {
  const { stdout } = await run(process.execPath, [loadScript, JSON.stringify({ url, requests: REQUESTS, concurrency: CONCURRENCY, warmup: 2000 })], { maxBuffer: 1 << 20 });
  return JSON.parse(stdout) as Result;
}

async function main(): Promise<void> {
  await run(fileURLToPath(new URL('../test/images/build.sh', import.meta.url)), ['busybox']);
  // Effectively unthrottled: the agent's limiter is per (source IP, path) and this is one client.
  const tb = await startTestBackend({ ECS_ENDPOINTS_RPS_LIMIT: '1000000000,1000000000' });
  const bare = createServer((_req, res) => {
    const body = '{"DockerId":"0123456789abcdef","Name":"bare"}';
    res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(body)) });
    res.end(body);
  });
  await new Promise<void>((r) => bare.listen(18099, tb.address, r));
  const containers: Docker.Container[] = [];
  const rows: string[] = [];
  try {
    for (const n of [2, 50]) {
      while (containers.length < n) {
        // One compose project, so the task grows with the container count (task metadata renders all of them).
        containers.push(await runContainer({ network: tb.network, labels: { 'com.docker.compose.project': 'bench', 'com.docker.compose.service': `svc${containers.length}` } }));
      }
      const target = containers[0]!;
      await eventually(() => tb.backend.model.tasks.find((t) => t.key === 'compose:bench')?.containers.length === n, 60_000, `${n} containers in the model`);
      const e = tb.backend.model.byContainerId.get(target.id)!;
      await tb.backend.stats.prime([target.id]);
      await eventually(() => tb.backend.stats.get(target.id)?.samples, 20_000, 'a stats sample');
      const base = `http://${tb.address}/v4/${e.container.endpointId}`;
      // The bare server is measured before and after, so machine-wide noise (dockerd streaming
      // stats for every container on the same cores) shows up as a difference between the two.
      const cases: [string, string][] = [
        ['bare Node server (fixed body), before', `http://${tb.address}:18099/`],
        ['v4 container metadata', base],
        ['v4 task metadata', `${base}/task`],
        ['v4 container stats', `${base}/stats`],
        ['bare Node server (fixed body), after', `http://${tb.address}:18099/`],
      ];
      for (const [name, url] of cases) {
        const r = await load(url);
        const bad = Object.entries(r.statuses).filter(([s]) => s !== '200');
        if (bad.length) throw new Error(`${name}: non-200 answers ${JSON.stringify(r.statuses)}`);
        rows.push(`| ${n} | ${name} | ${Math.round(r.rps).toLocaleString('en-US')} | ${r.p50.toFixed(2)} | ${r.p99.toFixed(2)} |`);
        console.error(rows[rows.length - 1]);
      }
    }
  } finally {
    bare.close();
    await removeAll(containers);
    await tb.cleanup();
  }
  const cpu = (await run('sh', ['-c', "grep -m1 'model name' /proc/cpuinfo | cut -d: -f2"])).stdout.trim();
  console.log(`\nNode ${process.version}, ${cpu}, ${REQUESTS} requests per case after 2000 warm-up, concurrency ${CONCURRENCY}, keep-alive, load generator in a separate process.\n`);
  console.log('| containers | endpoint | requests/s | p50 ms | p99 ms |');
  console.log('|---:|---|---:|---:|---:|');
  for (const r of rows) console.log(r);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
