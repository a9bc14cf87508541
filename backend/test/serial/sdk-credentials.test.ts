/**
 * The real AWS clients against the credentials endpoint at the real 169.254.170.2: Debian's AWS CLI
 * v2 and python3-botocore, and the AWS SDK for JavaScript v3 default chain, each run from the host
 * inside an attached container's network namespace with nothing but the container variables in its
 * environment. For every source type they must obtain exactly the credentials STS (a local stub
 * behind a recording proxy) issued to the backend, and sign a GetCallerIdentity with them.
 *
 * Serial: the SDKs hard-code 169.254.170.2, so this file owns 169.254.170.0/24 while it runs.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentCredentialsJson } from '../../src/credentials/format.ts';
import { inModel, startTestBackend, type TestBackend } from '../support/backend.ts';
import { removeAll, runContainer, uniqueName } from '../support/docker.ts';
import { httpOneInNetns, pidOf } from '../support/netns.ts';
import { awsCliExport, awsCliIdentity, botocore, clientVersions, jsSdk, type ClientRun } from '../support/aws-clients.ts';
import { startStsStub, type StsStub } from '../support/sts-stub.ts';
import { startStsProxy, type IssuedCredentials, type StsProxy } from '../support/sts-proxy.ts';

const SUBNET = '169.254.170.0/24';
/** Below botocore's 2 s read timeout, so a client waiting on a hung STS gets the backend's answer. */
const STS_TIMEOUT_MS = 1500;
const EP = '169.254.170.2';
const EXPIRATION = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;
const AGENT_KEYS = ['RoleArn', 'AccessKeyId', 'SecretAccessKey', 'Token', 'Expiration'];
const NO_CREDENTIALS_V2 = '{"code":"InvalidIdInRequest","message":"CredentialsV2Request: Credentials not found","HTTPErrorCode":400}';

const STATIC_KEYS = { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' };
const STATIC_USER = 'arn:aws:iam::111122223333:user/alice';
const BASE_KEYS = { accessKeyId: 'AKIABASEKEYS00000001', secretAccessKey: 'base/secret/0000000000000000000000000001' };
const BASE_USER = 'arn:aws:iam::111122223333:user/ci-base';
const ROLE_ARN = 'arn:aws:iam::111122223333:role/service-role/orders/orders-task';
const PROFILE_KEYS = { accessKeyId: 'AKIAPROFILEKEYS00001', secretAccessKey: 'profile/secret/000000000000000000000001' };
const PROFILE_USER = 'arn:aws:iam::444455556666:user/dev';
const PROFILE_ROLE_ARN = 'arn:aws:iam::444455556666:role/inventory-task';

type Agent = AgentCredentialsJson;

interface Case {
  container: Docker.Container;
  name: string;
  pid: number;
  credentialsId: string;
  env: Record<string, string>;
}

let stub: StsStub;
/** What the backend calls (records what STS issued to it). */
let toBackend: StsProxy;
/** The stub on 169.254.170.2, for clients in the containers' namespaces. */
let inside: StsProxy;
let tb: TestBackend;
let home: string;
let awsConfigDir: string;
const created: Docker.Container[] = [];
const cases: Record<string, Case> = {};
const sources: Record<string, string> = {};

async function startCase(key: string, sourceId: string | undefined, extraEnv: Record<string, string> = {}): Promise<void> {
  const name = uniqueName(`sdk-${key}`);
  const credentialsId = randomBytes(16).toString('hex');
  if (sourceId) tb.backend.assignments.set(name, sourceId);
  const container = await runContainer({
    name,
    network: tb.network,
    env: { AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: `/v2/credentials/${credentialsId}`, ...extraEnv },
  });
  created.push(container);
  await inModel(tb, container.id);
  cases[key] = {
    container,
    name,
    pid: await pidOf(container),
    credentialsId,
    // Exactly what an application in the container would have, plus an empty HOME (no ~/.aws).
    env: { HOME: home, AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: `/v2/credentials/${credentialsId}`, AWS_REGION: 'us-east-1' },
  };
}

/** The body the endpoint serves the container (fetched from its own namespace). */
async function served(c: Case): Promise<Agent> {
  const r = await httpOneInNetns(c.pid, `http://${EP}/v2/credentials/${c.credentialsId}`);
  expect(r.status, r.body).toBe(200);
  expect(r.headers['content-type']).toBe('application/json');
  const body = JSON.parse(r.body) as Agent;
  expect(Object.keys(body)).toEqual(AGENT_KEYS);
  expect(body.Expiration).toMatch(EXPIRATION);
  return body;
}

/** The one credentials answer STS gave the backend that matches. */
function issuedOnce(match: (i: IssuedCredentials) => boolean): IssuedCredentials {
  const found = toBackend.issued.filter(match);
  expect(found, JSON.stringify(toBackend.issued.map((i) => ({ action: i.action, signedWith: i.signedWith, roleArn: i.roleArn })))).toHaveLength(1);
  return found[0]!;
}

function expectSameAsIssued(body: Agent, issued: IssuedCredentials): void {
  expect({ AccessKeyId: body.AccessKeyId, SecretAccessKey: body.SecretAccessKey, Token: body.Token, Expiration: body.Expiration }).toEqual({
    AccessKeyId: issued.accessKeyId,
    SecretAccessKey: issued.secretAccessKey,
    Token: issued.sessionToken,
    Expiration: issued.expiration,
  });
  expect(issued.accessKeyId).toMatch(/^ASIA[A-Z2-7]{16}$/);
  // STS credentials last an hour; the backend serves them well before the SDKs' 15-minute refresh window.
  expect(Date.parse(body.Expiration) - Date.now()).toBeGreaterThan(55 * 60_000);
}

function ok(run: ClientRun, what: string): Record<string, unknown> {
  expect(run.code, `${what} failed: ${run.stderr}`).toBe(0);
  expect(run.json, `${what} printed no JSON: ${run.stdout}`).toBeDefined();
  return run.json!;
}

/**
 * Run the three clients in the container's namespace and check they all resolved `expected`
 * and signed GetCallerIdentity with it (the stub saw that key and answered `identityArn`).
 */
async function expectClientsGet(c: Case, expected: Agent, identityArn: string): Promise<void> {
  const issuedBefore = toBackend.issued.length;
  const callsBefore = stub.calls.length;
  const [cliExport, cliIdentity, py, js] = await Promise.all([
    awsCliExport(c.pid, c.env),
    awsCliIdentity(c.pid, c.env, inside.url),
    botocore(c.pid, c.env, inside.url),
    jsSdk(c.pid, c.env, inside.url),
  ]);

  const cli = ok(cliExport, 'aws configure export-credentials');
  expect(cli).toEqual({
    Version: 1,
    AccessKeyId: expected.AccessKeyId,
    SecretAccessKey: expected.SecretAccessKey,
    SessionToken: expected.Token,
    Expiration: expect.any(String),
  });
  expect(Date.parse(cli.Expiration as string)).toBe(Date.parse(expected.Expiration));
  expect(ok(cliIdentity, 'aws sts get-caller-identity').Arn).toBe(identityArn);

  const b = ok(py, 'botocore');
  expect(b).toMatchObject({ Method: 'container-role', AccessKeyId: expected.AccessKeyId, SecretAccessKey: expected.SecretAccessKey, Token: expected.Token });
  expect(Date.parse(b.Expiration as string)).toBe(Date.parse(expected.Expiration));
  expect((b.Identity as { Arn: string }).Arn).toBe(identityArn);

  const j = ok(js, 'JS SDK defaultProvider');
  expect(j).toMatchObject({ AccessKeyId: expected.AccessKeyId, SecretAccessKey: expected.SecretAccessKey, Token: expected.Token });
  expect(Date.parse(j.Expiration as string)).toBe(Date.parse(expected.Expiration));
  expect((j.Identity as { Arn: string }).Arn).toBe(identityArn);

  // Three GetCallerIdentity calls, each signed with the served key; the backend asked STS for nothing new.
  const identityCalls = stub.calls.slice(callsBefore).filter((call) => call.action === 'GetCallerIdentity');
  expect(identityCalls.map((call) => call.accessKeyId)).toEqual([expected.AccessKeyId, expected.AccessKeyId, expected.AccessKeyId]);
  expect(toBackend.issued.length).toBe(issuedBefore);
}

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), 'ecs-sdk-home-'));
  awsConfigDir = mkdtempSync(join(tmpdir(), 'ecs-sdk-aws-'));
  writeFileSync(join(awsConfigDir, 'credentials'), `[dev-keys]\naws_access_key_id = ${PROFILE_KEYS.accessKeyId}\naws_secret_access_key = ${PROFILE_KEYS.secretAccessKey}\n`);
  writeFileSync(
    join(awsConfigDir, 'config'),
    `[profile inventory]\nrole_arn = ${PROFILE_ROLE_ARN}\nsource_profile = dev-keys\nrole_session_name = inventory-local\nregion = us-east-1\n`,
  );
  stub = await startStsStub();
  stub.registerKey(STATIC_KEYS.accessKeyId, STATIC_USER);
  stub.registerKey(BASE_KEYS.accessKeyId, BASE_USER);
  stub.registerKey(PROFILE_KEYS.accessKeyId, PROFILE_USER);
  toBackend = await startStsProxy(stub.url);
  try {
    tb = await startTestBackend(
      {
        ECS_ENDPOINTS_STS_ENDPOINT: toBackend.url,
        ECS_ENDPOINTS_AWS_CONFIG_DIR: awsConfigDir,
        ECS_ENDPOINTS_REGION: 'us-east-1',
        ECS_ENDPOINTS_STS_TIMEOUT_MS: String(STS_TIMEOUT_MS),
      },
      { subnet: SUBNET },
    );
  } catch (err) {
    const e = err as Error & { remedy?: string };
    throw new Error(`Cannot start the backend on ${SUBNET} (the SDKs need ${EP}): ${e.message}${e.remedy ? ` ${e.remedy}` : ''}`);
  }
  // The host end of the managed network carries 169.254.170.2 now: the stub can listen there too.
  inside = await startStsProxy(stub.url, { host: EP });

  const r = tb.backend.sources;
  sources.static = r.create({ type: 'static', name: 'Static keys', ...STATIC_KEYS }).id;
  sources.base = r.create({ type: 'static', name: 'CI base keys', ...BASE_KEYS }).id;
  sources.role = r.create({ type: 'assume-role', name: 'Orders task role', roleArn: ROLE_ARN, baseSourceId: sources.base }).id;
  sources.profileKeys = r.create({ type: 'profile', name: 'Dev keys', profile: 'dev-keys' }).id;
  sources.profileRole = r.create({ type: 'profile', name: 'Inventory', profile: 'inventory' }).id;

  await Promise.all([
    startCase('fake', 'fake'),
    startCase('static', sources.static),
    startCase('role', sources.role),
    startCase('profile-keys', sources.profileKeys),
    startCase('profile-role', sources.profileRole),
    startCase('none', undefined),
    startCase('token', 'fake', { AWS_CONTAINER_AUTHORIZATION_TOKEN: 'Bearer local-token-7f3a' }),
  ]);
  // For the report: what ran.
  console.info('client versions', clientVersions());
}, 120_000);

afterAll(async () => {
  await removeAll(created);
  await tb?.cleanup();
  await inside?.close();
  await toBackend?.close();
  await stub?.close();
  for (const d of [home, awsConfigDir]) if (d) rmSync(d, { recursive: true, force: true });
});

describe('AWS CLI v2, botocore and the JS SDK v3 through AWS_CONTAINER_CREDENTIALS_RELATIVE_URI', () => {
  it('fake: the fake credentials named after the task family, with no STS call', async () => {
    const c = cases.fake!;
    const body = await served(c);
    expect(body.RoleArn).toBe(`arn:aws:iam::000000000000:role/${c.name}-task-role`);
    expect(body.AccessKeyId).toMatch(/^ASIAFAKE[0-9A-F]{12}$/);
    expect(body.SecretAccessKey).toMatch(/^FAKE\/secret\/[0-9a-f]{28}$/);
    expect(body.Token).toMatch(/^FAKE-SESSION-TOKEN-not-valid-on-AWS-[0-9a-f]{64}$/);
    const ahead = Date.parse(body.Expiration) - Date.now();
    expect(ahead).toBeGreaterThan(5.9 * 3600_000);
    expect(ahead).toBeLessThanOrEqual(6 * 3600_000);
    // The stub does not know fake keys: it answers with its default identity (but records the key).
    await expectClientsGet(c, body, 'arn:aws:iam::123456789012:user/stub-user');
    expect(toBackend.requests()).toBe(0);
  });

  it('static: long-term keys exchanged with GetSessionToken; containers see only the session credentials', async () => {
    const c = cases.static!;
    const body = await served(c);
    const issued = issuedOnce((i) => i.action === 'GetSessionToken' && i.signedWith === STATIC_KEYS.accessKeyId);
    expectSameAsIssued(body, issued);
    expect(body.RoleArn).toBe('');
    expect(body.AccessKeyId).not.toBe(STATIC_KEYS.accessKeyId);
    await expectClientsGet(c, body, STATIC_USER);
  });

  it('assume-role: a role ARN with a path, assumed with the session credentials of a static base', async () => {
    const c = cases.role!;
    const body = await served(c);
    const base = issuedOnce((i) => i.action === 'GetSessionToken' && i.signedWith === BASE_KEYS.accessKeyId);
    const issued = issuedOnce((i) => i.action === 'AssumeRole' && i.roleArn === ROLE_ARN);
    expect(issued.signedWith).toBe(base.accessKeyId);
    expectSameAsIssued(body, issued);
    expect(body.RoleArn).toBe(ROLE_ARN);
    const assume = stub.calls.filter((call) => call.action === 'AssumeRole' && call.params.RoleArn === ROLE_ARN);
    expect(assume).toEqual([expect.objectContaining({ params: { RoleArn: ROLE_ARN, RoleSessionName: `ecs-endpoints-${sources.role}`, DurationSeconds: '3600' } })]);
    await expectClientsGet(c, body, `arn:aws:sts::111122223333:assumed-role/orders-task/ecs-endpoints-${sources.role}`);
  });

  it('profile (source_profile + role_arn): the role assumed with the profile\'s keys', async () => {
    const c = cases['profile-role']!;
    const body = await served(c);
    const issued = issuedOnce((i) => i.action === 'AssumeRole' && i.roleArn === PROFILE_ROLE_ARN);
    expect(issued.signedWith).toBe(PROFILE_KEYS.accessKeyId);
    expectSameAsIssued(body, issued);
    expect(body.RoleArn).toBe(PROFILE_ROLE_ARN);
    await expectClientsGet(c, body, 'arn:aws:sts::444455556666:assumed-role/inventory-task/inventory-local');
  });

  it('profile (static keys): the profile\'s keys as they are, with an empty Token and an hour ahead', async () => {
    const c = cases['profile-keys']!;
    const before = toBackend.requests();
    const body = await served(c);
    expect(body).toEqual({ RoleArn: '', AccessKeyId: PROFILE_KEYS.accessKeyId, SecretAccessKey: PROFILE_KEYS.secretAccessKey, Token: '', Expiration: expect.any(String) });
    const ahead = Date.parse(body.Expiration) - Date.now();
    expect(ahead).toBeGreaterThan(59 * 60_000);
    expect(ahead).toBeLessThanOrEqual(60 * 60_000);
    expect(toBackend.requests()).toBe(before);
    await expectClientsGet(c, body, PROFILE_USER);
  });

  it('none: every client fails with the agent\'s "Credentials not found" within seconds', async () => {
    const c = cases.none!;
    const raw = await httpOneInNetns(c.pid, `http://${EP}/v2/credentials/${c.credentialsId}`);
    expect(raw.status).toBe(400);
    expect(raw.body).toBe(NO_CREDENTIALS_V2);
    const [cli, py, js] = await Promise.all([awsCliExport(c.pid, c.env), botocore(c.pid, c.env), jsSdk(c.pid, c.env)]);

    expect(cli.code).toBe(253);
    expect(cli.stdout).toBe('');
    expect(cli.stderr.trim()).toBe(
      `Unable to retrieve credentials: Error when retrieving credentials from container-role: Error retrieving metadata: Received non 200 response (400) from ECS metadata: ${NO_CREDENTIALS_V2}`,
    );
    expect(py.code).toBe(1);
    expect(py.stderr.trim().split('\n').pop()).toBe(
      `botocore.exceptions.CredentialRetrievalError: Error when retrieving credentials from container-role: Error retrieving metadata: Received non 200 response (400) from ECS metadata: ${NO_CREDENTIALS_V2}`,
    );
    expect(js.code).toBe(1);
    expect(js.stderr).toContain('CredentialsProviderError: Could not load credentials from any providers');
    // Each client retried a few times and then gave up: nothing hangs on instance metadata.
    for (const run of [cli, py, js]) expect(run.ms).toBeLessThan(15_000);
    // The request log says why: the container's source serves no credentials.
    const logged = tb.backend.requests.list(1000).filter((e) => e.containerId === c.container.id && e.kind === 'credentials');
    expect(logged.length).toBeGreaterThanOrEqual(1 + 3 + 3 + 2);
    for (const e of logged) expect(e).toMatchObject({ status: 400, path: '/v2/credentials/****', sourceId: 'default', error: 'source "default" serves no credentials' });
  });
});

describe('AWS_CONTAINER_CREDENTIALS_FULL_URI with AWS_CONTAINER_AUTHORIZATION_TOKEN', () => {
  const full = (token?: string): Record<string, string> => ({
    HOME: home,
    AWS_REGION: 'us-east-1',
    AWS_CONTAINER_CREDENTIALS_FULL_URI: `http://${EP}/creds`,
    ...(token !== undefined ? { AWS_CONTAINER_AUTHORIZATION_TOKEN: token } : {}),
  });

  it('serves the container\'s credentials at /creds to clients presenting its token', async () => {
    const c = cases.token!;
    const raw = await httpOneInNetns(c.pid, `http://${EP}/creds`, { headers: { Authorization: 'Bearer local-token-7f3a' } });
    expect(raw.status).toBe(200);
    const body = JSON.parse(raw.body) as Agent;
    expect(Object.keys(body)).toEqual(AGENT_KEYS);
    expect(body.RoleArn).toBe(`arn:aws:iam::000000000000:role/${c.name}-task-role`);
    // The same credentials through the id path, with the token.
    const byId = await httpOneInNetns(c.pid, `http://${EP}/v2/credentials/${c.credentialsId}`, { headers: { Authorization: 'Bearer local-token-7f3a' } });
    expect(byId.body).toBe(raw.body);

    const env = full('Bearer local-token-7f3a');
    const [py, js, cli] = await Promise.all([botocore(c.pid, env), jsSdk(c.pid, env), awsCliExport(c.pid, env)]);
    for (const [run, what] of [[py, 'botocore'], [js, 'JS SDK']] as const) {
      const got = ok(run, what);
      expect(got).toMatchObject({ AccessKeyId: body.AccessKeyId, SecretAccessKey: body.SecretAccessKey, Token: body.Token });
      expect(Date.parse(got.Expiration as string)).toBe(Date.parse(body.Expiration));
    }
    expect(ok(cli, 'aws configure export-credentials')).toMatchObject({ AccessKeyId: body.AccessKeyId, SecretAccessKey: body.SecretAccessKey, SessionToken: body.Token });
  });

  it('refuses clients without the token or with a wrong one', async () => {
    const c = cases.token!;
    const denied = '{"code":"InvalidIdInRequest","message":"Credentials not found","HTTPErrorCode":400}';
    const attempts: Record<string, string>[] = [{}, { Authorization: 'Bearer wrong' }, { Authorization: 'bearer local-token-7f3a' }];
    for (const headers of attempts) {
      const raw = await httpOneInNetns(c.pid, `http://${EP}/creds`, { headers });
      expect(raw.status).toBe(400);
      expect(raw.body).toBe(denied);
      const byId = await httpOneInNetns(c.pid, `http://${EP}/v2/credentials/${c.credentialsId}`, { headers });
      expect(byId.status).toBe(400);
      expect(byId.body).toBe(NO_CREDENTIALS_V2);
    }
    const runs = await Promise.all([botocore(c.pid, full()), botocore(c.pid, full('Bearer wrong')), jsSdk(c.pid, full()), jsSdk(c.pid, full('Bearer wrong'))]);
    const [pyMissing, pyWrong, jsMissing, jsWrong] = runs;
    for (const run of [pyMissing, pyWrong]) {
      expect(run!.code).toBe(1);
      expect(run!.stderr.trim().split('\n').pop()).toBe(
        `botocore.exceptions.CredentialRetrievalError: Error when retrieving credentials from container-role: Error retrieving metadata: Received non 200 response (400) from ECS metadata: ${denied}`,
      );
    }
    // The JS SDK's fromHttp gets the 400s; its fallback, fromContainerMetadata, accepts only loopback
    // FULL_URI hosts (spec §12.2), so the error it ends with is that one.
    for (const run of [jsMissing, jsWrong]) {
      expect(run!.code).toBe(1);
      expect(run!.stderr).toContain('CredentialsProviderError: 169.254.170.2 is not a valid container metadata service hostname');
      expect(run!.stdout).toBe('');
    }
    // The request log names the reason, and never the token.
    const logged = tb.backend.requests.list(1000).filter((e) => e.containerId === c.container.id && e.status === 400);
    expect(logged.length).toBeGreaterThan(0);
    for (const e of logged) expect(e.error).toBe('missing or wrong Authorization token');
    expect(JSON.stringify(tb.backend.requests.list(1000))).not.toContain('local-token-7f3a');
  });
});


describe('an STS that never answers', () => {
  it('the AWS CLI and botocore report the backend\'s reason within seconds; the JS SDK fails without it', async () => {
    // Three cold sources (one per client, so their failures do not share the broker's memory).
    const ctrs = await Promise.all(
      ['cli', 'botocore', 'js'].map(async (client) => {
        const id = tb.backend.sources.create({ type: 'static', name: `Hung ${client}`, accessKeyId: `AKIAHUNG${client.toUpperCase().padEnd(8, '0')}0001`, secretAccessKey: 'hung/secret' }).id;
        const key = `hung-${client}`;
        await startCase(key, id);
        return { c: cases[key]!, name: `Hung ${client}` };
      }),
    );
    const reason = (name: string) =>
      `{"code":"CredentialsUninitialized","message":"CredentialsV2Request: Credentials uninitialized for ID: Source \\"${name}\\": no answer within 1.5 s from STS at ${toBackend.url}. ` +
      `Check that STS at ${toBackend.url} is reachable from the backend (network, proxy, VPN, LocalStack running), or raise ECS_ENDPOINTS_STS_TIMEOUT_MS.","HTTPErrorCode":503}`;
    const issuedBefore = toBackend.issued.length;
    toBackend.hold();
    try {
      const [cli, py, js] = await Promise.all([awsCliExport(ctrs[0]!.c.pid, ctrs[0]!.c.env), botocore(ctrs[1]!.c.pid, ctrs[1]!.c.env), jsSdk(ctrs[2]!.c.pid, ctrs[2]!.c.env)]);
      expect(cli.code).toBe(253);
      expect(cli.stderr.trim()).toBe(
        `Unable to retrieve credentials: Error when retrieving credentials from container-role: Error retrieving metadata: Received non 200 response (503) from ECS metadata: ${reason(ctrs[0]!.name)}`,
      );
      expect(py.code).toBe(1);
      expect(py.stderr.trim().split('\n').pop()).toBe(
        `botocore.exceptions.CredentialRetrievalError: Error when retrieving credentials from container-role: Error retrieving metadata: Received non 200 response (503) from ECS metadata: ${reason(ctrs[1]!.name)}`,
      );
      // The JS SDK drops the body of a 5xx answer: only the request log tells why.
      expect(js.code).toBe(1);
      expect(js.stderr).toContain('CredentialsProviderError: Could not load credentials from any providers');
      const jsLog = tb.backend.requests.list(1000).filter((e) => e.containerId === ctrs[2]!.c.container.id && e.status === 503);
      expect(jsLog.length).toBeGreaterThan(0);
      expect(jsLog[0]!.error).toBe(JSON.parse(reason(ctrs[2]!.name)).message.replace('CredentialsV2Request: Credentials uninitialized for ID: ', ''));
      // botocore tries 3 times (2 s timeout, 1 s apart), the JS SDK 4 + 1: each gives up within seconds.
      for (const run of [cli, py, js]) expect(run.ms).toBeLessThan(15_000);
    } finally {
      toBackend.release();
    }
    // No credentials were handed out while STS hung.
    expect(toBackend.issued.length).toBe(issuedBefore);
  });
});
