import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { CredentialError } from '../../../src/credentials/index.ts';
import { awsDir, setEnv, setup, stub, tempDir } from './helpers.ts';

/**
 * SSO through the SDK's own providers: the SSO portal (GetRoleCredentials) is the stub, reached
 * through the SDK's standard AWS_ENDPOINT_URL_SSO; the token cache is $HOME/.aws/sso/cache, where
 * the SDK always looks. This file changes HOME and AWS_ENDPOINT_URL_SSO and restores them.
 */

const CONFIG = [
  '[profile sso-dev]',
  'sso_session = my-sso',
  'sso_account_id = 111122223333',
  'sso_role_name = Developer',
  'region = us-east-1',
  '',
  '[profile sso-legacy]',
  'sso_start_url = https://legacy.awsapps.com/start',
  'sso_region = us-east-1',
  'sso_account_id = 222233334444',
  'sso_role_name = ReadOnly',
  '',
  '[sso-session my-sso]',
  'sso_start_url = https://example.awsapps.com/start',
  'sso_region = us-east-1',
  'sso_registration_scopes = sso:account:access',
  '',
].join('\n');

let home: string;

/** Write the token `aws sso login` would have cached for a session name (or legacy start URL). */
function cacheToken(key: string, expiresAt: Date): void {
  const dir = join(home, '.aws', 'sso', 'cache');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${createHash('sha1').update(key).digest('hex')}.json`);
  writeFileSync(file, JSON.stringify({ startUrl: 'https://example.awsapps.com/start', region: 'us-east-1', accessToken: 'sso-access-token', expiresAt: expiresAt.toISOString() }));
}

beforeEach(async () => {
  home = tempDir('ecs-home-');
  setEnv('HOME', home);
});

async function ssoSetup() {
  const sso = await stub();
  setEnv('AWS_ENDPOINT_URL_SSO', sso.url);
  // The profiles live in a configured directory that is not $HOME/.aws.
  const dir = awsDir({ config: CONFIG });
  const s = setup({ awsConfigDir: dir, timeoutMs: 3000 });
  return { sso, ...s };
}

describe('profile source with SSO', () => {
  it('gets role credentials from the SSO portal for an sso_session profile', async () => {
    const { sso, registry, broker } = await ssoSetup();
    cacheToken('my-sso', new Date(Date.now() + 3600_000));
    const src = registry.create({ type: 'profile', name: 'SSO dev', profile: 'sso-dev' });
    const creds = await broker.get(src.id);
    expect(creds!.accessKeyId).toMatch(/^ASIA/);
    expect(creds!.sessionToken).toBeTruthy();
    expect(creds!.expiration!.getTime()).toBeGreaterThan(Date.now() + 50 * 60_000);
    expect(sso.calls).toEqual([{ action: 'GetRoleCredentials', params: { account_id: '111122223333', role_name: 'Developer' } }]);
  });

  it('gets role credentials for a legacy SSO profile (token cached by start URL)', async () => {
    const { sso, registry, broker } = await ssoSetup();
    cacheToken('https://legacy.awsapps.com/start', new Date(Date.now() + 3600_000));
    const src = registry.create({ type: 'profile', name: 'SSO legacy', profile: 'sso-legacy' });
    expect((await broker.get(src.id))!.accessKeyId).toMatch(/^ASIA/);
    expect(sso.calls[0]!.params).toEqual({ account_id: '222233334444', role_name: 'ReadOnly' });
  });

  it('an expired SSO token is SsoSessionExpired with the aws sso login remedy, without calling the portal', async () => {
    const { sso, registry, broker } = await ssoSetup();
    cacheToken('my-sso', new Date(Date.now() - 60_000));
    const src = registry.create({ type: 'profile', name: 'SSO dev', profile: 'sso-dev' });
    const err = (await broker.get(src.id).catch((e: unknown) => e)) as CredentialError;
    expect(err).toBeInstanceOf(CredentialError);
    expect(err.code).toBe('SsoSessionExpired');
    expect(err.remedy).toBe('Sign in to sso-dev on the Sources tab (AWS profiles), or run `aws sso login --profile sso-dev` on the host, then retry.');
    expect(sso.callCount()).toBe(0);
  });

  it('a missing SSO token is SsoSessionExpired too', async () => {
    const { registry, broker } = await ssoSetup();
    const src = registry.create({ type: 'profile', name: 'SSO dev', profile: 'sso-dev' });
    await expect(broker.get(src.id)).rejects.toMatchObject({ code: 'SsoSessionExpired', remedy: expect.stringContaining('aws sso login --profile sso-dev') });
    const legacy = registry.create({ type: 'profile', name: 'SSO legacy', profile: 'sso-legacy' });
    await expect(broker.get(legacy.id)).rejects.toMatchObject({ code: 'SsoSessionExpired', remedy: expect.stringContaining('aws sso login --profile sso-legacy') });
  });

  it('a token the portal refuses is SsoSessionExpired', async () => {
    const { sso, registry, broker } = await ssoSetup();
    cacheToken('my-sso', new Date(Date.now() + 3600_000));
    sso.setMode('deny');
    const src = registry.create({ type: 'profile', name: 'SSO dev', profile: 'sso-dev' });
    await expect(broker.get(src.id)).rejects.toMatchObject({ code: 'SsoSessionExpired' });
    expect(sso.callCount('GetRoleCredentials')).toBeGreaterThanOrEqual(1);
  });
});
