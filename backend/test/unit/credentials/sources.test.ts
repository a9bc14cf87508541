import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CredentialError } from '../../../src/credentials/index.ts';
import { LONG_TERM, awsDir, setEnv, setup, stub, tempDir } from './helpers.ts';

const HOUR = 3600_000;

describe('profile source', () => {
  it('serves a profile with long-term static keys with an expiration an hour ahead, and re-reads the file on refresh', async () => {
    const sts = await stub();
    const dir = awsDir({
      credentials: `[dev]\naws_access_key_id = ${LONG_TERM.accessKeyId}\naws_secret_access_key = ${LONG_TERM.secretAccessKey}\n`,
    });
    let t = Date.now();
    const { registry, broker } = setup({ sts, awsConfigDir: dir, now: () => t });
    const src = registry.create({ type: 'profile', name: 'Dev', profile: 'dev' });

    const creds = await broker.get(src.id);
    expect(creds).toMatchObject({ accessKeyId: LONG_TERM.accessKeyId, secretAccessKey: LONG_TERM.secretAccessKey });
    expect(creds!.sessionToken).toBeUndefined();
    expect(creds!.expiration!.getTime()).toBe(t + HOUR);
    expect(sts.callCount()).toBe(0);

    // Rotate the keys in the file; once the served hour is within the SDKs' window the broker re-reads.
    writeFileSync(join(dir, 'credentials'), `[dev]\naws_access_key_id = AKIAROTATEDKEY000001\naws_secret_access_key = rotated\n`);
    t += 50 * 60_000;
    const again = await broker.get(src.id);
    expect(again!.accessKeyId).toBe('AKIAROTATEDKEY000001');
    expect(again!.expiration!.getTime()).toBe(t + HOUR);
  });

  it('resolves a source_profile + role_arn chain with AssumeRole at the configured STS endpoint and region', async () => {
    const sts = await stub();
    const dir = awsDir({
      config: [
        '[profile base]',
        'region = eu-west-1',
        '[profile app]',
        'source_profile = base',
        'role_arn = arn:aws:iam::210987654321:role/service/app-role',
        'external_id = ext-123',
        'role_session_name = my-session',
        '',
      ].join('\n'),
      credentials: `[base]\naws_access_key_id = ${LONG_TERM.accessKeyId}\naws_secret_access_key = ${LONG_TERM.secretAccessKey}\n`,
    });
    const { registry, broker } = setup({ sts, awsConfigDir: dir, region: 'eu-central-1' });
    const src = registry.create({ type: 'profile', name: 'App', profile: 'app' });

    const creds = await broker.get(src.id);
    expect(creds!.accessKeyId).toMatch(/^ASIA/);
    expect(creds!.sessionToken).toBeTruthy();
    expect(creds!.roleArn).toBe('arn:aws:iam::210987654321:role/service/app-role');
    expect(sts.calls).toHaveLength(1);
    expect(sts.calls[0]).toMatchObject({
      action: 'AssumeRole',
      accessKeyId: LONG_TERM.accessKeyId,
      region: 'eu-central-1',
      params: { RoleArn: 'arn:aws:iam::210987654321:role/service/app-role', ExternalId: 'ext-123', RoleSessionName: 'my-session' },
    });
    // The identity the stub sees is the assumed role.
    const result = await broker.test(src.id);
    expect(result).toMatchObject({ ok: true, account: '210987654321', arn: 'arn:aws:sts::210987654321:assumed-role/app-role/my-session' });
  });

  it('runs credential_process and uses what it prints', async () => {
    const dir = awsDir({});
    const script = join(dir, 'creds.sh');
    const expiration = new Date(Date.now() + 2 * HOUR).toISOString();
    writeFileSync(
      script,
      `#!/bin/sh\necho '{"Version":1,"AccessKeyId":"ASIAPROCESS000000001","SecretAccessKey":"proc-secret","SessionToken":"proc-token","Expiration":"${expiration}"}'\n`,
    );
    chmodSync(script, 0o755);
    writeFileSync(join(dir, 'config'), `[profile proc]\ncredential_process = ${script}\n[profile broken]\ncredential_process = ${join(dir, 'missing-program')}\n`);
    const { registry, broker } = setup({ awsConfigDir: dir });

    const ok = registry.create({ type: 'profile', name: 'Proc', profile: 'proc' });
    const creds = await broker.get(ok.id);
    expect(creds).toMatchObject({ accessKeyId: 'ASIAPROCESS000000001', secretAccessKey: 'proc-secret', sessionToken: 'proc-token' });
    expect(creds!.expiration!.toISOString()).toBe(expiration);

    const broken = registry.create({ type: 'profile', name: 'Broken', profile: 'broken' });
    const err = await broker.get(broken.id).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CredentialError);
    expect(err).toMatchObject({ code: 'CredentialProcessFailed' });
    expect((err as CredentialError).remedy).toMatch(/credential_process/);
  });

  it('reports a missing profile as ProfileNotFound, naming the files it read', async () => {
    const dir = awsDir({ config: '[profile other]\nregion = us-east-1\n' });
    const { registry, broker } = setup({ awsConfigDir: dir });
    const src = registry.create({ type: 'profile', name: 'Nope', profile: 'nope' });
    const err = (await broker.get(src.id).catch((e: unknown) => e)) as CredentialError;
    expect(err.code).toBe('ProfileNotFound');
    expect(err.message).toContain(join(dir, 'config'));
    expect(err.remedy).toContain('aws configure --profile nope');
  });

  it('honours AWS_CONFIG_FILE / AWS_SHARED_CREDENTIALS_FILE when no directory is configured', async () => {
    const { awsFilePaths } = await import('../../../src/credentials/index.ts');
    expect(awsFilePaths(undefined, { HOME: '/home/x', AWS_CONFIG_FILE: '/etc/aws/config', AWS_SHARED_CREDENTIALS_FILE: '/etc/aws/creds' })).toEqual({
      config: '/etc/aws/config',
      credentials: '/etc/aws/creds',
    });
    expect(awsFilePaths(undefined, { HOME: '/home/x' })).toEqual({ config: '/home/x/.aws/config', credentials: '/home/x/.aws/credentials' });
    expect(awsFilePaths('/mnt/aws', { AWS_CONFIG_FILE: '/etc/aws/config' })).toEqual({ config: '/mnt/aws/config', credentials: '/mnt/aws/credentials' });
  });
});

describe('assume-role source', () => {
  async function withBase() {
    const sts = await stub();
    const dir = awsDir({ credentials: `[base]\naws_access_key_id = ${LONG_TERM.accessKeyId}\naws_secret_access_key = ${LONG_TERM.secretAccessKey}\n` });
    const s = setup({ sts, awsConfigDir: dir });
    const base = s.registry.create({ type: 'profile', name: 'Base', profile: 'base' });
    return { sts, ...s, base };
  }

  it('assumes a role by ARN with a path, passing session name, external id, duration and tags', async () => {
    const { sts, registry, broker, base } = await withBase();
    const src = registry.create({
      type: 'assume-role',
      name: 'Orders task',
      roleArn: 'arn:aws:iam::111122223333:role/service/orders/orders-task',
      baseSourceId: base.id,
      externalId: 'ext-id-42',
      durationSeconds: 7200,
      tags: { team: 'orders', env: 'local' },
    });
    const t0 = Date.now();
    const creds = await broker.get(src.id);
    expect(creds).toMatchObject({ roleArn: 'arn:aws:iam::111122223333:role/service/orders/orders-task', accountId: '111122223333' });
    expect(creds!.expiration!.getTime()).toBeGreaterThanOrEqual(t0 + 7200_000 - 2000);
    expect(sts.calls).toHaveLength(1);
    expect(sts.calls[0]!.accessKeyId).toBe(LONG_TERM.accessKeyId);
    expect(sts.calls[0]!.params).toEqual({
      RoleArn: 'arn:aws:iam::111122223333:role/service/orders/orders-task',
      RoleSessionName: 'ecs-endpoints-orders-task',
      DurationSeconds: '7200',
      ExternalId: 'ext-id-42',
      'Tags.member.1.Key': 'team',
      'Tags.member.1.Value': 'orders',
      'Tags.member.2.Key': 'env',
      'Tags.member.2.Value': 'local',
    });
  });

  it('uses DurationSeconds 3600 and a stable session name by default', async () => {
    const { sts, registry, broker, base } = await withBase();
    const src = registry.create({ type: 'assume-role', name: 'Plain', roleArn: 'arn:aws:iam::111122223333:role/plain', baseSourceId: base.id, sessionName: 'me@laptop' });
    await broker.get(src.id);
    expect(sts.calls[0]!.params).toMatchObject({ DurationSeconds: '3600', RoleSessionName: 'me@laptop' });
  });

  it("assumes a role by name in the base identity's account and partition", async () => {
    const { sts, registry, broker, base } = await withBase();
    sts.registerKey(LONG_TERM.accessKeyId, 'arn:aws-cn:iam::444455556666:user/dev');
    const src = registry.create({ type: 'assume-role', name: 'By name', roleName: 'reader', baseSourceId: base.id });
    const creds = await broker.get(src.id);
    expect(sts.calls.map((c) => c.action)).toEqual(['GetCallerIdentity', 'AssumeRole']);
    expect(sts.calls[1]!.params.RoleArn).toBe('arn:aws-cn:iam::444455556666:role/reader');
    expect(creds!.roleArn).toBe('arn:aws-cn:iam::444455556666:role/reader');
  });

  it('maps an STS refusal to AccessDenied with a remedy', async () => {
    const { sts, registry, broker, base } = await withBase();
    sts.setMode('deny');
    const src = registry.create({ type: 'assume-role', name: 'Denied', roleArn: 'arn:aws:iam::111122223333:role/x', baseSourceId: base.id });
    const err = (await broker.get(src.id).catch((e: unknown) => e)) as CredentialError;
    expect(err).toBeInstanceOf(CredentialError);
    expect(err.code).toBe('AccessDenied');
    expect(err.remedy).toMatch(/trust policy/);
    expect(JSON.stringify(err.toJSON())).not.toContain(LONG_TERM.secretAccessKey);
  });

  it('chains: a role assumed from another assumed role uses the first role’s credentials', async () => {
    const { sts, registry, broker, base } = await withBase();
    const first = registry.create({ type: 'assume-role', name: 'First', roleArn: 'arn:aws:iam::111122223333:role/first', baseSourceId: base.id });
    const second = registry.create({ type: 'assume-role', name: 'Second', roleArn: 'arn:aws:iam::111122223333:role/second', baseSourceId: first.id });
    const firstCreds = await broker.get(first.id);
    await broker.get(second.id);
    expect(sts.calls).toHaveLength(2); // the first role came from the cache
    expect(sts.calls[1]).toMatchObject({ action: 'AssumeRole', accessKeyId: firstCreds!.accessKeyId });
  });

  it('role-arn:<arn> specs assume the role from the backend’s own default chain', async () => {
    const sts = await stub();
    setEnv('AWS_ACCESS_KEY_ID', 'AKIAENVIRONMENT00001');
    setEnv('AWS_SECRET_ACCESS_KEY', 'env-secret');
    const { registry, broker } = setup({ sts, defaultSpec: 'role-arn:arn:aws:iam::111122223333:role/from-env' });
    const creds = await broker.get('default');
    expect(creds!.roleArn).toBe('arn:aws:iam::111122223333:role/from-env');
    expect(sts.calls[0]).toMatchObject({ action: 'AssumeRole', accessKeyId: 'AKIAENVIRONMENT00001' });
    expect(registry.get('default')!.summary).toContain("from the backend's default credentials");
  });

  it('role-arn:<arn> specs fail clearly when the backend has no credentials of its own', async () => {
    const sts = await stub();
    for (const name of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE', 'AWS_CONFIG_FILE', 'AWS_SHARED_CREDENTIALS_FILE', 'AWS_WEB_IDENTITY_TOKEN_FILE', 'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI', 'AWS_CONTAINER_CREDENTIALS_FULL_URI']) {
      setEnv(name, undefined);
    }
    setEnv('HOME', tempDir('ecs-home-'));
    setEnv('AWS_EC2_METADATA_DISABLED', 'true');
    const { broker } = setup({ sts, defaultSpec: 'role-arn:arn:aws:iam::111122223333:role/from-env' });
    await expect(broker.get('default')).rejects.toMatchObject({ code: 'InvalidSource', remedy: expect.stringContaining('AWS_PROFILE') });
    expect(sts.callCount()).toBe(0);
  });
});

describe('static source', () => {
  it('exchanges long-term keys with GetSessionToken so containers see only temporary credentials', async () => {
    const sts = await stub();
    const { registry, broker } = setup({ sts });
    const src = registry.create({ type: 'static', name: 'Mine', ...LONG_TERM });
    const creds = await broker.get(src.id);
    expect(creds!.accessKeyId).toMatch(/^ASIA/);
    expect(creds!.accessKeyId).not.toBe(LONG_TERM.accessKeyId);
    expect(creds!.sessionToken).toBeTruthy();
    expect(sts.calls).toEqual([expect.objectContaining({ action: 'GetSessionToken', accessKeyId: LONG_TERM.accessKeyId })]);
  });

  it('serves keys that already carry a session token as they are, with a one-hour rolling expiration', async () => {
    const sts = await stub();
    const t = Date.now();
    const { registry, broker } = setup({ sts, now: () => t });
    const src = registry.create({ type: 'static', name: 'Session', accessKeyId: 'ASIASESSION000000001', secretAccessKey: 's', sessionToken: 'tok' });
    const creds = await broker.get(src.id);
    expect(creds).toMatchObject({ accessKeyId: 'ASIASESSION000000001', secretAccessKey: 's', sessionToken: 'tok' });
    expect(creds!.expiration!.getTime()).toBe(t + HOUR);
    expect(sts.callCount()).toBe(0);
  });
});

describe('fake source', () => {
  it('is deterministic per (source, family), clearly fake, and needs no network', async () => {
    // An STS endpoint that refuses connections: fake must not notice.
    const dead = await stub();
    const url = dead.url;
    await dead.close();
    const t = Date.now();
    const { registry, broker } = setup({ stsEndpoint: url, now: () => t });

    const a = await broker.get('fake', { family: 'orders' });
    const b = await broker.get('fake', { family: 'orders' });
    const other = await broker.get('fake', { family: 'billing' });
    expect(a).toEqual(b);
    expect(a!.accessKeyId).toMatch(/^ASIAFAKE[0-9A-F]{12}$/);
    expect(a!.secretAccessKey).toMatch(/fake/i);
    expect(a!.sessionToken).toMatch(/fake/i);
    expect(a!.roleArn).toBe('arn:aws:iam::000000000000:role/orders-task-role');
    expect(a!.expiration!.getTime()).toBe(t + 6 * HOUR);
    expect(other!.accessKeyId).not.toBe(a!.accessKeyId);
    expect(other!.roleArn).toBe('arn:aws:iam::000000000000:role/billing-task-role');
    expect((await broker.get('fake'))!.roleArn).toBe('arn:aws:iam::000000000000:role/local-task-role');

    // Same values from a fresh broker (deterministic, not random per process).
    const again = setup({ stsEndpoint: url, now: () => t });
    expect(await again.broker.get('fake', { family: 'orders' })).toEqual(a);

    // A user fake source with its own role ARN, and different keys from the built-in.
    const mine = registry.create({ type: 'fake', name: 'Fake orders', roleArn: 'arn:aws:iam::999988887777:role/orders' });
    const m = await broker.get(mine.id, { family: 'orders' });
    expect(m).toMatchObject({ roleArn: 'arn:aws:iam::999988887777:role/orders', accountId: '999988887777' });
    expect(m!.accessKeyId).not.toBe(a!.accessKeyId);

    expect(await broker.test('fake')).toMatchObject({ ok: true, account: '000000000000', arn: 'arn:aws:iam::000000000000:role/local-task-role' });
  });
});

describe('none source', () => {
  it('resolves to null, and testing it says it serves no credentials', async () => {
    const { broker } = setup();
    expect(await broker.get('none')).toBeNull();
    const result = await broker.test('none');
    expect(result.ok).toBe(false);
    expect(result.error).toMatch(/serves no credentials/);
    expect(result.remedy).toBeTruthy();
  });

  it('the default source follows ECS_ENDPOINTS_DEFAULT_SOURCE (none unless configured)', async () => {
    expect(await setup().broker.get('default')).toBeNull();
    const fake = await setup({ defaultSpec: 'fake' }).broker.get('default', { family: 'web' });
    expect(fake!.roleArn).toBe('arn:aws:iam::000000000000:role/web-task-role');
  });

  it('an unknown source id is SourceNotFound', async () => {
    const { broker } = setup();
    await expect(broker.get('no-such-source')).rejects.toMatchObject({ code: 'SourceNotFound' });
    expect(await broker.test('no-such-source')).toMatchObject({ ok: false });
  });
});
