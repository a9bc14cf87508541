import Docker from 'dockerode';
import { randomBytes } from 'node:crypto';
import { execFile } from 'node:child_process';
import { overlaps6 } from '../../src/docker/network-ipv6.ts';

export const BUSYBOX = 'ecs-endpoints-test/busybox:latest';
export const NODE_IMAGE = 'ecs-endpoints-test/node:latest';

export const docker = new Docker();

/** A name no other test uses: prefix + random suffix. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}

/**
 * A /24 in 169.254.0.0/16 that no Docker network uses yet, avoiding 169.254.169.x (IMDS),
 * 169.254.170.x (the real endpoint) and 169.254.172.0/22 (the ECS agent's awsvpc range).
 * Tests on parallel workers may race for one; creating the network fails with "Pool overlaps"
 * then, so callers retry with a new pick (see withFreshSubnet).
 */
export async function pickSubnet(): Promise<{ subnet: string; prefix: string }> {
  // Any IPv4 network that overlaps counts (a /23 left by a benchmark covers two /24s).
  const range = (cidr: string): [number, number] => {
    const [ip, bits] = cidr.split('/');
    const n = ip!.split('.').reduce((a, o) => a * 256 + Number(o), 0);
    const size = 2 ** (32 - Number(bits));
    return [n - (n % size), n - (n % size) + size - 1];
  };
  const used: [number, number][] = [];
  for (const n of await docker.listNetworks()) for (const c of n.IPAM?.Config ?? []) if (c.Subnet?.includes('.')) used.push(range(c.Subnet));
  for (let tries = 0; tries < 200; tries++) {
    const third = 180 + Math.floor(Math.random() * 70);
    const subnet = `169.254.${third}.0/24`;
    const [lo, hi] = range(subnet);
    if (!used.some(([a, b]) => a <= hi && lo <= b)) return { subnet, prefix: `169.254.${third}` };
  }
  throw new Error('no free test subnet in 169.254.180-249.0/24');
}

/**
 * A unique local /64 for a dual-stack test network that no Docker network's pool overlaps:
 * fdec:5171:<random 32 bits>::/64, beside the product's default fdec:5170::/64 and clear of the
 * host's own fd00::/64. Random enough that parallel sessions do not meet; checked anyway.
 */
export async function pickIpv6Subnet(): Promise<string> {
  const used: string[] = [];
  for (const n of await docker.listNetworks()) for (const c of n.IPAM?.Config ?? []) if (c.Subnet?.includes(':')) used.push(c.Subnet);
  for (let tries = 0; tries < 20; tries++) {
    const [a, b] = [randomBytes(2).readUInt16BE(), randomBytes(2).readUInt16BE()];
    // Canonical text (no leading zeros, no zero group to compress), as Docker and the backend print it.
    if (a === 0 || b === 0) continue;
    const subnet = `fdec:5171:${a.toString(16)}:${b.toString(16)}::/64`;
    if (!used.some((u) => overlaps6(u, subnet))) return subnet;
  }
  throw new Error('no free test IPv6 subnet in fdec:5171::/32');
}

export interface RunOptions {
  name?: string;
  network?: string;
  ip?: string;
  env?: Record<string, string>;
  labels?: Record<string, string>;
  cmd?: string[];
  image?: string;
  networkMode?: string;
  binds?: string[];
  /** Extra capabilities (an attacker container that rewrites its own address needs NET_ADMIN). */
  capAdd?: string[];
}

/** Start a long-running busybox container; tracked for cleanup by the caller via `removeAll`. */
export async function runContainer(opts: RunOptions = {}): Promise<Docker.Container> {
  const name = opts.name ?? uniqueName('ecs-test');
  const c = await docker.createContainer({
    name,
    Image: opts.image ?? BUSYBOX,
    Cmd: opts.cmd ?? ['sleep', '3600'],
    Env: Object.entries(opts.env ?? {}).map(([k, v]) => `${k}=${v}`),
    Labels: { 'ecs-endpoints-test': 'true', ...(opts.labels ?? {}) },
    StopSignal: 'SIGKILL',
    HostConfig: {
      NetworkMode: opts.networkMode ?? opts.network ?? 'bridge',
      Binds: opts.binds,
      CapAdd: opts.capAdd,
      AutoRemove: false,
    },
    NetworkingConfig: opts.network && opts.ip
      ? { EndpointsConfig: { [opts.network]: { IPAMConfig: { IPv4Address: opts.ip } } } }
      : undefined,
  });
  await c.start();
  return c;
}

/** Run a command inside a container; resolves with its exit code and output. */
export async function exec(
  container: Docker.Container | string,
  cmd: string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  const id = typeof container === 'string' ? container : container.id;
  // The docker CLI demultiplexes the stream for us; simpler and just as real as dockerode's exec.
  // Asynchronous on purpose: the backend under test runs in this same process.
  return new Promise((resolve) => {
    execFile('docker', ['exec', id, ...cmd], { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

export interface RawResponse {
  status: number;
  /** Lower-cased header names; repeated headers joined with ", ". */
  headers: Record<string, string>;
  body: string;
  /** The response exactly as it came off the wire. */
  raw: string;
}

/**
 * Make an HTTP/1.0 request from inside a container with busybox nc and return the raw response,
 * so tests see status lines, headers and error bodies exactly as a client would.
 */
export async function httpFrom(
  container: Docker.Container | string,
  url: string,
  opts: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<RawResponse> {
  const u = new URL(url);
  const lines = [`${opts.method ?? 'GET'} ${u.pathname}${u.search} HTTP/1.0`, `Host: ${u.host}`];
  for (const [k, v] of Object.entries(opts.headers ?? {})) lines.push(`${k}: ${v}`);
  if (opts.body !== undefined) lines.push(`Content-Length: ${Buffer.byteLength(opts.body)}`);
  const request = lines.join('\r\n') + '\r\n\r\n' + (opts.body ?? '');
  const b64 = Buffer.from(request).toString('base64');
  const r = await exec(container, ['sh', '-c', `echo ${b64} | base64 -d | nc -w 5 ${u.hostname} ${u.port || 80}`]);
  if (r.code !== 0 && !r.stdout) throw new Error(`nc from ${typeof container === 'string' ? container : container.id} to ${url} failed: ${r.stderr.trim()}`);
  return parseRaw(r.stdout);
}

export function parseRaw(raw: string): RawResponse {
  const split = raw.indexOf('\r\n\r\n');
  const head = split >= 0 ? raw.slice(0, split) : raw;
  const body = split >= 0 ? raw.slice(split + 4) : '';
  const [statusLine, ...headerLines] = head.split('\r\n');
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine ?? '')?.[1] ?? 0);
  const headers: Record<string, string> = {};
  for (const line of headerLines) {
    const i = line.indexOf(':');
    if (i < 0) continue;
    const k = line.slice(0, i).trim().toLowerCase();
    const v = line.slice(i + 1).trim();
    headers[k] = headers[k] !== undefined ? `${headers[k]}, ${v}` : v;
  }
  return { status, headers, body, raw };
}

/** GET a JSON document from inside a container; throws with the body when the status is not 200. */
export async function jsonFrom<T = unknown>(container: Docker.Container | string, url: string): Promise<T> {
  const r = await httpFrom(container, url);
  if (r.status !== 200) throw new Error(`GET ${url} from container: ${r.status} ${r.body}`);
  return JSON.parse(r.body) as T;
}

/** Remove containers and networks created by a test, ignoring ones already gone. */
export async function removeAll(containers: (Docker.Container | string)[], networks: string[] = []): Promise<void> {
  await Promise.all(
    containers.map(async (c) => {
      const ctr = typeof c === 'string' ? docker.getContainer(c) : c;
      // v: anonymous volumes go with the container (recreate tests create some).
      await ctr.remove({ force: true, v: true }).catch(() => undefined);
    }),
  );
  for (const n of networks) await docker.getNetwork(n).remove().catch(() => undefined);
}
