import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CredentialError } from '../../../src/credentials/index.ts';
import { SourceFactory } from '../../../src/credentials/source-factory.ts';
import { LONG_TERM, awsDir, logLines, onCleanup, setup, stub, until } from './helpers.ts';

const MIN = 60_000;

/** A profile with static keys (no STS) as the base, and an assume-role source on top: one STS call per fetch. */
async function roleSetup(opts: Parameters<typeof setup>[0] = {}) {
  const sts = opts.sts ?? (await stub()); // opts.stsEndpoint, when given, overrides its URL
  const dir = awsDir({ credentials: `[base]\naws_access_key_id = ${LONG_TERM.accessKeyId}\naws_secret_access_key = ${LONG_TERM.secretAccessKey}\n` });
  const s = setup({ sts, awsConfigDir: dir, ...opts });
  const base = s.registry.create({ type: 'profile', name: 'Base', profile: 'base' });
  const role = s.registry.create({ type: 'assume-role', name: 'Task role', roleArn: 'arn:aws:iam::111122223333:role/task', baseSourceId: base.id });
  return { sts, ...s, base, role };
}

describe('single-flight', () => {
  it('50 concurrent requests for a cold source cause exactly one STS call', async () => {
    const { sts, broker, role } = await roleSetup();
    const results = await Promise.all(Array.from({ length: 50 }, () => broker.get(role.id, { family: 'web' })));
    expect(sts.callCount()).toBe(1);
    expect(new Set(results.map((c) => c!.accessKeyId)).size).toBe(1);
    // And the cache answers afterwards.
    await broker.get(role.id);
    expect(sts.callCount()).toBe(1);
  });

  it('50 concurrent requests for a cold static source cause one GetSessionToken', async () => {
    const sts = await stub();
    const { registry, broker } = setup({ sts });
    const src = registry.create({ type: 'static', name: 'Keys', ...LONG_TERM });
    await Promise.all(Array.from({ length: 50 }, () => broker.get(src.id)));
    expect(sts.calls.map((c) => c.action)).toEqual(['GetSessionToken']);
  });
});

describe('refresh ahead of expiry', () => {
  it('refreshes in the background inside the refresh-ahead window and never serves credentials expiring within 15 minutes', async () => {
    let t = Date.now();
    const now = () => t;
    const sts = await stub({ now });
    const { broker, role } = await roleSetup({ sts, now });

    const first = await broker.get(role.id);
    expect(first!.expiration!.getTime()).toBe(Math.floor((t + 60 * MIN) / 1000) * 1000);
    expect(sts.callCount()).toBe(1);

    // 20 minutes later: 40 minutes left, outside the 30-minute window: cache, no STS call.
    t += 20 * MIN;
    expect((await broker.get(role.id))!.accessKeyId).toBe(first!.accessKeyId);
    expect(sts.callCount()).toBe(1);

    // 35 minutes after the fetch: 25 minutes left. Still served from cache, a refresh starts in the background.
    t += 15 * MIN;
    expect((await broker.get(role.id))!.accessKeyId).toBe(first!.accessKeyId);
    await until(() => broker.status(role.id).lastRefresh === new Date(t).toISOString().replace(/\.\d+Z$/, 'Z'), 3000, 'background refresh');
    expect(sts.callCount()).toBe(2);
    const second = await broker.get(role.id);
    expect(second!.accessKeyId).not.toBe(first!.accessKeyId);

    // Now the stub issues 20-minute credentials. Past the window, a caller must wait for a fresh
    // fetch rather than receive credentials with less than 15 minutes left.
    sts.setExpiresInSeconds(20 * 60);
    t += 46 * MIN; // `second` has 14 minutes left
    const third = await broker.get(role.id);
    expect(sts.callCount()).toBe(3);
    expect(third!.accessKeyId).not.toBe(second!.accessKeyId);
    expect(third!.expiration!.getTime() - t).toBeGreaterThan(15 * MIN);

    // 6 minutes later the 20-minute credentials have 14 minutes left: refreshed before anyone sees them.
    t += 6 * MIN;
    const fourth = await broker.get(role.id);
    expect(sts.callCount()).toBe(4);
    expect(fourth!.expiration!.getTime() - t).toBeGreaterThan(15 * MIN);
  });

  it('concurrent callers during an awaited refresh share it', async () => {
    let t = Date.now();
    const now = () => t;
    const sts = await stub({ now });
    const { broker, role } = await roleSetup({ sts, now });
    await broker.get(role.id);
    t += 50 * MIN;
    await Promise.all(Array.from({ length: 20 }, () => broker.get(role.id)));
    expect(sts.callCount()).toBe(2);
  });

  it('serves still-valid cached credentials when a refresh fails, and reports the error in status()', async () => {
    let t = Date.now();
    const now = () => t;
    const sts = await stub({ now });
    const { broker, role } = await roleSetup({ sts, now });
    const first = await broker.get(role.id);
    sts.setMode('deny');
    t += 50 * MIN; // 10 minutes left: an awaited refresh, which fails
    expect((await broker.get(role.id))!.accessKeyId).toBe(first!.accessKeyId);
    const status = broker.status(role.id);
    expect(status.lastError).toMatchObject({ code: 'AccessDenied' });
    expect(status.cachedUntil).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    // Once they are expired, the error reaches the caller.
    t += 11 * MIN;
    await expect(broker.get(role.id)).rejects.toMatchObject({ code: 'AccessDenied' });
  });
});

describe('bounded fetches', () => {
  it('an STS that never answers yields StsTimeout within timeoutMs plus slack', async () => {
    const { sts, broker, role } = await roleSetup({ timeoutMs: 1500 });
    sts.setMode('hang');
    const started = Date.now();
    const err = (await broker.get(role.id).catch((e: unknown) => e)) as CredentialError;
    const elapsed = Date.now() - started;
    expect(err).toBeInstanceOf(CredentialError);
    expect(err.code).toBe('StsTimeout');
    expect(err.message).toContain(sts.url);
    expect(err.remedy).toMatch(/ECS_ENDPOINTS_STS_TIMEOUT_MS/);
    expect(elapsed).toBeGreaterThanOrEqual(1400);
    expect(elapsed).toBeLessThan(3000);
  });

  it('many callers of a hanging source all get the error once, from one STS call', async () => {
    const { sts, broker, role } = await roleSetup({ timeoutMs: 1000 });
    sts.setMode('hang');
    const results = await Promise.allSettled(Array.from({ length: 20 }, () => broker.get(role.id)));
    expect(results.every((r) => r.status === 'rejected' && (r.reason as CredentialError).code === 'StsTimeout')).toBe(true);
    expect(sts.callCount()).toBe(1);
  });

  it('a source the SDK cannot abort (a credential_process that never ends) is bounded too', async () => {
    const dir = awsDir({});
    const pidFile = join(dir, 'pid');
    const script = join(dir, 'stuck.sh');
    writeFileSync(script, `#!/bin/sh\necho $$ > ${pidFile}\nexec sleep 60\n`);
    chmodSync(script, 0o755);
    writeFileSync(join(dir, 'config'), `[profile stuck]\ncredential_process = ${script}\n`);
    onCleanup(() => {
      if (existsSync(pidFile)) {
        try {
          process.kill(Number(readFileSync(pidFile, 'utf8').trim()));
        } catch {
          // already gone
        }
      }
    });
    const { registry, broker } = setup({ awsConfigDir: dir, timeoutMs: 1000 });
    const src = registry.create({ type: 'profile', name: 'Stuck', profile: 'stuck' });
    const started = Date.now();
    await expect(broker.get(src.id)).rejects.toMatchObject({ code: 'StsTimeout', message: expect.stringContaining('credential_process') });
    expect(Date.now() - started).toBeLessThan(2500);
  });

  it('an unreachable STS yields StsUnreachable quickly', async () => {
    const dead = await stub();
    const url = dead.url;
    await dead.close();
    const { broker, role } = await roleSetup({ stsEndpoint: url, timeoutMs: 3000 });
    const started = Date.now();
    const err = (await broker.get(role.id).catch((e: unknown) => e)) as CredentialError;
    expect(err.code).toBe('StsUnreachable');
    expect(err.message).toContain(url);
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('a failure is answered from memory for a moment, then the next request retries', async () => {
    let t = Date.now();
    const sts = await stub();
    const { broker, role } = await roleSetup({ sts, now: () => t, failureTtlMs: 2000 });
    sts.setMode('deny');
    await expect(broker.get(role.id)).rejects.toMatchObject({ code: 'AccessDenied' });
    await expect(broker.get(role.id)).rejects.toMatchObject({ code: 'AccessDenied' });
    expect(sts.callCount()).toBe(1);
    sts.setMode('normal');
    t += 2001;
    expect((await broker.get(role.id))!.accessKeyId).toMatch(/^ASIA/);
    expect(sts.callCount()).toBe(2);
    expect(broker.status(role.id).lastError).toBeUndefined();
  });
});

describe('invalidate, status and test', () => {
  it('invalidate drops the cache of a source and of the sources built on it', async () => {
    const { sts, broker, base, role } = await roleSetup();
    const before = await broker.get(role.id);
    broker.invalidate(base.id);
    expect(broker.status(role.id)).toEqual({});
    const after = await broker.get(role.id);
    expect(after!.accessKeyId).not.toBe(before!.accessKeyId);
    expect(sts.callCount()).toBe(2);
  });

  it('an edit takes effect on the next request', async () => {
    const { sts, registry, broker, base, role } = await roleSetup();
    await broker.get(role.id);
    registry.update(role.id, { type: 'assume-role', name: 'Task role', roleArn: 'arn:aws:iam::111122223333:role/other', baseSourceId: base.id });
    broker.invalidate(role.id);
    expect((await broker.get(role.id))!.roleArn).toBe('arn:aws:iam::111122223333:role/other');
    expect(sts.calls[1]!.params.RoleArn).toBe('arn:aws:iam::111122223333:role/other');
  });

  it('test() resolves the source and calls GetCallerIdentity with its credentials', async () => {
    const { sts, broker, role } = await roleSetup();
    const result = await broker.test(role.id);
    expect(result).toMatchObject({
      ok: true,
      account: '111122223333',
      arn: 'arn:aws:sts::111122223333:assumed-role/task/ecs-endpoints-task-role',
      userId: expect.stringMatching(/^AROA.*:ecs-endpoints-task-role$/),
      expiration: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
    });
    expect(sts.calls.map((c) => c.action)).toEqual(['AssumeRole', 'GetCallerIdentity']);
    const served = await broker.get(role.id);
    expect(sts.calls[1]!.accessKeyId).toBe(served!.accessKeyId);
  });

  it('test() retries at once even while a failure is remembered', async () => {
    const { sts, broker, role } = await roleSetup();
    sts.setMode('deny');
    await expect(broker.get(role.id)).rejects.toBeInstanceOf(CredentialError);
    sts.setMode('normal');
    await expect(broker.get(role.id)).rejects.toMatchObject({ code: 'AccessDenied' }); // remembered
    expect((await broker.test(role.id)).ok).toBe(true);
  });

  it('test() reports an STS that does not answer as an error with a remedy, within the bound', async () => {
    const sts = await stub();
    sts.setMode('hang');
    const { registry, broker } = setup({ sts, timeoutMs: 800 });
    const keys = registry.create({ type: 'static', name: 'Keys', ...LONG_TERM });
    const started = Date.now();
    const result = await broker.test(keys.id);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(result).toMatchObject({ ok: false, error: expect.stringContaining('no answer'), remedy: expect.stringContaining('reachable') });
  });

  it('never logs or returns a secret', async () => {
    const lines = logLines();
    const sts = await stub();
    const { registry, broker } = setup({ sts });
    const src = registry.create({ type: 'static', name: 'Keys', ...LONG_TERM });
    const creds = await broker.get(src.id);
    sts.setMode('deny');
    broker.invalidate(src.id);
    const result = await broker.test(src.id);
    const everything = [...lines, JSON.stringify(result), JSON.stringify(broker.status(src.id)), JSON.stringify(registry.list())].join('\n');
    expect(result.ok).toBe(false);
    expect(lines.length).toBeGreaterThan(0);
    for (const secret of [LONG_TERM.secretAccessKey, creds!.secretAccessKey, creds!.sessionToken!]) expect(everything).not.toContain(secret);
  });
});

describe('resolving a source id', () => {
  it('reuses the resolved source while the sources stay as they are, and resolves again after any change', async () => {
    const { sts, registry, broker } = await roleSetup();
    const factory = new SourceFactory({ registry, sts: { region: 'us-east-1', endpoint: sts.url, timeoutMs: 1000 }, awsFiles: { config: '', credentials: '' }, credentials: (id) => broker.get(id) });
    const keys = registry.create({ type: 'static', name: 'Keys', accessKeyId: LONG_TERM.accessKeyId, secretAccessKey: LONG_TERM.secretAccessKey });
    const first = factory.sourceFor(keys.id);
    expect(factory.sourceFor(keys.id).source).toBe(first.source);
    expect(factory.sourceFor('fake').source).toBe(factory.sourceFor('fake').source);
    // An edit through the registry alone (no invalidate) is seen: the document changed.
    registry.update(keys.id, { type: 'static', name: 'Keys', accessKeyId: 'AKIAOTHEREXAMPLE0000', secretAccessKey: LONG_TERM.secretAccessKey });
    const edited = factory.sourceFor(keys.id);
    expect(edited.source).not.toBe(first.source);
    expect(edited.record).toMatchObject({ input: { accessKeyId: 'AKIAOTHEREXAMPLE0000' } });
    // A deleted source is not served from the memo.
    registry.delete(keys.id);
    expect(() => factory.sourceFor(keys.id)).toThrow(CredentialError);
  });
});
