// Load generator, run as a separate process so it does not share the server's event loop.
// Usage: node bench/load.mjs <json: {url, requests, concurrency, warmup}>  → prints JSON results.
import http from 'node:http';

const { url, requests, concurrency, warmup } = JSON.parse(process.argv[2]);
const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
const u = new URL(url);

function once() {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const req = http.request({ host: u.hostname, port: u.port || 80, path: u.pathname + u.search, agent }, (res) => {
      res.on('data', () => {});
      res.on('end', () => resolve({ ms: Number(process.hrtime.bigint() - t0) / 1e6, status: res.statusCode }));
    });
    req.on('error', reject);
    req.end();
  });
}

async function run(n) {
  const lat = [];
  const statuses = {};
  let next = 0;
  const t0 = process.hrtime.bigint();
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next++ < n) {
      const r = await once();
      lat.push(r.ms);
      statuses[r.status] = (statuses[r.status] ?? 0) + 1;
    }
  }));
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  lat.sort((a, b) => a - b);
  const q = (p) => lat[Math.min(lat.length - 1, Math.floor(p * lat.length))];
  return { rps: n / secs, p50: q(0.5), p99: q(0.99), statuses };
}

await run(warmup);
console.log(JSON.stringify(await run(requests)));
agent.destroy();
