/**
 * The backend as users run it, for the benchmarks: the esbuild bundle (backend/dist/main.js,
 * built here first) as a process of its own in the host topology, on its own network; its control
 * API on a loopback port with the per-run token read from the UI page, as the `ecs-endpoints`
 * command does. Also a bare Node server as a process of its own, so each server's CPU time can be
 * read from /proc.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { pinnedServer } from './wrk.ts';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../', import.meta.url));
const bundle = join(root, 'backend/dist/main.js');

export const rssMiB = (pid: number) => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;

/** User + system CPU time of a process, in microseconds (clock ticks of 1/100 s). */
export function cpuUs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) * 10_000;
}

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

/** Resolves when a line of the process's stderr contains `text`; rejects if it exits first. */
function waitFor(proc: ChildProcess, text: string, log: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const onData = (b: Buffer) => {
      log.push(b.toString());
      if (b.toString().includes(text)) resolve();
    };
    proc.stderr!.on('data', onData);
    proc.once('exit', (code) => reject(new Error(`exited with ${code} before "${text}":\n${log.join('').slice(-2000)}`)));
  });
}

export interface BackendProcess {
  proc: ChildProcess;
  /** When the process was spawned (ms, Date.now()) and when its data plane was serving. */
  spawnedAt: number;
  servingAt: number;
  /** What it logged so far (stderr). */
  log(): string;
  api<T>(path: string): Promise<T>;
  stop(): Promise<void>;
}

export async function buildBackend(): Promise<void> {
  await run(process.execPath, [join(root, 'packaging/bundle-backend.mjs')]);
}

/** The Node options the image runs the backend with (its ENTRYPOINT's), so the benchmarks measure those. */
export const SHIPPED_NODE_ARGS: string[] = (() => {
  const line = /^ENTRYPOINT (\[.*\])$/m.exec(readFileSync(join(root, 'Dockerfile'), 'utf8'));
  const argv = line ? (JSON.parse(line[1]!) as string[]) : [];
  return argv.filter((a) => a.startsWith('--'));
})();

/**
 * Start the bundle with these ECS_ENDPOINTS_* settings (host topology; the rest given by the
 * caller), with the shipped Node options and then `nodeArgs` (a later V8 option wins).
 */
export async function startBackend(env: Record<string, string>, nodeArgs: string[] = []): Promise<BackendProcess> {
  const state = mkdtempSync(join(tmpdir(), 'ecs-bench-'));
  const control = `127.0.0.1:${await freePort()}`;
  const spawnedAt = Date.now();
  const [cmd, args] = pinnedServer([process.execPath, ...SHIPPED_NODE_ARGS, ...nodeArgs, bundle]);
  const proc = spawn(cmd, args, {
    env: { ...process.env, ECS_ENDPOINTS_TOPOLOGY: 'host', ECS_ENDPOINTS_STATE_DIR: state, ECS_ENDPOINTS_CONTROL: control, ECS_ENDPOINTS_LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const log: string[] = [];
  await waitFor(proc, 'data plane listening', log);
  const servingAt = Date.now();
  let token: string | undefined;
  const api = async <T>(path: string): Promise<T> => {
    if (!token) {
      const page = await (await fetch(`http://${control}/`)).text();
      token = /<meta name="ecs-endpoints-token" content="([A-Za-z0-9_-]+)"/.exec(page)?.[1];
      if (!token) throw new Error(`no control token in the page at ${control}`);
    }
    const r = await fetch(`http://${control}${path}`, { headers: { 'X-ECS-Endpoints-Token': token } });
    if (!r.ok) throw new Error(`${path}: HTTP ${r.status} ${await r.text()}`);
    return (await r.json()) as T;
  };
  const stop = async () => {
    if (proc.exitCode === null) {
      proc.kill('SIGTERM');
      await new Promise((r) => proc.once('exit', r));
    }
    rmSync(state, { recursive: true, force: true });
  };
  return { proc, spawnedAt, servingAt, log: () => log.join(''), api, stop };
}

/**
 * A bare Node HTTP server: a fixed 45-byte JSON body at `/`, and at `/bytes/<n>` a body of n
 * bytes, so an answer can also be set against a bare response of the same size on the wire.
 */
export const BARE_BODY = '{"DockerId":"0123456789abcdef","Name":"bare"}';
const BARE_SOURCE = `
const { createServer } = require('node:http');
const bodies = new Map();
createServer((req, res) => {
  const url = req.url ?? '/';
  let body = bodies.get(url);
  if (body === undefined) bodies.set(url, (body = url.startsWith('/bytes/') ? 'x'.repeat(Number(url.slice(7))) : ${JSON.stringify(BARE_BODY)}));
  res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(body)) });
  res.end(body);
}).listen(Number(process.argv[2]), process.argv[1], () => console.error('listening'));
`;

export async function startBare(address: string, port: number): Promise<{ proc: ChildProcess; stop(): Promise<void> }> {
  const [cmd, args] = pinnedServer([process.execPath, '-e', BARE_SOURCE, address, String(port)]);
  const proc = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  await waitFor(proc, 'listening', []);
  return {
    proc,
    stop: async () => {
      proc.kill();
      await new Promise((r) => proc.once('exit', r));
    },
  };
}
