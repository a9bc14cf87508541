/**
 * The data plane over an in-memory model: the id-less credential forms answer only a caller whose
 * address the CallerCheck vouches for; the id form does not depend on it; a caller the model does
 * not know yet is settled once before it is refused. Malformed escapes get Go's 400.
 */
import { describe, expect, it } from 'vitest';
import { DataPlane, type CallerCheck, type CallerVerdict, type CredentialsAnswer, type DataRequest } from '../../../src/endpoints/data-plane.ts';
import { Throttle } from '../../../src/endpoints/throttle.ts';
import { buildModel } from '../../../src/tasks/model.ts';
import type { ContainerRecord, IdAllocator, TaskModel } from '../../../src/tasks/types.ts';

const NET = 'ecs-endpoints';
const settings = { network: NET, region: 'eu-west-1', accountId: '111122223333', cluster: 'default', launchType: 'EC2' as const };
const ids: IdAllocator = { endpointId: (id, declared) => declared ?? `00000000-0000-4000-8000-${id.slice(0, 12)}`, taskId: (key) => Buffer.from(key).toString('hex').padEnd(32, '0').slice(0, 32) };

function rec(name: string, ip: string, env: Record<string, string>): ContainerRecord {
  return {
    id: name.padEnd(64, '0'), name, image: 'img', imageId: 'sha256:1', created: '2026-01-01T00:00:00Z', state: 'running', restartCount: 0, restartPolicy: 'no',
    labels: {}, env, networkMode: NET, networks: [{ name: NET, networkId: 'n', ip, prefixLen: 24, gateway: '169.254.170.1', mac: '02:42:00:00:00:01' }],
    ports: [], mounts: [], logDriver: 'json-file', logOptions: {}, cpuShares: 0, nanoCpus: 0, memoryBytes: 0,
  };
}

const A = rec('aaaa', '169.254.170.130', { AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: '/creds' });
const B = rec('bbbb', '169.254.170.131', { AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: '/v2/credentials/secret-id-b' });

function plane(records: ContainerRecord[], callers: CallerCheck) {
  let model: TaskModel = buildModel(records, settings, ids, 1);
  const served: string[] = [];
  const dp = new DataPlane({
    model: () => model,
    stats: { get: () => undefined, isTracked: () => false, prime: async () => undefined },
    credentials: {
      forContainer: async (e): Promise<CredentialsAnswer> => (served.push(e.container.record.name), { status: 200, body: '{"AccessKeyId":"ASIAFAKE"}', sourceId: 'fake' }),
      forRole: async (): Promise<CredentialsAnswer> => ({ status: 200, body: '{}' }),
      hasTaskRole: () => true,
    },
    render: { network: NET, region: 'eu-west-1', ownerNetworks: (c) => c.record.networks },
    throttle: new Throttle(1000, 1000),
    callers,
  });
  return { dp, served, setModel: (r: ContainerRecord[], v: number) => (model = buildModel(r, settings, ids, v)) };
}

const req = (url: string, ip: string): DataRequest => ({ method: 'GET', url, remoteIp: ip, remotePort: 40000, headers: {} });

function check(verdict: (ip: string, owner?: string) => CallerVerdict, onSettle: () => void = () => undefined): CallerCheck & { settled: string[] } {
  const settled: string[] = [];
  return { settled, verify: verdict, known: () => false, settle: async (ip) => (settled.push(ip), onSettle()) };
}

describe('id-less credential forms and the caller check', () => {
  it('answer a vouched-for caller, and only then', async () => {
    const { dp, served } = plane([A], check(() => ({ ok: true })));
    const r = await dp.handle(req('/creds', A.networks[0]!.ip));
    expect(r.status).toBe(200);
    expect(served).toEqual(['aaaa']);
  });

  it('refuse with the check\'s status and reason, without settling when waiting cannot help (Docker down, guard unavailable)', async () => {
    for (const status of [503, 400]) {
      const c = check(() => ({ ok: false, wait: false, status, reason: 'because' }));
      const { dp, served } = plane([A], c);
      const r = await dp.handle(req('/creds', A.networks[0]!.ip));
      expect(r.status).toBe(status);
      expect(JSON.parse(r.body)).toEqual({ code: status === 503 ? 'CredentialsUninitialized' : 'InvalidIdInRequest', message: 'Credentials not found: because', HTTPErrorCode: status });
      expect(served).toEqual([]);
      expect(c.settled).toEqual([]);
    }
  });

  it('settle an unknown caller once, then answer it from the model as it is afterwards', async () => {
    let bound = false;
    const p = plane([], check((_ip, owner) => (owner && bound ? { ok: true } : { ok: false, wait: true, status: 503, reason: 'not bound' }), () => {
      p.setModel([A], 2);
      bound = true;
    }));
    const r = await p.dp.handle(req('/creds', A.networks[0]!.ip));
    expect(r.status).toBe(200);
    expect(p.served).toEqual(['aaaa']);
  });

  it('refuse a caller still unknown after settling as not in ECS mode', async () => {
    const c = check(() => ({ ok: false, wait: true, status: 400, reason: 'x' }));
    const { dp } = plane([], c);
    const r = await dp.handle(req('/role/app', '169.254.170.140'));
    expect(r.status).toBe(400);
    expect(JSON.parse(r.body).message).toBe('Credentials not found: 169.254.170.140 is not a container in ECS mode');
    expect(c.settled).toEqual(['169.254.170.140']);
  });

  it('leave the id form alone: the id is the caller\'s proof', async () => {
    const { dp, served } = plane([B], check(() => ({ ok: false, wait: false, status: 503, reason: 'Docker is down' })));
    const r = await dp.handle(req('/v2/credentials/secret-id-b', B.networks[0]!.ip));
    expect(r.status).toBe(200);
    expect(served).toEqual(['bbbb']);
  });
});

describe('undecodable paths', () => {
  it('get Go\'s plain 400 before any route runs, and never a 500', async () => {
    const { dp } = plane([A], check(() => ({ ok: true })));
    for (const url of ['/role/%ZZ', '/v4/containers/%ZZ', '/v2/credentials/%', '/role-arn/arn%3']) {
      const r = await dp.handle(req(url, A.networks[0]!.ip));
      expect([r.status, r.body, r.headers['Content-Type']]).toEqual([400, '400 Bad Request', 'text/plain; charset=utf-8']);
    }
    // Valid escapes of invalid UTF-8 are not a parse error in Go either: no such container.
    const r = await dp.handle(req('/v4/containers/%C0/task', A.networks[0]!.ip));
    expect(r.status).toBe(404);
  });
});

describe('metadata for a container that started a moment ago', () => {
  it('settles an unknown caller once and answers from the model as it is afterwards (id-less and id forms)', async () => {
    const C = rec('cccc', '169.254.170.132', { ECS_CONTAINER_METADATA_URI_V4: 'http://169.254.170.2/v4/11111111-1111-4111-8111-111111111111' });
    for (const url of ['/v4', '/v4/task', '/v4/11111111-1111-4111-8111-111111111111', '/v2/metadata']) {
      const c = check(() => ({ ok: true }), () => p.setModel([C], 2));
      const p = plane([], c);
      const r = await p.dp.handle(req(url, C.networks[0]!.ip));
      expect(r.status, url).toBe(200);
      expect(c.settled).toEqual([C.networks[0]!.ip]);
    }
  });

  it('answers as before, after one bounded settle, when the caller is still unknown', async () => {
    const c = check(() => ({ ok: true }));
    const { dp } = plane([], c);
    const r = await dp.handle(req('/v4', '169.254.170.199'));
    expect(r.status).toBe(404);
    expect(c.settled).toEqual(['169.254.170.199']);
  });
});
