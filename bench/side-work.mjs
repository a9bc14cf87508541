/**
 * Does a Node HTTP server's request path get slower after the process did unrelated work with
 * node's internals (issue 13: the data plane slows down once the backend has handled a fleet's
 * worth of Docker events)? A bare server (a child process on CPU 1) is measured with wrk on
 * loopback (CPU 0), then does side work like the backend's: child processes, an HTTP client to
 * dockerd, files written and fsync'd; then it is measured again. CPU µs per request from /proc.
 *
 *   node bench/side-work.mjs          # needs wrk, taskset and a Docker socket; ROUNDS=300
 */
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';

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

const cpuUs = (pid) => {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(f[11]) + Number(f[12])) * 10_000;
};

function wrk(seconds) {
  const out = execFileSync('taskset', ['-c', '0', 'wrk', '-t1', '-c10', `-d${seconds}s`, `http://127.0.0.1:${PORT}/`], { encoding: 'utf8' });
  const requests = Number(/(\d+) requests in/.exec(out)[1]);
  return { requests, rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(out)[1]) };
}

function measure(pid, label) {
  wrk(2);
  const before = cpuUs(pid);
  const r = wrk(5);
  console.log(`${label}: ${Math.round(r.rps)}/s, ${((cpuUs(pid) - before) / r.requests).toFixed(1)} µs CPU per request`);
}

const server = spawn('taskset', ['-c', '1', process.execPath, '-e', SERVER], { stdio: ['ignore', 'ignore', 'pipe'] });
let err = '';
const said = (what) => new Promise((resolve) => {
  const check = () => (err.includes(what) ? resolve() : undefined);
  server.stderr.on('data', (c) => { err += c; check(); });
  check();
});
try {
  await said('listening');
  // taskset execs node in place: the child is the server.
  const pid = server.pid;
  measure(pid, 'fresh');
  measure(pid, 'fresh');
  process.kill(pid, 'SIGUSR2');
  await said('side work done');
  measure(pid, `after ${ROUNDS} rounds of side work`);
  measure(pid, `after ${ROUNDS} rounds of side work`);
} finally {
  server.kill();
}
