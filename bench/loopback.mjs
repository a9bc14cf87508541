/**
 * What the plain-Node loopback experiments (side-work.mjs, wakeups.mjs) share: a server program
 * pinned to CPU 1, wrk on loopback pinned to CPU 0, and per request the server's CPU time and the
 * wake-ups (function-call interrupts) CPU 0 took. They run without tsx, so they read /proc here
 * rather than through backend-process.ts and wrk.ts, which the TypeScript benchmarks use.
 */
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** User + system CPU time of a process, in µs. */
export function cpuUs(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) * 10_000;
}

/** Function-call interrupts taken by CPU 0 (wrk's) so far. */
export function wakeups() {
  const line = readFileSync('/proc/interrupts', 'utf8').split('\n').find((l) => /^\s*CAL:/.test(l));
  return Number(line.trim().split(/\s+/)[1]);
}

/** `node -e source` on CPU 1; `said(text)` resolves once its stderr has printed the text. */
export function startPinnedServer(source) {
  const proc = spawn('taskset', ['-c', '1', process.execPath, '-e', source], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  proc.stderr.on('data', (c) => (err += c));
  const said = (text) =>
    new Promise((resolve, reject) => {
      const check = () => err.includes(text) && (resolve(), true);
      if (check()) return;
      proc.stderr.on('data', check);
      proc.once('exit', (code) => reject(new Error(`the server exited with ${code} before "${text}":\n${err}`)));
    });
  // taskset execs node in place: its pid is the server's.
  return { pid: proc.pid, said, stop: () => proc.kill() };
}

function wrk(port, seconds) {
  const out = execFileSync('taskset', ['-c', '0', 'wrk', '-t1', '-c10', `-d${seconds}s`, `http://127.0.0.1:${port}/`], { encoding: 'utf8' });
  return { requests: Number(/(\d+) requests in/.exec(out)[1]), rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(out)[1]) };
}

/** After a 2 s warm-up, `seconds` of load: requests/s, and per request the server's CPU µs and CPU 0's wake-ups. */
export function measure(pid, port, seconds) {
  wrk(port, 2);
  const cpu = cpuUs(pid);
  const woken = wakeups();
  const r = wrk(port, seconds);
  return { rps: r.rps, cpuUs: (cpuUs(pid) - cpu) / r.requests, wakeups: (wakeups() - woken) / r.requests };
}
