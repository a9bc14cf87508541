import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod/v4';
import { isUla, nthAddress6, parseCidr6, type Subnet6 } from './ipv6.ts';

/**
 * Configuration from ECS_ENDPOINTS_* environment variables, or the same names as flags
 * (`--network=x` sets ECS_ENDPOINTS_NETWORK). Validated once at start; a bad value stops the
 * backend with a message naming the variable.
 */

const ipv4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

function parseIpv4(ip: string): number | undefined {
  const m = ipv4.exec(ip);
  if (!m) return undefined;
  const parts = m.slice(1).map(Number);
  if (parts.some((p) => p > 255)) return undefined;
  return ((parts[0]! << 24) | (parts[1]! << 16) | (parts[2]! << 8) | parts[3]!) >>> 0;
}

export function ipToString(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

export interface Subnet {
  cidr: string;
  base: number;
  prefix: number;
}

export function parseCidr(cidr: string): Subnet | undefined {
  const [ip, len] = cidr.split('/');
  const base = ip ? parseIpv4(ip) : undefined;
  const prefix = Number(len);
  if (base === undefined || !Number.isInteger(prefix) || prefix < 8 || prefix > 29) return undefined;
  const mask = prefix === 0 ? 0 : (~0 << (32 - prefix)) >>> 0;
  return { cidr: `${ipToString((base & mask) >>> 0)}/${prefix}`, base: (base & mask) >>> 0, prefix };
}

export function inSubnet(ip: string, s: Subnet): boolean {
  const n = parseIpv4(ip);
  if (n === undefined) return false;
  const mask = (~0 << (32 - s.prefix)) >>> 0;
  return ((n & mask) >>> 0) === s.base;
}

const portList = z
  .string()
  .regex(/^\d+(,\d+)*$/, 'a comma-separated list of ports, e.g. 80,51679')
  .transform((s) => s.split(',').map(Number));

const rpsLimit = z
  .string()
  .regex(/^\s*\d+(\.\d+)?\s*,\s*\d+\s*$/, '"<steady>,<burst>", e.g. 40,60')
  .transform((s) => {
    const [steady, burst] = s.split(',').map((x) => Number(x.trim()));
    return { steady: steady!, burst: burst! };
  })
  .refine((r) => r.steady > 0 && r.burst > 0, 'both numbers must be above 0');

const Env = z.object({
  ECS_ENDPOINTS_NETWORK: z.string().regex(/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/, 'a Docker network name').default('ecs-endpoints'),
  ECS_ENDPOINTS_SUBNET: z
    .string()
    .refine((s) => parseCidr(s) !== undefined, 'an IPv4 CIDR between /8 and /29, e.g. 169.254.170.0/24')
    .default('169.254.170.0/24'),
  /** The managed network dual-stack: off (default), on (DEFAULT_IPV6_SUBNET) or a unique local IPv6 subnet. */
  ECS_ENDPOINTS_IPV6: z.string().optional(),
  /** The address containers call; defaults to .2 of the subnet (169.254.170.2). */
  ECS_ENDPOINTS_ADDRESS: z.string().regex(ipv4, 'an IPv4 address').optional(),
  ECS_ENDPOINTS_TOPOLOGY: z.enum(['auto', 'host', 'container']).default('auto'),
  /** unix:/path/to.sock, or host:port (loopback only). */
  ECS_ENDPOINTS_CONTROL: z.string().optional(),
  ECS_ENDPOINTS_STATE_DIR: z.string().optional(),
  ECS_ENDPOINTS_DEFAULT_SOURCE: z.string().default('none'),
  ECS_ENDPOINTS_REGION: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d+$/, 'an AWS region, e.g. us-east-1').optional(),
  ECS_ENDPOINTS_ACCOUNT_ID: z.string().regex(/^\d{12}$/, 'a 12-digit AWS account id').default('000000000000'),
  ECS_ENDPOINTS_CLUSTER: z.string().min(1).default('default'),
  ECS_ENDPOINTS_LAUNCH_TYPE: z.enum(['EC2', 'FARGATE', 'EXTERNAL']).default('EC2'),
  ECS_ENDPOINTS_RPS_LIMIT: rpsLimit.optional(),
  ECS_ENDPOINTS_METADATA_PORTS: portList.prefault('80,51679'),
  ECS_ENDPOINTS_INTROSPECTION_PORT: z.coerce.number().int().min(1).max(65535).default(51678),
  ECS_ENDPOINTS_STS_ENDPOINT: z.string().url().optional(),
  ECS_ENDPOINTS_AWS_CONFIG_DIR: z.string().optional(),
  ECS_ENDPOINTS_STS_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(5000),
  ECS_ENDPOINTS_UI_DIR: z.string().optional(),
  /** A team's preset file (e.g. in their repository), watched for changes. */
  ECS_ENDPOINTS_PRESETS_FILE: z.string().optional(),
  /** Our own container id in the container topology, when the hostname is not it. */
  ECS_ENDPOINTS_SELF: z.string().optional(),
  /** The image of an awsvpc task's pause container; default: this backend's own image, else registry.k8s.io/pause. */
  ECS_ENDPOINTS_PAUSE_IMAGE: z.string().min(1).optional(),
  /** The agent's own switch: every task-run container gets the container metadata file. */
  ECS_ENABLE_CONTAINER_METADATA: z.enum(['true', 'false']).optional(),
  ECS_ENDPOINTS_LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
  /** The agent's own variable is honoured too, for familiarity. */
  ECS_TASK_METADATA_RPS_LIMIT: z.string().optional(),
  AWS_REGION: z.string().optional(),
  AWS_DEFAULT_REGION: z.string().optional(),
});

export type Control = { kind: 'unix'; path: string } | { kind: 'tcp'; host: string; port: number };

export interface Config {
  network: string;
  subnet: Subnet;
  /** Where the data plane listens and what containers call. */
  address: string;
  /** .1 in the container topology (the backend takes .2), .2 in the host topology (the host's bridge end is the endpoint). */
  gateway: string;
  /** Dynamic range for other containers: the upper half, so .2 is never handed out. */
  ipRange: string;
  /** Dual-stack: the network's IPv6 subnet and gateway (its ::1, the host's end of the bridge). */
  ipv6?: { subnet: Subnet6; gateway: string };
  topology: 'host' | 'container';
  control: Control;
  stateDir: string;
  defaultSource: string;
  region: string;
  accountId: string;
  cluster: string;
  launchType: 'EC2' | 'FARGATE' | 'EXTERNAL';
  rps: { steady: number; burst: number };
  metadataPorts: number[];
  introspectionPort: number;
  stsEndpoint?: string;
  stsTimeoutMs: number;
  /** Unset: AWS_CONFIG_FILE / AWS_SHARED_CREDENTIALS_FILE, else ~/.aws (the SDK's own rules). */
  awsConfigDir?: string;
  uiDir?: string;
  presetsFile?: string;
  self?: string;
  pauseImage?: string;
  /** Task-run containers get the container metadata file (else only those whose environment asks). */
  containerMetadata: boolean;
  logLevel: 'debug' | 'info' | 'warn' | 'error';
}

export class ConfigError extends Error {}

/** ECS_ENDPOINTS_IPV6=on: a unique local /64 ("ec5" for ECS, 170 as in 169.254.170.0). */
export const DEFAULT_IPV6_SUBNET = 'fdec:5170::/64';

/** ECS_ENDPOINTS_IPV6: off/unset, on, or a unique local subnet with room for every IPv4 container. */
function ipv6Setting(value: string | undefined, v4: Subnet): Config['ipv6'] {
  const v = value?.trim().toLowerCase();
  if (!v || v === 'off' || v === 'false') return undefined;
  const what = `ECS_ENDPOINTS_IPV6 "${value}"`;
  const fix = `Set it to on (for ${DEFAULT_IPV6_SUBNET}), off, or a unique local subnet such as ${DEFAULT_IPV6_SUBNET}.`;
  const subnet = parseCidr6(v === 'on' || v === 'true' ? DEFAULT_IPV6_SUBNET : v);
  if (!subnet) throw new ConfigError(`${what} is not an IPv6 subnet (address/prefix length). ${fix}`);
  if (!isUla(subnet))
    throw new ConfigError(`${what} is not a unique local subnet (fd00::/8): the managed network is private to this machine, and global or link-local addresses would shadow real ones. ${fix}`);
  const most = 128 - (32 - v4.prefix);
  if (subnet.prefix < 48 || subnet.prefix > most)
    throw new ConfigError(
      subnet.prefix < 48
        ? `${what} is larger than a site's /48. Use a /64 inside it, e.g. ${subnet.cidr.split('/')[0]}/64.`
        : `${what} is too small: a /${subnet.prefix} has fewer addresses than the IPv4 subnet ${v4.cidr}, so containers could get an IPv4 address and no IPv6 one. Use a /64 (or at most /${most}).`,
    );
  return { subnet, gateway: nthAddress6(subnet, 1) };
}

/** Turn `--state-dir=/x` / `--state-dir /x` flags into ECS_ENDPOINTS_STATE_DIR=/x. */
export function flagsToEnv(argv: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const m = /^--([a-z][a-z0-9-]*)(?:=(.*))?$/.exec(arg);
    if (!m) throw new ConfigError(`Unknown argument "${arg}". Flags look like --network=ecs-endpoints (see README, Configuration).`);
    const value = m[2] ?? argv[++i];
    if (value === undefined) throw new ConfigError(`Flag --${m[1]} needs a value.`);
    out[`ECS_ENDPOINTS_${m[1]!.toUpperCase().replace(/-/g, '_')}`] = value;
  }
  return out;
}

export function runningInContainer(): boolean {
  if (existsSync('/.dockerenv')) return true;
  try {
    return /docker|containerd|kubepods/.test(readFileSync('/proc/1/cgroup', 'utf8'));
  } catch {
    return false;
  }
}

export function loadConfig(env: Record<string, string | undefined> = process.env, argv: string[] = []): Config {
  const merged = { ...env, ...flagsToEnv(argv) };
  const known = new Set(Object.keys(Env.shape));
  const unknown = Object.keys(merged).filter((k) => k.startsWith('ECS_ENDPOINTS_') && !known.has(k));
  if (unknown.length) throw new ConfigError(`Unknown setting ${unknown.join(', ')}. See README, Configuration, for the list.`);
  const parsed = Env.safeParse(merged);
  if (!parsed.success) {
    const msg = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new ConfigError(`Invalid configuration: ${msg}`);
  }
  const e = parsed.data;
  const subnet = parseCidr(e.ECS_ENDPOINTS_SUBNET)!;
  // cli.ts resolves auto against the engine first (detectTopology); this is the offline guess.
  const topology = e.ECS_ENDPOINTS_TOPOLOGY === 'auto' ? (existsSync('/run/guest-services') ? 'container' : 'host') : e.ECS_ENDPOINTS_TOPOLOGY;
  const address = e.ECS_ENDPOINTS_ADDRESS ?? ipToString(subnet.base + 2);
  if (!inSubnet(address, subnet)) throw new ConfigError(`ECS_ENDPOINTS_ADDRESS ${address} is not inside ECS_ENDPOINTS_SUBNET ${subnet.cidr}.`);
  const gateway = topology === 'host' ? address : ipToString(subnet.base + 1);
  if (topology === 'container' && gateway === address) throw new ConfigError(`ECS_ENDPOINTS_ADDRESS must not be the gateway ${gateway}.`);
  const half = subnet.prefix + 1;
  const ipRange = `${ipToString(subnet.base + 2 ** (32 - half))}/${half}`;
  const ipv6 = ipv6Setting(e.ECS_ENDPOINTS_IPV6, subnet);

  let control: Control;
  const c = e.ECS_ENDPOINTS_CONTROL ?? (topology === 'container' ? 'unix:/run/guest-services/backend.sock' : '127.0.0.1:8080');
  if (c.startsWith('unix:')) control = { kind: 'unix', path: c.slice(5) };
  else {
    const m = /^(\[?[0-9a-fA-F:.]+\]?|localhost):(\d+)$/.exec(c);
    if (!m) throw new ConfigError(`ECS_ENDPOINTS_CONTROL "${c}" must be unix:/path or host:port, e.g. 127.0.0.1:8080.`);
    const host = m[1]!.replace(/^\[|\]$/g, '');
    if (!/^(127\.\d+\.\d+\.\d+|::1|localhost)$/.test(host))
      throw new ConfigError(`ECS_ENDPOINTS_CONTROL must listen on loopback (127.0.0.1, ::1 or localhost), not ${host}: the control API must not be reachable from other machines or containers.`);
    control = { kind: 'tcp', host, port: Number(m[2]) };
  }

  let rps = e.ECS_ENDPOINTS_RPS_LIMIT;
  if (!rps && e.ECS_TASK_METADATA_RPS_LIMIT) {
    // The agent falls back to its defaults on a malformed value; so do we.
    const r = rpsLimit.safeParse(e.ECS_TASK_METADATA_RPS_LIMIT);
    if (r.success) rps = r.data;
  }

  return {
    network: e.ECS_ENDPOINTS_NETWORK,
    subnet,
    address,
    gateway,
    ipRange,
    ipv6,
    topology,
    control,
    stateDir: e.ECS_ENDPOINTS_STATE_DIR ?? (topology === 'container' ? '/data' : join(homedir(), '.local', 'state', 'ecs-endpoints')),
    defaultSource: e.ECS_ENDPOINTS_DEFAULT_SOURCE,
    region: e.ECS_ENDPOINTS_REGION ?? e.AWS_REGION ?? e.AWS_DEFAULT_REGION ?? 'us-east-1',
    accountId: e.ECS_ENDPOINTS_ACCOUNT_ID,
    cluster: e.ECS_ENDPOINTS_CLUSTER,
    launchType: e.ECS_ENDPOINTS_LAUNCH_TYPE,
    rps: rps ?? { steady: 40, burst: 60 },
    metadataPorts: e.ECS_ENDPOINTS_METADATA_PORTS,
    introspectionPort: e.ECS_ENDPOINTS_INTROSPECTION_PORT,
    stsEndpoint: e.ECS_ENDPOINTS_STS_ENDPOINT,
    stsTimeoutMs: e.ECS_ENDPOINTS_STS_TIMEOUT_MS,
    awsConfigDir: e.ECS_ENDPOINTS_AWS_CONFIG_DIR,
    uiDir: e.ECS_ENDPOINTS_UI_DIR,
    presetsFile: e.ECS_ENDPOINTS_PRESETS_FILE,
    self: e.ECS_ENDPOINTS_SELF,
    pauseImage: e.ECS_ENDPOINTS_PAUSE_IMAGE,
    containerMetadata: e.ECS_ENABLE_CONTAINER_METADATA === 'true',
    logLevel: e.ECS_ENDPOINTS_LOG_LEVEL,
  };
}
