import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

/*
 * Debian's wrk (C, epoll, one thread per core) as the load generator, run inside a container's
 * network namespace so requests come from that container's address on the managed network.
 */

const run = promisify(execFile);
const report = fileURLToPath(new URL('./wrk-report.lua', import.meta.url));

/** CPUs for the load generator and for the measured servers, when the machine has two or more. */
export const PINNED = availableParallelism() >= 2 && process.env.BENCH_PIN !== '0' ? { load: 0, servers: 1 } : undefined;

/** A server's command line, pinned to the servers' CPU when PINNED. */
export function pinnedServer(argv: string[]): [string, string[]] {
  return PINNED ? ['taskset', ['-c', String(PINNED.servers), ...argv]] : [argv[0]!, argv.slice(1)];
}

/**
 * Function-call interrupts (CAL in /proc/interrupts) taken by the load generator's CPU so far: in a
 * VM each is a VM exit, and a CPU wakes an idle one with them. A server slower than wrk leaves wrk
 * idle between answers and pays for more of them per request (see docs/benchmarks.md).
 */
export function loadCpuWakeups(): number | undefined {
  if (!PINNED) return undefined;
  const line = readFileSync('/proc/interrupts', 'utf8').split('\n').find((l) => /^\s*CAL:/.test(l));
  return line ? Number(line.trim().split(/\s+/)[1 + PINNED.load]) : undefined;
}

export interface WrkOptions {
  connections: number;
  threads: number;
  seconds: number;
  /** Extra request headers, e.g. Authorization. */
  headers?: Record<string, string>;
}

export interface WrkResult {
  rps: number;
  p50: number;
  p99: number;
  requests: number;
}

interface Summary {
  requests: number;
  durationUs: number;
  p50Us: number;
  p99Us: number;
  non2xx: number;
  connect: number;
  read: number;
  write: number;
  timeout: number;
}

/** Load `url` from the network namespace of the process `pid`; throws on any error or non-2xx answer. */
/** wrk in the network namespace of process `pid`, or in this one when it is undefined (loopback). */
export async function wrk(pid: number | undefined, url: string, o: WrkOptions): Promise<WrkResult> {
  const headers = Object.entries(o.headers ?? {}).flatMap(([k, v]) => ['-H', `${k}: ${v}`]);
  const argv = [`-t${o.threads}`, `-c${o.connections}`, `-d${o.seconds}s`, '-s', report, ...headers, url];
  // On its own CPU, apart from the servers (see PINNED): otherwise the scheduler sometimes puts
  // both on one core, and a run's ratios change by a third from one run to the next.
  const load = PINNED ? ['taskset', '-c', String(PINNED.load), 'wrk', ...argv] : ['wrk', ...argv];
  const [cmd, args] = pid === undefined ? [load[0]!, load.slice(1)] : ['nsenter', ['-t', String(pid), '-n', ...load]];
  const { stdout } = await run(cmd, args, { timeout: (o.seconds + 30) * 1000 });
  const line = stdout.trim().split('\n').reverse().find((l) => l.startsWith('{'));
  if (!line) throw new Error(`wrk printed no summary for ${url}:\n${stdout}`);
  const s = JSON.parse(line) as Summary;
  const errors = s.non2xx + s.connect + s.read + s.write + s.timeout;
  if (errors > 0) throw new Error(`wrk ${url}: ${errors} errors or non-2xx answers ${line}`);
  return { rps: s.requests / (s.durationUs / 1e6), p50: s.p50Us / 1000, p99: s.p99Us / 1000, requests: s.requests };
}

/** Fails early, with the remedy, when wrk or nsenter is missing. */
export async function checkTools(): Promise<void> {
  for (const tool of ['wrk', 'nsenter']) {
    try {
      await run('sh', ['-c', `command -v ${tool}`]);
    } catch {
      throw new Error(`${tool} is not installed: the benchmark needs it (Debian/Ubuntu: sudo apt-get install -y ${tool === 'wrk' ? 'wrk' : 'util-linux'}).`);
    }
  }
  if (process.getuid?.() !== 0) throw new Error('The benchmark enters a container\'s network namespace with nsenter: run it as root.');
}
