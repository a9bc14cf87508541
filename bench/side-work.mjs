/**
 * Does a Node HTTP server's request path get slower after the process did unrelated work with
 * node's internals (issue 13: the data plane slows down once the backend has handled a fleet's
 * worth of Docker events)? A bare server (a child process on CPU 1) is measured with wrk on
 * loopback (CPU 0), then does side work like the backend's: child processes, an HTTP client to
 * dockerd, files written and fsync'd; then it is measured again. CPU µs per request from /proc.
 *
 *   node bench/side-work.mjs          # needs wrk, taskset and a Docker socket; ROUNDS=300
 */
import { measure, startPinnedServer } from './loopback.mjs';

const PORT = 18123;
const ROUNDS = Number(process.env.ROUNDS ?? 300);
const SERVER = `
const http = require('node:http');
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const body = 'x'.repeat(1200);
http.createServer((req, res) => {
  res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(body)) });
  res.end(body);
}).listen(${PORT}, '127.0.0.1', () => console.error('listening'));
process.on('SIGUSR2', async () => {
  for (let i = 0; i < ${ROUNDS}; i++) {
    await Promise.all([
      new Promise((r) => spawn('true').on('exit', r)),
      new Promise((r) => require('node:http').get({ socketPath: '/var/run/docker.sock', path: '/containers/json?all=1' }, (res) => {
        let d = ''; res.on('data', (c) => (d += c)); res.on('end', () => { JSON.parse(d); r(); });
      })),
      fs.promises.writeFile('/tmp/side-work.json', JSON.stringify({ i })).then(() => fs.promises.open('/tmp/side-work.json', 'r+')).then(async (h) => { await h.sync(); await h.close(); }),
    ]);
  }
  console.error('side work done');
});
`;

function report(pid, label) {
  const m = measure(pid, PORT, 5);
  console.log(`${label}: ${Math.round(m.rps)}/s, ${m.cpuUs.toFixed(1)} µs CPU per request`);
}

const server = startPinnedServer(SERVER);
try {
  await server.said('listening');
  report(server.pid, 'fresh');
  report(server.pid, 'fresh');
  process.kill(server.pid, 'SIGUSR2');
  await server.said('side work done');
  report(server.pid, `after ${ROUNDS} rounds of side work`);
  report(server.pid, `after ${ROUNDS} rounds of side work`);
} finally {
  server.stop();
}
