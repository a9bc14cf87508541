/**
 * credential_process profiles in Docker Desktop: their programs run on the host (through the
 * dashboard), the backend keeps what they printed in memory (HostProcessCredentials), and profile
 * sources, direct or at the root of a role chain, are resolved from it; real broker, real STS
 * stand-in for the chain's AssumeRole.
 */
import { chmodSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HostProcessCredentials } from '../../../src/credentials/host-process.ts';
import { processChain } from '../../../src/credentials/process-chain.ts';
import { describeProfiles } from '../../../src/credentials/profiles.ts';
import { CredentialError } from '../../../src/credentials/types.ts';
import { awsDir, logLines, setup, stub } from './helpers.ts';

const MIN = 60_000;
const SECRET = 'process-secret-0123456789abcdefSECRET';
const T0 = Date.parse('2026-03-01T10:00:00Z');

function clock(start = T0) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

const output = (expiresAt?: number, key = 'ASIAHOSTPROCESS00001') => ({
  Version: 1 as const,
  AccessKeyId: key,
  SecretAccessKey: SECRET,
  SessionToken: 'host-token',
  ...(expiresAt !== undefined ? { Expiration: new Date(expiresAt).toISOString() } : {}),
});

describe('HostProcessCredentials: what the dashboard must run, and when', () => {
  it('wants a profile once a resolution asks for it; due at once, then at half an hour before a one-hour expiry', async () => {
    const c = clock();
    const host = new HostProcessCredentials({ now: c.now });
    expect(await host.list()).toEqual([]);
    expect(host.credentials('proc')).toBeUndefined();
    expect(await host.list()).toEqual([{ profile: 'proc', state: 'missing', due: true }]);

    const view = host.put('proc', output(T0 + 60 * MIN));
    expect(view).toEqual({ profile: 'proc', state: 'fresh', due: false, validUntil: '2026-03-01T11:00:00.000Z', dueAt: '2026-03-01T10:30:00.000Z', refreshedAt: '2026-03-01T10:00:00.000Z' });
    expect(JSON.stringify(view)).not.toContain(SECRET);
    expect(host.credentials('proc')).toMatchObject({ accessKeyId: 'ASIAHOSTPROCESS00001', secretAccessKey: SECRET, sessionToken: 'host-token' });

    c.advance(31 * MIN);
    expect(await host.list()).toEqual([expect.objectContaining({ profile: 'proc', state: 'due', due: true })]);
    // Still served while due: the containers keep working until the dashboard refreshes.
    expect(host.credentials('proc')).toBeDefined();
    c.advance(28.5 * MIN);
    expect(host.credentials('proc')).toBeUndefined();
    expect(host.view('proc')).toMatchObject({ state: 'missing', due: true });
  });

  it('leads long lifetimes by 35 minutes; no Expiration means valid until the AWS files change', () => {
    const c = clock();
    const host = new HostProcessCredentials({ now: c.now });
    expect(host.put('long', output(T0 + 12 * 60 * MIN)).dueAt).toBe(new Date(T0 + 12 * 60 * MIN - 35 * MIN).toISOString());
    expect(host.put('forever', output())).toEqual({ profile: 'forever', state: 'fresh', due: false, refreshedAt: new Date(T0).toISOString() });
    c.advance(12 * 60 * MIN - 30 * MIN);
    expect(host.view('long')).toMatchObject({ state: 'due', due: true });
    expect(host.credentials('forever')).toBeDefined();
    host.filesChanged();
    expect(host.credentials('forever')).toBeUndefined();
    // Those with an expiration stay: they were valid when handed over, whatever the files say now.
    expect(host.credentials('long')).toBeDefined();
  });

  it('refuses output the SDK would refuse: expired, or an Expiration that is not a date, without repeating a secret', () => {
    const host = new HostProcessCredentials({ now: () => T0 });
    for (const bad of [output(T0 - 1), { ...output(), Expiration: 'tomorrow' }]) {
      const err = (() => {
        try {
          host.put('proc', bad);
        } catch (e) {
          return e as CredentialError;
        }
      })();
      expect(err).toBeInstanceOf(CredentialError);
      expect(err!.code).toBe('InvalidSource');
      expect(err!.message).not.toContain(SECRET);
    }
    expect(host.view('proc')).toMatchObject({ state: 'missing' });
  });

  it('keeps a failure with its message and retries it a minute later; valid credentials stay served meanwhile', () => {
    const c = clock();
    const host = new HostProcessCredentials({ now: c.now });
    host.fail('proc', 'aws-credential-process: the credential_process of profile "proc" failed (exit 3): token expired');
    expect(host.view('proc')).toEqual({ profile: 'proc', state: 'failed', due: false, dueAt: new Date(T0 + MIN).toISOString(), message: expect.stringContaining('token expired') });
    c.advance(MIN);
    expect(host.view('proc').due).toBe(true);
    host.put('proc', output(c.now() + 60 * MIN));
    c.advance(40 * MIN);
    host.fail('proc', 'exit 1');
    expect(host.view('proc')).toMatchObject({ state: 'failed', validUntil: expect.any(String) });
    expect(host.credentials('proc')).toBeDefined();
    expect(host.describe('proc')).toMatchObject({ state: 'ready', detail: expect.stringContaining('failed on your machine: exit 1') });
  });

  it('wants the process profiles containers use, even before anything asked, and forgets profiles nobody asked for in 2 hours', async () => {
    const c = clock();
    const host = new HostProcessCredentials({ now: c.now });
    host.setInUse(async () => ['used']);
    host.credentials('asked');
    expect((await host.list()).map((v) => v.profile)).toEqual(['asked', 'used']);
    c.advance(121 * MIN);
    expect((await host.list()).map((v) => v.profile)).toEqual(['used']);
  });

  it('emits change only when a profile becomes usable (cached failures may then be retried)', () => {
    const host = new HostProcessCredentials({ now: () => T0 });
    let changes = 0;
    host.on('change', () => changes++);
    host.put('proc', output(T0 + 60 * MIN));
    host.put('proc', output(T0 + 60 * MIN));
    expect(changes).toBe(1);
  });

  it('describes each state for the profiles table', () => {
    const c = clock();
    const host = new HostProcessCredentials({ now: c.now });
    expect(host.describe('proc')).toEqual({ state: 'waiting', detail: 'Needs the ECS Endpoints dashboard open to run its credential_process on your machine.' });
    host.put('proc', output(T0 + 60 * MIN));
    expect(host.describe('proc')).toEqual({ state: 'ready', validUntil: '2026-03-01T11:00:00.000Z', detail: 'Refreshed through the dashboard; next refresh due at 2026-03-01T10:30:00Z.' });
    c.advance(45 * MIN);
    expect(host.describe('proc')).toMatchObject({ state: 'ready', detail: 'Needs the ECS Endpoints dashboard open to refresh (due at 2026-03-01T10:30:00Z).' });
    host.fail('other', 'exit 2');
    expect(host.describe('other')).toMatchObject({ state: 'broken', detail: expect.stringMatching(/^Its credential_process failed on your machine: exit 2\. It is run again while the ECS Endpoints dashboard is open/) });
  });
});

describe('processChain: which profiles get their credentials from a credential_process, as fromIni decides', () => {
  const profiles = {
    proc: { credential_process: '/bin/creds' },
    app: { role_arn: 'arn:aws:iam::111111111111:role/app', source_profile: 'proc', external_id: 'x', duration_seconds: '900' },
    top: { role_arn: 'arn:aws:iam::222222222222:role/top', source_profile: 'app', role_session_name: 'me' },
    keys: { aws_access_key_id: 'AKIA', aws_secret_access_key: 's', credential_process: '/bin/creds' },
    viaKeys: { role_arn: 'arn:aws:iam::1:role/k', source_profile: 'keys' },
    env: { role_arn: 'arn:aws:iam::1:role/e', credential_source: 'Environment' },
    loop: { role_arn: 'arn:aws:iam::1:role/l', source_profile: 'loop' },
    sso: { sso_session: 's' },
  };

  it('a process profile, and role chains rooted in one, innermost role first', () => {
    expect(processChain(profiles, 'proc')).toEqual({ root: 'proc', roles: [] });
    expect(processChain(profiles, 'top')).toEqual({
      root: 'proc',
      roles: [
        { roleArn: 'arn:aws:iam::111111111111:role/app', externalId: 'x', durationSeconds: 900 },
        { roleArn: 'arn:aws:iam::222222222222:role/top', sessionName: 'me' },
      ],
    });
  });

  it('not: keys ending a chain, credential_source, loops, SSO, missing profiles', () => {
    for (const name of ['viaKeys', 'env', 'loop', 'sso', 'nope']) expect(processChain(profiles, name), name).toBeUndefined();
  });
});

describe('profile sources in Docker Desktop: credential_process from the host', () => {
  function files() {
    const dir = awsDir({});
    const mark = join(dir, 'ran');
    writeFileSync(join(dir, 'config'), `[profile proc]\ncredential_process = ${join(dir, 'program')}\n[profile app]\nrole_arn = arn:aws:iam::210987654321:role/app\nsource_profile = proc\n`);
    // Would leave a mark if the backend ran it: in Docker Desktop the program is on the host.
    writeFileSync(join(dir, 'program'), `#!/bin/sh\ntouch ${mark}\nexit 1\n`);
    chmodSync(join(dir, 'program'), 0o755);
    return { dir, mark };
  }

  it('without credentials from the host: the error says the dashboard must be open, and nothing runs in the backend', async () => {
    const { dir, mark } = files();
    const host = new HostProcessCredentials();
    const { registry, broker } = setup({ awsConfigDir: dir, hostProcesses: host });
    const src = registry.create({ type: 'profile', name: 'Proc', profile: 'proc' });
    const err = (await broker.get(src.id).catch((e: unknown) => e)) as CredentialError;
    expect(err).toBeInstanceOf(CredentialError);
    expect(err.code).toBe('CredentialProcessFailed');
    expect(err.message).toBe('Profile "proc" gets its credentials from its credential_process, which runs on your machine: it needs the ECS Endpoints dashboard open to refresh.');
    expect(err.remedy).toMatch(/Open the ECS Endpoints tab in Docker Desktop/);
    expect(existsSync(mark)).toBe(false);
    expect(await host.list()).toEqual([{ profile: 'proc', state: 'missing', due: true }]);

    // The last failure on the host is part of the message.
    host.fail('proc', 'the credential_process of profile "proc" failed (exit 3): run aws-vault login');
    broker.retryFailed();
    expect(((await broker.get(src.id).catch((e: unknown) => e)) as CredentialError).message).toMatch(/Its last run failed: .*run aws-vault login$/);
  });

  it('serves what the host handed over, at once after the cached failure (retryFailed on change), never logging a secret', async () => {
    const { dir } = files();
    const host = new HostProcessCredentials();
    const { registry, broker } = setup({ awsConfigDir: dir, hostProcesses: host, failureTtlMs: 60_000 });
    host.on('change', () => broker.retryFailed());
    const src = registry.create({ type: 'profile', name: 'Proc', profile: 'proc' });
    await expect(broker.get(src.id)).rejects.toMatchObject({ code: 'CredentialProcessFailed' });
    host.put('proc', output(Date.now() + 60 * MIN));
    await expect(broker.get(src.id)).resolves.toMatchObject({ accessKeyId: 'ASIAHOSTPROCESS00001', secretAccessKey: SECRET, sessionToken: 'host-token' });
    expect(logLines().join('\n')).not.toContain(SECRET);
  });

  it('a role chain rooted in a process profile: AssumeRole with the host credentials', async () => {
    const { dir } = files();
    const sts = await stub();
    const host = new HostProcessCredentials();
    const { registry, broker } = setup({ awsConfigDir: dir, hostProcesses: host, sts });
    const src = registry.create({ type: 'profile', name: 'App', profile: 'app' });
    const err = (await broker.get(src.id).catch((e: unknown) => e)) as CredentialError;
    expect(err.message).toBe('Profile "app" gets its credentials from the credential_process of its source profile "proc", which runs on your machine: it needs the ECS Endpoints dashboard open to refresh.');
    expect(sts.calls).toHaveLength(0);
    expect((await host.list()).map((v) => v.profile)).toEqual(['proc']);

    host.put('proc', output(Date.now() + 60 * MIN));
    broker.retryFailed();
    const creds = await broker.get(src.id);
    expect(creds).toMatchObject({ roleArn: 'arn:aws:iam::210987654321:role/app', accountId: '210987654321' });
    expect(creds!.accessKeyId).not.toBe('ASIAHOSTPROCESS00001');
    expect(sts.calls).toEqual([expect.objectContaining({ action: 'AssumeRole', accessKeyId: 'ASIAHOSTPROCESS00001', params: expect.objectContaining({ RoleArn: 'arn:aws:iam::210987654321:role/app', RoleSessionName: 'ecs-endpoints-app' }) })]);
  });

  it('describes process profiles from the host state (details route)', async () => {
    const { dir } = files();
    const host = new HostProcessCredentials();
    const described = await describeProfiles({ config: join(dir, 'config'), credentials: join(dir, 'credentials') }, Date.now(), (p) => host.describe(p));
    expect(described.find((p) => p.name === 'proc')).toEqual({ name: 'proc', kind: 'process', state: 'waiting', detail: expect.stringMatching(/dashboard open/) });
  });
});
