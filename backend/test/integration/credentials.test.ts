/**
 * The credentials endpoint through the data plane, from real containers on the managed network
 * (its own random subnet): a credentials id answers only the container it was issued to, the
 * compatibility paths answer with the caller's own source, callers outside ECS mode get nothing,
 * the request log never holds a secret or an id, and the broker's single flight, refresh before
 * expiry and bounded STS calls as a container sees them. STS is the local stub, behind a proxy that
 * records what it issued and can hold its answers.
 *
 * Requests are made from inside each container's network namespace with node's HTTP client (see
 * httpInNetns): busybox nc half-closes after sending, and the data plane drops such connections
 * when the answer is not immediate (a cold credentials fetch).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Docker from 'dockerode';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { AgentCredentialsJson } from '../../src/credentials/format.ts';
import { eventually, inModel, startTestBackend, type TestBackend } from '../support/backend.ts';
import { removeAll, runContainer, uniqueName } from '../support/docker.ts';
import { httpInNetns, httpOneInNetns, pidOf, type NetnsHttpResponse } from '../support/netns.ts';
import { startStsStub, type StsStub } from '../support/sts-stub.ts';
import { startStsProxy, type IssuedCredentials, type StsProxy } from '../support/sts-proxy.ts';

const MIN = 60_000;
const EXPIRATION = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;
const AGENT_KEYS = ['RoleArn', 'AccessKeyId', 'SecretAccessKey', 'Token', 'Expiration'];
const NOT_FOUND_V2 = '{"code":"InvalidIdInRequest","message":"CredentialsV2Request: Credentials not found","HTTPErrorCode":400}';
const NOT_FOUND_V1 = '{"code":"InvalidIdInRequest","message":"CredentialsV1Request: Credentials not found","HTTPErrorCode":400}';
const NOT_FOUND = '{"code":"InvalidIdInRequest","message":"Credentials not found","HTTPErrorCode":400}';

const KEYS_B = { accessKeyId: 'AKIAKEYSFORBBBBBBBB1', secretAccessKey: 'secret/for/container/b/000000000000000001' };
const DEFAULT_KEYS = { accessKeyId: 'AKIADEFAULTCHAIN0001', secretAccessKey: 'secret/of/the/backend/itself/0000000001' };
const B_ROLE = 'arn:aws:iam::111122223333:role/b-role';

type Agent = AgentCredentialsJson;

interface Ctr {
  container: Docker.Container;
  name: string;
  pid: number;
  credentialsId: string;
}

const created: Docker.Container[] = [];
const tempDirs: string[] = [];

async function startCtr(tb: TestBackend | undefined, sourceId?: string, env: Record<string, string> = {}, prefix = 'cred'): Promise<Ctr> {
  const name = uniqueName(prefix);
  const credentialsId = randomBytes(16).toString('hex');
  if (tb && sourceId) tb.backend.assignments.set(name, sourceId);
  const container = await runContainer({
    name,
    ...(tb ? { network: tb.network } : {}),
    env: { AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: `/v2/credentials/${credentialsId}`, ...env },
  });
  created.push(container);
  if (tb) await inModel(tb, container.id);
  return { container, name, pid: await pidOf(container), credentialsId };
}

function agentBody(r: NetnsHttpResponse): Agent {
  expect(r.status, r.body).toBe(200);
  expect(r.headers['content-type']).toBe('application/json');
  const body = JSON.parse(r.body) as Agent;
  expect(Object.keys(body)).toEqual(AGENT_KEYS);
  expect(body.Expiration).toMatch(EXPIRATION);
  return body;
}

function expectIssued(body: Agent, issued: IssuedCredentials | undefined): void {
  expect(issued).toBeDefined();
  expect({ AccessKeyId: body.AccessKeyId, SecretAccessKey: body.SecretAccessKey, Token: body.Token, Expiration: body.Expiration }).toEqual({
    AccessKeyId: issued!.accessKeyId,
    SecretAccessKey: issued!.secretAccessKey,
    Token: issued!.sessionToken,
    Expiration: issued!.expiration,
  });
}

function expectError(r: NetnsHttpResponse | { status: number; body: string; headers: Record<string, unknown> }, status: number, body: string): void {
  expect({ status: r.status, body: r.body }).toEqual({ status, body });
  expect(r.headers['content-type']).toBe('application/json');
}

/** A request from the host itself (the endpoint address is one of its own). */
function fromHost(address: string, path: string): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: address, port: 80, path, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), headers: res.headers }));
    });
    req.on('error', reject);
    req.end();
  });
}

afterAll(async () => {
  await removeAll(created);
  for (const d of tempDirs) rmSync(d, { recursive: true, force: true });
});

// ---------------------------------------------------------------------------------------------------

describe('with STS answering', () => {
  let skew = 0;
  const clock = () => Date.now() + skew;
  let stub: StsStub;
  let sts: StsProxy;
  let tb: TestBackend;
  let url: (c: Ctr) => string;
  let a: Ctr; // fake
  let b: Ctr; // static keys B
  let none: Ctr; // no assignment: the default source, none
  let roleB: Ctr; // role-arn:B_ROLE, from the backend's own credentials
  let keysB: string;

  beforeAll(async () => {
    const awsDir = mkdtempSync(join(tmpdir(), 'ecs-cred-aws-'));
    tempDirs.push(awsDir);
    // The backend's own default credentials (the base of role-arn:<arn>): a default profile.
    writeFileSync(join(awsDir, 'credentials'), `[default]\naws_access_key_id = ${DEFAULT_KEYS.accessKeyId}\naws_secret_access_key = ${DEFAULT_KEYS.secretAccessKey}\n`);
    stub = await startStsStub({ now: clock });
    sts = await startStsProxy(stub.url);
    tb = await startTestBackend({ ECS_ENDPOINTS_STS_ENDPOINT: sts.url, ECS_ENDPOINTS_AWS_CONFIG_DIR: awsDir }, { broker: { now: clock } });
    url = (c) => `http://${tb.address}/v2/credentials/${c.credentialsId}`;
    keysB = tb.backend.sources.create({ type: 'static', name: 'Keys B', ...KEYS_B }).id;
    [a, b, none, roleB] = await Promise.all([
      startCtr(tb, 'fake', {}, 'cred-a'),
      startCtr(tb, keysB, {}, 'cred-b'),
      startCtr(tb, undefined, {}, 'cred-none'),
      startCtr(tb, `role-arn:${B_ROLE}`, {}, 'cred-roleb'),
    ]);
  }, 120_000);

  afterEach(() => {
    skew = 0;
    sts?.release();
    vi.restoreAllMocks();
  });

  afterAll(async () => {
    await tb?.cleanup();
    await sts?.close();
    await stub?.close();
  });

  describe('isolation', () => {
    it('each container gets its own source\'s credentials by its own id, on v2 and v1', async () => {
      const fake = agentBody(await httpOneInNetns(a.pid, url(a)));
      expect(fake.RoleArn).toBe(`arn:aws:iam::000000000000:role/${a.name}-task-role`);
      expect(fake.AccessKeyId).toMatch(/^ASIAFAKE[0-9A-F]{12}$/);
      const v1 = await httpOneInNetns(a.pid, `http://${tb.address}/v1/credentials?id=${a.credentialsId}`);
      expect(v1.body).toBe(JSON.stringify(fake));

      const fromB = agentBody(await httpOneInNetns(b.pid, url(b)));
      expectIssued(fromB, sts.issued.find((i) => i.action === 'GetSessionToken' && i.signedWith === KEYS_B.accessKeyId));
      expect(sts.issued.filter((i) => i.signedWith === KEYS_B.accessKeyId)).toHaveLength(1);
      expect(fromB.AccessKeyId).not.toBe(fake.AccessKeyId);
    });

    it('a container cannot use another container\'s id, on v2 or v1, however it asks', async () => {
      const stsBefore = sts.requests();
      for (const [caller, other] of [[a, b], [b, a], [none, b], [none, a]] as const) {
        expectError(await httpOneInNetns(caller.pid, url(other)), 400, NOT_FOUND_V2);
        expectError(await httpOneInNetns(caller.pid, `http://${tb.address}/v1/credentials?id=${other.credentialsId}`), 400, NOT_FOUND_V1);
        // On the agent's own port and with another method too.
        expectError(await httpOneInNetns(caller.pid, `http://${tb.address}:51679/v2/credentials/${other.credentialsId}`, { method: 'POST' }), 400, NOT_FOUND_V2);
      }
      // An id nobody has.
      expectError(await httpOneInNetns(a.pid, `http://${tb.address}/v2/credentials/${randomBytes(16).toString('hex')}`), 400, NOT_FOUND_V2);
      // Refused before any source is asked: no STS call for B's keys on A's behalf.
      expect(sts.requests()).toBe(stsBefore);
      const log = tb.backend.requests.list(1000).filter((e) => e.kind === 'credentials' && e.status === 400 && e.error === 'credentials id of another container');
      expect(log.length).toBeGreaterThanOrEqual(12);
    });

    it('/creds answers with the caller\'s own source, never another container\'s', async () => {
      const ownA = (await httpOneInNetns(a.pid, url(a))).body;
      const ownB = (await httpOneInNetns(b.pid, url(b))).body;
      expect(ownA).not.toBe(ownB);
      expect((await httpOneInNetns(a.pid, `http://${tb.address}/creds`)).body).toBe(ownA);
      expect((await httpOneInNetns(b.pid, `http://${tb.address}/creds`)).body).toBe(ownB);
      expectError(await httpOneInNetns(none.pid, `http://${tb.address}/creds`), 400, NOT_FOUND);
    });

    it('/role-arn and /role give a container without a role nothing, not the credentials of a container with that role', async () => {
      const owner = agentBody(await httpOneInNetns(roleB.pid, url(roleB)));
      expect(owner.RoleArn).toBe(B_ROLE);
      expectIssued(owner, sts.issued.find((i) => i.action === 'AssumeRole' && i.roleArn === B_ROLE && i.signedWith === DEFAULT_KEYS.accessKeyId));
      const stsBefore = sts.requests();
      expectError(await httpOneInNetns(none.pid, `http://${tb.address}/role-arn/${B_ROLE}`), 400, NOT_FOUND);
      expectError(await httpOneInNetns(none.pid, `http://${tb.address}/role/b-role`), 400, NOT_FOUND);
      // Nor does a container that has a role of its own: a role path is granted by the container's environment.
      expectError(await httpOneInNetns(b.pid, `http://${tb.address}/role-arn/${B_ROLE}`), 400, NOT_FOUND);
      expectError(await httpOneInNetns(a.pid, `http://${tb.address}/role-arn/${B_ROLE}`), 400, NOT_FOUND);
      expect(sts.requests()).toBe(stsBefore);
    });

    it('a role path named in the container\'s own environment is granted (fake sources name the role, no STS)', async () => {
      const granted = await startCtr(tb, 'fake', { AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: `/role-arn/${B_ROLE}` }, 'cred-grant');
      const stsBefore = sts.requests();
      const viaFake = agentBody(await httpOneInNetns(granted.pid, `http://${tb.address}/role-arn/${B_ROLE}`));
      expect(viaFake.RoleArn).toBe(B_ROLE);
      expect(viaFake.AccessKeyId).toMatch(/^ASIAFAKE/);
      expect(sts.requests()).toBe(stsBefore);
      // Only the path it names: another role is refused.
      expectError(await httpOneInNetns(granted.pid, `http://${tb.address}/role-arn/arn:aws:iam::111122223333:role/other`), 400, NOT_FOUND);
      // With the default source (none here), the named role is assumed from the backend's own identity, as in the older emulator.
      const plain = await startCtr(tb, undefined, { AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: `/role-arn/${B_ROLE}` }, 'cred-grant2');
      const assumed = agentBody(await httpOneInNetns(plain.pid, `http://${tb.address}/role-arn/${B_ROLE}`));
      expect(assumed.RoleArn).toBe(B_ROLE);
      expect(assumed.AccessKeyId).not.toMatch(/^ASIAFAKE/);
    });

    it('a container outside ECS mode gets nothing, even with a valid id: only the managed network may call', async () => {
      // On the default bridge: the host routes it to the endpoint address (the host owns it in this
      // topology), but it is not on the managed network, so the data plane refuses it outright.
      const outside = await startCtr(undefined, undefined, {}, 'cred-outside');
      const ip = (await outside.container.inspect()).NetworkSettings.Networks.bridge!.IPAddress;
      const refused = `ECS Endpoints answers only containers on the Docker network "${tb.network}" (${tb.config.subnet.cidr}); ${ip} is not on it. Switch ECS mode on for this container, or attach it: docker network connect ${tb.network} <container>.\n`;
      const endpointOfA = tb.backend.model.byContainerId.get(a.container.id)!.container.endpointId;
      for (const path of [
        `/v2/credentials/${a.credentialsId}`, `/v1/credentials?id=${b.credentialsId}`, `/v2/credentials/${outside.credentialsId}`,
        '/creds', `/role-arn/${B_ROLE}`, `/v4/${endpointOfA}`, `/v4/${endpointOfA}/task`, '/v2/metadata',
      ]) {
        const r = await httpOneInNetns(outside.pid, `http://${tb.address}${path}`);
        expect(r.status, path).toBe(403);
        expect(r.body, path).toBe(refused);
        expect(r.headers['content-type']).toBe('text/plain; charset=utf-8');
      }
      const intro = await httpOneInNetns(outside.pid, `http://${tb.address}:51678/v1/tasks`);
      expect(intro.status).toBe(403);
      expect(intro.body).not.toContain(a.container.id);
    });

    it('the host itself (a caller that is no container) gets nothing', async () => {
      expectError(await fromHost(tb.address, `/v2/credentials/${a.credentialsId}`), 400, NOT_FOUND_V2);
      expectError(await fromHost(tb.address, `/v1/credentials?id=${b.credentialsId}`), 400, NOT_FOUND_V1);
      // The source address the backend sees depends on the host's NAT (Docker masquerades the
      // bridge's own address on the way out), so it is read from the answer and checked in the log.
      const creds = await fromHost(tb.address, '/creds');
      expect(creds.status).toBe(400);
      const caller = /^\{"code":"InvalidIdInRequest","message":"Credentials not found: (\d+\.\d+\.\d+\.\d+) is not a container in ECS mode","HTTPErrorCode":400\}$/.exec(creds.body)?.[1];
      expect(caller, creds.body).toBeDefined();
      expect(tb.backend.model.byIp.has(caller!)).toBe(false);
      expect(tb.backend.requests.list(1)[0]).toMatchObject({ path: '/creds', status: 400, callerIp: caller, kind: 'credentials', error: 'caller not in ECS mode' });
    });

    it('the request log records each credentials request with its status and source, never a secret or an id', async () => {
      const ownB = agentBody(await httpOneInNetns(b.pid, `http://${tb.address}/v1/credentials?id=${b.credentialsId}`));
      const ownA = agentBody(await httpOneInNetns(a.pid, url(a)));
      await httpOneInNetns(a.pid, url(b));
      const list = tb.backend.requests.list(1000);
      const [refused, okA, okB] = list;
      expect(refused).toMatchObject({ method: 'GET', path: '/v2/credentials/****', status: 400, kind: 'credentials', error: 'credentials id of another container', containerId: a.container.id });
      expect(okA).toMatchObject({ method: 'GET', path: '/v2/credentials/****', status: 200, kind: 'credentials', containerId: a.container.id, containerName: a.name, sourceId: 'fake' });
      expect(okA!.error).toBeUndefined();
      expect(okB).toMatchObject({ method: 'GET', path: '/v1/credentials?id=****', status: 200, kind: 'credentials', containerId: b.container.id, containerName: b.name, sourceId: keysB });
      const text = JSON.stringify(list);
      for (const secret of [a.credentialsId, b.credentialsId, none.credentialsId, roleB.credentialsId, ownA.SecretAccessKey, ownA.Token, ownB.SecretAccessKey, ownB.Token, ownB.AccessKeyId, ownA.AccessKeyId, KEYS_B.secretAccessKey, DEFAULT_KEYS.secretAccessKey]) {
        expect(text).not.toContain(secret);
      }
    });
  });

  describe('the broker, as containers see it', () => {
    it.each([
      ['a static source', 'GetSessionToken'],
      ['an assume-role source', 'AssumeRole'],
    ] as const)('50 concurrent requests from 5 containers for %s that is cold cause exactly one STS call (%s)', async (_what, action) => {
      const r = tb.backend.sources;
      const sourceId =
        action === 'GetSessionToken'
          ? r.create({ type: 'static', name: `Burst ${randomBytes(3).toString('hex')}`, accessKeyId: `AKIABURST${randomBytes(4).toString('hex').toUpperCase()}000`, secretAccessKey: 'burst/secret' }).id
          : r.create({
              type: 'assume-role',
              name: `Burst role ${randomBytes(3).toString('hex')}`,
              roleArn: `arn:aws:iam::111122223333:role/burst/${randomBytes(3).toString('hex')}`,
              // Session credentials are served as they are: the only STS call is the AssumeRole.
              baseSourceId: r.create({ type: 'static', name: `Burst base ${randomBytes(3).toString('hex')}`, accessKeyId: 'ASIABURSTBASE0000001', secretAccessKey: 's', sessionToken: 'base-session-token' }).id,
            }).id;
      const ctrs = await Promise.all(Array.from({ length: 5 }, () => startCtr(tb, sourceId, {}, 'cred-burst')));
      const stubBefore = stub.calls.length;
      const issuedBefore = sts.issued.length;
      let asked = 0;
      const get = tb.backend.broker.get.bind(tb.backend.broker);
      vi.spyOn(tb.backend.broker, 'get').mockImplementation((id, ctx) => {
        if (id === sourceId) asked++;
        return get(id, ctx);
      });
      // STS's answer waits until all 50 requests are inside the backend, waiting for it.
      sts.hold();
      const pending = Promise.all(ctrs.map((c) => httpInNetns(c.pid, url(c), { count: 10 })));
      await eventually(() => asked === 50 && sts.held() === 1, 10_000, '50 requests waiting on one STS call').catch((err: Error) => {
        throw new Error(`${err.message}: ${asked} asked the broker, ${sts.held()} STS answers held`);
      });
      expect(stub.calls.slice(stubBefore).map((c) => c.action)).toEqual([action]);
      sts.release();
      const responses = (await pending).flat();
      expect(responses).toHaveLength(50);
      const bodies = new Set(
        responses.map((res) => {
          agentBody(res);
          return res.body;
        }),
      );
      expect(bodies.size).toBe(1);
      const issued = sts.issued.slice(issuedBefore);
      expect(issued.map((i) => i.action)).toEqual([action]);
      expectIssued(JSON.parse([...bodies][0]!) as Agent, issued[0]);
      expect(stub.calls.slice(stubBefore).map((c) => c.action)).toEqual([action]);
      // And the cache answers afterwards.
      agentBody(await httpOneInNetns(ctrs[0]!.pid, url(ctrs[0]!)));
      expect(stub.calls.length).toBe(stubBefore + 1);
    });

    it('serves new credentials, not stale ones, once the cached ones would expire within 15 minutes', async () => {
      const sourceId = tb.backend.sources.create({ type: 'static', name: 'Short-lived keys', accessKeyId: 'AKIASHORTLIVED000001', secretAccessKey: 'short/secret' }).id;
      const c = await startCtr(tb, sourceId, {}, 'cred-short');
      const mine = () => sts.issued.filter((i) => i.signedWith === 'AKIASHORTLIVED000001');
      stub.setExpiresInSeconds(20 * 60);
      try {
        const first = agentBody(await httpOneInNetns(c.pid, url(c)));
        expect(mine()).toHaveLength(1);
        expectIssued(first, mine()[0]);
        expect(Math.abs(Date.parse(first.Expiration) - (clock() + 20 * MIN))).toBeLessThan(5000);
        // Within 30 s of the fetch the cache answers (short-lived credentials are not fetched on every request).
        skew += 10_000;
        expect((await httpOneInNetns(c.pid, url(c))).body).toBe(JSON.stringify(first));
        expect(mine()).toHaveLength(1);
        // 14 minutes left: inside the SDKs' refresh window. The next request gets new credentials.
        skew += 6 * MIN - 10_000;
        const second = agentBody(await httpOneInNetns(c.pid, url(c)));
        expect(mine()).toHaveLength(2);
        expectIssued(second, mine()[1]);
        expect(second.AccessKeyId).not.toBe(first.AccessKeyId);
        expect(Date.parse(second.Expiration) - clock()).toBeGreaterThan(19 * MIN);
      } finally {
        stub.setExpiresInSeconds(undefined);
      }
    });

    it('refreshes in the background within 30 minutes of expiry, so no request waits for STS or sees less than 15 minutes', async () => {
      const sourceId = tb.backend.sources.create({ type: 'static', name: 'Hourly keys', accessKeyId: 'AKIAHOURLYKEYS000001', secretAccessKey: 'hourly/secret' }).id;
      const c = await startCtr(tb, sourceId, {}, 'cred-hourly');
      const mine = () => sts.issued.filter((i) => i.signedWith === 'AKIAHOURLYKEYS000001');
      const first = agentBody(await httpOneInNetns(c.pid, url(c)));
      expect(Date.parse(first.Expiration) - clock()).toBeGreaterThan(59 * MIN);
      // 25 minutes left: the cached credentials are served while a refresh runs behind them.
      skew += 35 * MIN;
      sts.hold();
      const during = agentBody(await httpOneInNetns(c.pid, url(c)));
      expect(during).toEqual(first);
      await eventually(() => sts.held() === 1, 5000, 'the background refresh reaching STS');
      sts.release();
      await eventually(() => mine().length === 2, 5000, 'the background refresh');
      const after = agentBody(await httpOneInNetns(c.pid, url(c)));
      expectIssued(after, mine()[1]);
      expect(after.AccessKeyId).not.toBe(first.AccessKeyId);
      for (const body of [first, during, after]) expect(Date.parse(body.Expiration) - clock()).toBeGreaterThan(15 * MIN);
    });
  });

  describe('task protection with a role', () => {
    it('protects, reports and clears once the task has a credentials source', async () => {
      const endpointId = randomUUID();
      const c = await startCtr(tb, undefined, { ECS_AGENT_URI: `http://${tb.address}/api/${endpointId}` }, 'cred-protect');
      const arn = tb.backend.model.byContainerId.get(c.container.id)!.task.arn;
      const state = `http://${tb.address}/api/${endpointId}/task-protection/v1/state`;
      // No role yet (default source none): the agent cannot call ECS.
      expectError(
        await httpOneInNetns(c.pid, state, { method: 'PUT', body: '{"ProtectionEnabled":true,"ExpiresInMinutes":5}' }),
        403,
        `{"error":{"Arn":"${arn}","Code":"AccessDeniedException","Message":"Invalid Request: no task IAM role credentials available for task"}}`,
      );
      tb.backend.assignments.set(c.name, 'fake');
      const put = await httpOneInNetns(c.pid, state, { method: 'PUT', body: '{"ProtectionEnabled":true,"ExpiresInMinutes":5}' });
      const at = Date.now();
      expect(put.status).toBe(200);
      expect(put.headers['content-type']).toBe('application/json');
      const m = /^\{"protection":\{"ExpirationDate":"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z)","ProtectionEnabled":true,"TaskArn":"([^"]+)"\}\}$/.exec(put.body);
      expect(m, put.body).not.toBeNull();
      expect(m![2]).toBe(arn);
      const until = Date.parse(m![1]!);
      expect(until).toBeGreaterThan(at + 5 * MIN - 10_000);
      expect(until).toBeLessThanOrEqual(at + 5 * MIN + 1000);
      const get = await httpOneInNetns(c.pid, state);
      expect({ status: get.status, body: get.body }).toEqual({ status: 200, body: put.body });

      const off = await httpOneInNetns(c.pid, state, { method: 'PUT', body: '{"ProtectionEnabled":false}' });
      const cleared = `{"protection":{"ExpirationDate":null,"ProtectionEnabled":false,"TaskArn":"${arn}"}}`;
      expect({ status: off.status, body: off.body }).toEqual({ status: 200, body: cleared });
      const again = await httpOneInNetns(c.pid, state);
      expect({ status: again.status, body: again.body }).toEqual({ status: 200, body: cleared });
    });
  });
});

// ---------------------------------------------------------------------------------------------------

describe('with an STS that never answers', () => {
  let stub: StsStub;
  let tb: TestBackend;

  beforeAll(async () => {
    stub = await startStsStub();
    tb = await startTestBackend({ ECS_ENDPOINTS_STS_ENDPOINT: stub.url, ECS_ENDPOINTS_STS_TIMEOUT_MS: '1500' });
  }, 120_000);

  afterAll(async () => {
    await tb?.cleanup();
    await stub?.close();
  });

  it('answers the agent\'s pending 503 while the first fetch runs, then what went wrong at the 1.5 s bound, then at once, and recovers', async () => {
    const sourceId = tb.backend.sources.create({ type: 'static', name: 'Slow keys', accessKeyId: 'AKIASLOWKEYS00000001', secretAccessKey: 'slow/secret' }).id;
    const c = await startCtr(tb, sourceId, {}, 'cred-hang');
    const url = `http://${tb.address}/v2/credentials/${c.credentialsId}`;
    stub.setMode('hang');
    const pending = '{"code":"CredentialsUninitialized","message":"CredentialsV2Request: Credentials uninitialized for ID","HTTPErrorCode":503}';
    const expected = JSON.stringify({
      code: 'CredentialsUninitialized',
      message:
        `CredentialsV2Request: Credentials uninitialized for ID: Source "Slow keys": no answer within 1.5 s from STS at ${stub.url}. ` +
        `Check that STS at ${stub.url} is reachable from the backend (network, proxy, VPN, LocalStack running), or raise ECS_ENDPOINTS_STS_TIMEOUT_MS.`,
      HTTPErrorCode: 503,
    });

    // The first fetch is still running: the agent's answer for an id whose credentials are pending,
    // before the JS SDK's 1 s request timeout.
    const started = Date.now();
    const first = await httpOneInNetns(c.pid, url);
    expectError(first, 503, pending);
    expect(first.ms).toBeGreaterThanOrEqual(800);
    expect(first.ms).toBeLessThan(1400);
    // The next request meets the same fetch, which fails at the bound: the reason and what to do.
    const second = await httpOneInNetns(c.pid, url);
    expectError(second, 503, expected);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1400);
    expect(Date.now() - started).toBeLessThan(3000);
    const stubCalls = stub.callCount('GetSessionToken');
    expect(stubCalls).toBe(1);

    // Right after: the failure is answered from memory, no second wait.
    const third = await httpOneInNetns(c.pid, url);
    expectError(third, 503, expected);
    expect(third.ms).toBeLessThan(500);
    expect(stub.callCount('GetSessionToken')).toBe(stubCalls);

    const reason = JSON.parse(expected).message.replace('CredentialsV2Request: Credentials uninitialized for ID: ', '');
    const logged = tb.backend.requests.list(10).filter((e) => e.containerId === c.container.id);
    expect(logged.slice(0, 3).reverse().map((e) => [e.status, e.sourceId, e.error])).toEqual([
      [503, sourceId, `source "${sourceId}" is still fetching its first credentials`],
      [503, sourceId, reason],
      [503, sourceId, reason],
    ]);

    // STS back: a later request (once the failure is no longer remembered) gets credentials.
    stub.setMode('normal');
    const back = await eventually(async () => {
      const r = await httpOneInNetns(c.pid, url);
      return r.status === 200 ? r : undefined;
    }, 10_000, 'credentials once STS answers again');
    expect(JSON.parse(back.body).AccessKeyId).toMatch(/^ASIA[A-Z2-7]{16}$/);
  });
});
