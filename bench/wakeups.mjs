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
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';

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

const cpuUs = (pid) => {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(f[11]) + Number(f[12])) * 10_000;
};
/** Function-call interrupts taken by CPU 0 so far. */
const wakeups = () => Number(readFileSync('/proc/interrupts', 'utf8').split('\n').find((l) => /^\s*CAL:/.test(l)).trim().split(/\s+/)[1]);
const wrk = (seconds) => {
  const out = execFileSync('taskset', ['-c', '0', 'wrk', '-t1', '-c10', `-d${seconds}s`, `http://127.0.0.1:${PORT}/`], { encoding: 'utf8' });
  return { requests: Number(/(\d+) requests in/.exec(out)[1]), rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(out)[1]) };
};

const server = spawn('taskset', ['-c', '1', process.execPath, '-e', SERVER], { stdio: ['ignore', 'ignore', 'pipe'] });
await new Promise((resolve, reject) => {
  server.stderr.on('data', (c) => String(c).includes('listening') && resolve());
  server.once('exit', (code) => reject(new Error(`the server exited with ${code}`)));
});
try {
  wrk(2);
  for (let i = 0; i < 3; i++) {
    const cpu = cpuUs(server.pid);
    const woken = wakeups();
    const r = wrk(4);
    const perRequest = (n) => n / r.requests;
    console.log(`spin ${SPIN} µs${DEFER ? ', deferred writes' : ''}: ${Math.round(r.rps)}/s, ${perRequest(cpuUs(server.pid) - cpu).toFixed(1)} µs CPU and ${perRequest(wakeups() - woken).toFixed(2)} wake-ups per request`);
  }
} finally {
  server.kill();
}
