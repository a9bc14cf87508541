/**
 * Does a server pay more per request, beyond its own work, when it is slower than its load
 * generator (issue 13: the data plane's CPU per request is bimodal)? A bare Node server (CPU 1)
 * that busy-waits SPIN µs per request is loaded by wrk on loopback (CPU 0); reported per request:
 * the server's CPU µs (/proc) and the function-call interrupts CPU 0 took (wake-ups; in a VM each
 * is a VM exit). DEFER=1 writes each answer at the end of the event-loop turn (cork, then uncork in
 * setImmediate) to see whether batching the writes saves wake-ups.
 *
 *   for s in 0 6 10; do SPIN=$s node bench/wakeups.mjs; done      # needs wrk and taskset
 */
import { measure, startPinnedServer } from './loopback.mjs';

const PORT = Number(process.env.PORT ?? 18124);
const SPIN = Number(process.env.SPIN ?? 0);
const DEFER = process.env.DEFER === '1';
const SERVER = `
const http = require('node:http');
const body = 'x'.repeat(1200);
const now = () => Number(process.hrtime.bigint()) / 1e3;
http.createServer((req, res) => {
  const t = now();
  while (now() - t < ${SPIN});
  ${DEFER ? 'const s = res.socket; s.cork(); setImmediate(() => s.uncork());' : ''}
  res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(body)) });
  res.end(body);
}).listen(${PORT}, '127.0.0.1', () => console.error('listening'));
`;

const server = startPinnedServer(SERVER);
try {
  await server.said('listening');
  for (let i = 0; i < 3; i++) {
    const m = measure(server.pid, PORT, 4);
    console.log(`spin ${SPIN} µs${DEFER ? ', deferred writes' : ''}: ${Math.round(m.rps)}/s, ${m.cpuUs.toFixed(1)} µs CPU and ${m.wakeups.toFixed(2)} wake-ups per request`);
  }
} finally {
  server.stop();
}
