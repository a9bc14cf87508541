import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

/*
 * Debian's wrk (C, epoll, one thread per core) as the load generator, run inside a container's
 * network namespace so requests come from that container's address on the managed network.
 */

const run = promisify(execFile);
const report = fileURLToPath(new URL('./wrk-report.lua', import.meta.url));

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
  const [cmd, args] = pid === undefined ? ['wrk', argv] : ['nsenter', ['-t', String(pid), '-n', 'wrk', ...argv]];
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
