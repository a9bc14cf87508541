/**
 * A data plane over an in-memory model for the route tests: two compose projects that both have a
 * "web" service, a loner with a declared endpoint id and an Authorization token, and two
 * containers whose environment names a role path. Stats, credentials and the caller check are
 * stubs that record what they were asked.
 */
import { DataPlane, type CredentialsAnswer, type DataRequest } from '../../../src/endpoints/data-plane.ts';
import { ProtectionStore } from '../../../src/endpoints/protection.ts';
import type { RenderContext } from '../../../src/endpoints/render.ts';
import { Throttle } from '../../../src/endpoints/throttle.ts';
import type { StatsEntry } from '../../../src/docker/stats.ts';
import { buildModel } from '../../../src/tasks/model.ts';
import type { FaultInjector } from '../../../src/tasks/faults.ts';
import type { ContainerRecord, IdAllocator, TaskModel } from '../../../src/tasks/types.ts';

export const NET = 'ecs-endpoints';
const settings = { network: NET, region: 'eu-west-1', accountId: '111122223333', cluster: 'default', launchType: 'EC2' as const };
export const render: RenderContext = { network: NET, region: 'eu-west-1', ownerNetworks: (c) => c.record.networks };

export const JSON_TYPE = 'application/json';
export const TEXT_TYPE = 'text/plain; charset=utf-8';
export const NOT_FOUND = '404 page not found\n';
export const OUTSIDER = '169.254.170.200';
export const BOGUS = '00000000-0000-4000-8000-000000000000';
export const ROLE_ARN = 'arn:aws:iam::111122223333:role/app';

let created = 0;
export function rec(p: Partial<ContainerRecord> & { id: string; name: string; ip: string }): ContainerRecord {
  const { ip, ...rest } = p;
  created++;
  return {
    image: 'img', imageId: 'sha256:1', created: `2026-01-01T00:00:${String(created % 60).padStart(2, '0')}Z`, state: 'running', restartCount: 0, restartPolicy: 'no',
    labels: {}, env: {}, networkMode: NET, networks: [{ name: NET, networkId: 'n', ip, prefixLen: 24, gateway: '169.254.170.1', mac: '02:42:00:00:00:01' }],
    ports: [], mounts: [], logDriver: 'json-file', logOptions: {}, cpuShares: 0, nanoCpus: 0, memoryBytes: 0, ...rest,
  };
}

const compose = (project: string, service: string) => ({ 'com.docker.compose.project': project, 'com.docker.compose.service': service });
const id = (c: string) => c.repeat(64);

export const WEB = rec({ id: id('a'), name: 'shop-web-1', ip: '169.254.170.130', labels: compose('shop', 'web'), env: { AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: '/v2/credentials/cred-shop' } });
export const WORKER = rec({ id: id('b'), name: 'shop-worker-1', ip: '169.254.170.131', labels: compose('shop', 'worker'), env: { AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: '/v2/credentials/cred-shop' } });
export const SOLO_ENDPOINT = '11111111-2222-4333-8444-555555555555';
export const SOLO = rec({
  id: id('c'), name: 'solo', ip: '169.254.170.132',
  env: { ECS_CONTAINER_METADATA_URI_V4: `http://169.254.170.2/v4/${SOLO_ENDPOINT}`, AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: '/v2/credentials/cred-solo', AWS_CONTAINER_AUTHORIZATION_TOKEN: 'tok' },
});
export const ROLER = rec({ id: id('d'), name: 'roler', ip: '169.254.170.133', env: { AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: '/role/app' } });
export const ARNER = rec({ id: id('e'), name: 'arner', ip: '169.254.170.134', env: { AWS_CONTAINER_CREDENTIALS_FULL_URI: `http://169.254.170.2/role-arn/${ROLE_ARN}` } });
export const BLOG_WEB = rec({ id: id('f'), name: 'blog-web-1', ip: '169.254.170.135', labels: compose('blog', 'web') });
export const ALL = [WEB, WORKER, SOLO, ROLER, ARNER, BLOG_WEB];

export const ipOf = (r: ContainerRecord) => r.networks[0]!.ip;

export interface Options {
  records?: ContainerRecord[];
  /** Endpoint ids by container id, instead of the derived ones. */
  endpointIds?: Record<string, string>;
  stats?: Record<string, StatsEntry | undefined>;
  /** Families whose task has no credentials source (task protection answers 403). */
  noRole?: string[];
  credentials?: (name: string) => CredentialsAnswer;
  refuseCaller?: (ip: string) => string | undefined;
  joinedFrom?: (ip: string) => false | Promise<boolean>;
  throttle?: Throttle;
  protection?: ProtectionStore;
  faults?: FaultInjector;
  /** The fault routes' limiter; by default one that never refuses. */
  faultThrottle?: Throttle;
}

export const statsOf = (v3: string, v4: string): StatsEntry => ({ v3, v4, readAt: '2026-01-01T00:00:00Z', samples: 2 });

/** WEB has a sample, WORKER is tracked but has none yet, the rest are not tracked (not running). */
export const DEFAULT_STATS: Record<string, StatsEntry | undefined> = { [WEB.id]: statsOf('{"v":3}', '{"v":4}'), [WORKER.id]: undefined };

export function plane(o: Options = {}) {
  const ids: IdAllocator = {
    endpointId: (cid, declared) => o.endpointIds?.[cid] ?? declared ?? `00000000-0000-4000-8000-${cid.slice(0, 12)}`,
    taskId: (key) => Buffer.from(key).toString('hex').padEnd(32, '0').slice(0, 32),
  };
  let model: TaskModel = buildModel(o.records ?? ALL, settings, ids, 1);
  const stats = o.stats ?? DEFAULT_STATS;
  const asked: string[] = [];
  const dp = new DataPlane({
    model: () => model,
    stats: { get: (cid) => stats[cid], isTracked: (cid) => cid in stats, prime: async () => undefined },
    credentials: {
      forContainer: async (e) => (asked.push(`container ${e.container.ecsName}`), o.credentials?.(e.container.ecsName) ?? { status: 200, body: `{"AccessKeyId":"AKIA-${e.container.ecsName}"}`, sourceId: 'fake' }),
      forRole: async (e, role) => (asked.push(`role ${e.container.ecsName} ${role.arn ?? ''}${role.name ?? ''}`), { status: 200, body: `{"RoleArn":"${role.arn ?? role.name}"}`, sourceId: 'fake' }),
      hasTaskRole: (task) => !(o.noRole ?? []).includes(task.family),
    },
    render,
    throttle: o.throttle ?? new Throttle(1000, 1000),
    protection: o.protection,
    refuseCaller: o.refuseCaller,
    joinedFrom: o.joinedFrom,
    faults: o.faults,
    faultThrottle: o.faultThrottle ?? new Throttle(1000, 1000),
  });
  const entry = (r: ContainerRecord) => model.byContainerId.get(r.id)!;
  const call = (url: string, from: ContainerRecord | string = OUTSIDER, more: Partial<DataRequest> = {}) =>
    dp.handle({ method: 'GET', url, remoteIp: typeof from === 'string' ? from : ipOf(from), remotePort: 40000, headers: {}, ...more });
  return {
    dp, asked, call, entry,
    model: () => model,
    endpoint: (r: ContainerRecord) => entry(r).container.endpointId,
    setModel: (records: ContainerRecord[], version: number) => (model = buildModel(records, settings, ids, version)),
  };
}

/** The rate-limit headers every routed answer carries, for a caller at OUTSIDER:40000 by default. */
export function rateHeaders(ip = OUTSIDER, limit = '1000.00', forwardedFor = ''): Record<string, string> {
  return { 'X-Rate-Limit-Limit': limit, 'X-Rate-Limit-Duration': '1', 'X-Rate-Limit-Request-Forwarded-For': forwardedFor, 'X-Rate-Limit-Request-Remote-Addr': `${ip}:40000` };
}

/** Status, body and headers, in one value so a mismatch shows all three. */
export const wire = (r: { status: number; body: string; headers: Record<string, string | string[]> }) => ({ status: r.status, body: r.body, headers: r.headers });
