/**
 * Run a host program (the AWS CLI, python3 with botocore, node with the AWS SDK) inside a
 * container's network namespace, so it calls 169.254.170.2 exactly as a process in that container
 * would, while its binaries and libraries come from the host. Needs root (nsenter).
 *
 * The environment is replaced entirely (`env -i`): nothing of the host's own AWS configuration
 * (variables, ~/.aws) can leak in. Pass a HOME that holds no .aws directory.
 */
import { execFile } from 'node:child_process';
import type Docker from 'dockerode';

export interface NetnsResult {
  code: number;
  stdout: string;
  stderr: string;
  /** Wall time of the whole command, ms. */
  ms: number;
}

/** The host PID of a running container's main process. */
export async function pidOf(container: Docker.Container): Promise<number> {
  const info = await container.inspect();
  if (!info.State.Running || !info.State.Pid) throw new Error(`container ${info.Name} is not running`);
  return info.State.Pid;
}

/** The PATH given to programs run with runInNetns: system binaries only (Debian's aws, python3, node). */
export const SYSTEM_PATH = '/usr/bin:/bin:/usr/sbin:/sbin';

export function runInNetns(
  pid: number,
  argv: string[],
  env: Record<string, string>,
  opts: { timeoutMs?: number } = {},
): Promise<NetnsResult> {
  const started = Date.now();
  const envArgs = Object.entries({ PATH: SYSTEM_PATH, ...env }).map(([k, v]) => `${k}=${v}`);
  return new Promise((resolve) => {
    execFile(
      'nsenter',
      ['-t', String(pid), '-n', '--', 'env', '-i', ...envArgs, ...argv],
      { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024, timeout: opts.timeoutMs ?? 60_000, killSignal: 'SIGKILL' },
      (err, stdout, stderr) => {
        const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
        resolve({ code, stdout, stderr, ms: Date.now() - started });
      },
    );
  });
}

export interface NetnsHttpResponse {
  status: number;
  /** Lower-cased names. */
  headers: Record<string, string>;
  body: string;
  /** Time to the complete response, ms (inside the client process). */
  ms: number;
}

const HTTP_SCRIPT = `
const http = require('node:http');
const [url, method, headersJson, body, count] = process.argv.slice(1);
const one = () => new Promise((resolve) => {
  const t0 = Date.now();
  const req = http.request(url, { method, headers: JSON.parse(headersJson), agent: false }, (res) => {
    const chunks = [];
    res.on('data', (c) => chunks.push(c));
    res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks).toString('utf8'), ms: Date.now() - t0 }));
  });
  req.on('error', (e) => resolve({ status: 0, headers: {}, body: 'error: ' + e.code + ' ' + e.message, ms: Date.now() - t0 }));
  req.setTimeout(15000, () => req.destroy(new Error('client timeout')));
  req.end(body || undefined);
});
Promise.all(Array.from({ length: Number(count) }, one)).then((r) => process.stdout.write(JSON.stringify(r)));
`;

/**
 * HTTP requests from inside a container's network namespace (so the backend sees the container's
 * address as the caller) with node's http client, `count` of them at once. Unlike busybox nc it
 * does not half-close the connection after sending, as no SDK does.
 */
export async function httpInNetns(
  pid: number,
  url: string,
  opts: { method?: string; headers?: Record<string, string>; body?: string; count?: number } = {},
): Promise<NetnsHttpResponse[]> {
  const r = await runInNetns(pid, [process.execPath, '-e', HTTP_SCRIPT, url, opts.method ?? 'GET', JSON.stringify(opts.headers ?? {}), opts.body ?? '', String(opts.count ?? 1)], {});
  if (r.code !== 0) throw new Error(`HTTP client in the netns of ${pid} failed (${r.code}): ${r.stderr.trim()}`);
  return JSON.parse(r.stdout) as NetnsHttpResponse[];
}

/** One request; see httpInNetns. */
export async function httpOneInNetns(pid: number, url: string, opts: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<NetnsHttpResponse> {
  return (await httpInNetns(pid, url, { ...opts, count: 1 }))[0]!;
}

const TCP_SCRIPT = `
const net = require('node:net');
const [host, port] = process.argv.slice(1);
const s = net.connect({ host, port: Number(port) });
let said = '', connected = false;
const done = (error) => { process.stdout.write(JSON.stringify({ connected, said, error })); process.exit(0); };
s.on('connect', () => { connected = true; s.write('GET / HTTP/1.0\\r\\n\\r\\n'); });
s.on('data', (b) => { said += b; });
s.on('end', () => done());
s.on('error', (e) => done(e.code));
setTimeout(() => done('timeout'), 3000);
`;

/**
 * A TCP connection from a container's namespace (IPv4 or IPv6, a zone for link-local): whether it
 * connected or the error code (ECONNREFUSED: the far side's kernel answered, nothing listens),
 * and what the far side said within 3 s to an HTTP/1.0 request.
 */
export async function tcpInNetns(pid: number, host: string, port: number): Promise<{ connected: boolean; said: string; error?: string }> {
  const r = await runInNetns(pid, [process.execPath, '-e', TCP_SCRIPT, host, String(port)], {});
  if (r.code !== 0) throw new Error(`connecting from ${pid} failed: ${r.stderr.trim()}`);
  return JSON.parse(r.stdout) as { connected: boolean; said: string; error?: string };
}
