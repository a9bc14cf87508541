/**
 * Does a Node HTTP server's request path get slower after the process did other work with node's
 * internals (issue 13: the data plane slows down once the backend has handled a fleet's worth of
 * Docker events, or served its control API)? A bare server (a child process on CPU 1) is measured
 * with wrk on loopback (CPU 0), then does side work, then it is measured again. CPU µs per request
 * from /proc. SIDE_WORK chooses the side work:
 * - `backend` (default): like the backend's own: child processes, an HTTP client to dockerd,
 *   files written and fsync'd, ROUNDS rounds;
 * - `express`: ROUNDS requests (sent from outside, one connection each) to an express app in the
 *   same process, as the control API is;
 * - `http`: the same requests to a plain node HTTP server in the same process;
 * - `prototype`: the same to a plain server that swaps each request's and response's prototype,
 *   as express does (its app.handle);
 * - `properties`: the same to a plain server that adds express's own properties to each.
 *
 *   node bench/side-work.mjs          # needs wrk, taskset and a Docker socket; ROUNDS=300
 *   SIDE_WORK=express node bench/side-work.mjs
 */
import { get } from 'node:http';
import { fileURLToPath } from 'node:url';
import { measure, startPinnedServer } from './loopback.mjs';

const PORT = 18123;
const SIDE_PORT = 18124;
const ROUNDS = Number(process.env.ROUNDS ?? 300);
const SIDE = process.env.SIDE_WORK ?? 'backend';
const KINDS = ['backend', 'express', 'http', 'prototype', 'properties'];
if (!KINDS.includes(SIDE)) throw new Error(`SIDE_WORK=${SIDE}: use one of ${KINDS.join(', ')}`);

const SERVER = `
const http = require('node:http');
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const body = 'x'.repeat(1200);
http.createServer((req, res) => {
  res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(body)) });
  res.end(body);
}).listen(${PORT}, '127.0.0.1', () => console.error('listening'));
const answer = (res) => { res.setHeader('Content-Type', 'application/json'); res.end(JSON.stringify({ a: 1, b: [1, 2, 3], c: 'x' })); };
const side = {
  express: () => {
    const app = require(${JSON.stringify(fileURLToPath(new URL('../node_modules/express', import.meta.url)))})();
    app.get('/api/x', (req, res) => res.json({ a: 1, b: [1, 2, 3], c: 'x' }));
    return app;
  },
  http: () => (req, res) => answer(res),
  prototype: () => {
    const reqProto = Object.create(http.IncomingMessage.prototype);
    const resProto = Object.create(http.ServerResponse.prototype);
    return (req, res) => { Object.setPrototypeOf(req, reqProto); Object.setPrototypeOf(res, resProto); answer(res); };
  },
  properties: () => (req, res) => { req.res = res; res.req = req; res.locals = Object.create(null); req.params = {}; req.baseUrl = ''; req.originalUrl = req.url; answer(res); },
}[${JSON.stringify(SIDE)}];
if (side) http.createServer(side()).listen(${SIDE_PORT}, '127.0.0.1');
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

/** The side requests come from this process, so only the server's side of them runs in the server. */
async function sideRequests() {
  for (let i = 0; i < ROUNDS; i++) {
    await new Promise((resolve, reject) =>
      get({ host: '127.0.0.1', port: SIDE_PORT, path: '/api/x', agent: false }, (res) => {
        if (res.statusCode !== 200) reject(new Error(`the side server answered ${res.statusCode}`));
        res.resume().on('end', resolve);
      }).on('error', reject),
    );
  }
}

const server = startPinnedServer(SERVER);
try {
  await server.said('listening');
  report(server.pid, 'fresh');
  report(server.pid, 'fresh');
  if (SIDE === 'backend') {
    process.kill(server.pid, 'SIGUSR2');
    await server.said('side work done');
  } else await sideRequests();
  const what = SIDE === 'backend' ? `${ROUNDS} rounds of side work` : `${ROUNDS} requests to ${SIDE === 'express' ? 'an express app' : `a ${SIDE} server`} in the same process`;
  report(server.pid, `after ${what}`);
  report(server.pid, `after ${what}`);
} finally {
  server.stop();
}
