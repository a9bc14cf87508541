import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SsoSignIn } from '../../../src/credentials/sso/sign-in.ts';
import { SignInError } from '../../../src/credentials/sso/session.ts';
import { SsoTokenStore } from '../../../src/credentials/sso/token-store.ts';
import { renewAt, retryDelay } from '../../../src/credentials/sso/renewal.ts';
import { describeProfiles } from '../../../src/credentials/profiles.ts';
import { awsFilePaths } from '../../../src/credentials/index.ts';
import { eventually } from '../../support/backend.ts';
import { startSsoOidcStub, type SsoOidcStub, type SsoOidcStubOptions } from '../../support/sso-oidc-stub.ts';
import { awsDir, logLines, onCleanup, setEnv, setup, stub, tempDir } from './helpers.ts';

/**
 * Signing in to SSO from the dashboard against stand-ins reached through the SDKs' standard
 * variables: SSO OIDC (AWS_ENDPOINT_URL_SSO_OIDC: register, device authorization, CreateToken) and
 * the SSO portal (AWS_ENDPOINT_URL_SSO: GetRoleCredentials, taking only the OIDC stand-in's live
 * tokens). HOME is a fresh folder, so the AWS CLI's token cache is empty unless a test writes it.
 */

const START_URL = 'https://example.awsapps.com/start';
const CONFIG = [
  '[profile dev]', 'sso_session = corp', 'sso_account_id = 111122223333', 'sso_role_name = Developer', 'region = eu-west-1', '',
  '[profile legacy]', `sso_start_url = ${START_URL}`, 'sso_region = eu-west-1', 'sso_account_id = 222233334444', 'sso_role_name = ReadOnly', '',
  '[profile keys]', 'aws_access_key_id = AKIAIOSFODNN7EXAMPLE', 'aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', '',
  '[sso-session corp]', `sso_start_url = ${START_URL}`, 'sso_region = eu-west-1', 'sso_registration_scopes = sso:account:access', '',
].join('\n');

async function world(opts: SsoOidcStubOptions = {}, config = CONFIG) {
  const home = tempDir('ecs-home-');
  setEnv('HOME', home);
  const oidc = await startSsoOidcStub(opts);
  onCleanup(() => oidc.close());
  const portal = await stub({ ssoTokenValid: (t) => oidc.accepts(t) });
  setEnv('AWS_ENDPOINT_URL_SSO_OIDC', oidc.url);
  setEnv('AWS_ENDPOINT_URL_SSO', portal.url);
  const dir = awsDir({ config });
  const state = tempDir('ecs-sso-state-');
  const store = new SsoTokenStore(state);
  const signIn = new SsoSignIn({ store, awsFiles: awsFilePaths(dir), timeoutMs: 1500 });
  const s = setup({ awsConfigDir: dir, timeoutMs: 2000, ssoRoleToken: (p) => signIn.roleToken(p) });
  signIn.resume();
  onCleanup(() => signIn!.stop());
  return { ...s, stateDir: state, oidc, portal, home, signIn, store, files: s.broker.awsConfigFiles };
}

async function signedIn(w: { signIn: SsoSignIn; oidc: SsoOidcStub }, profile = 'dev') {
  const start = await w.signIn.start(profile);
  w.oidc.approve(start.userCode);
  await eventually(async () => (await w.signIn.status(profile)).state === 'signed-in', 10_000, 'signed in');
  return start;
}

/** A port nothing listens on (bound, then closed). */
async function deadPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

describe('SSO sign-in from the dashboard (device authorization)', () => {
  it('starts, waits for approval at the polling interval, keeps the token owner-only, and serves role credentials with it', async () => {
    const w = await world({ intervalSeconds: 1 });
    const start = await w.signIn.start('dev');
    expect(start.userCode).toBe(w.oidc.userCodes()[0]);
    expect(start.verificationUriComplete).toBe(`${w.oidc.url}/verify?user_code=${start.userCode}`);
    expect(Date.parse(start.expiresAt)).toBeGreaterThan(Date.now() + 500_000);
    expect(await w.signIn.status('dev')).toMatchObject({ state: 'pending', userCode: start.userCode });
    // Not approved yet: a few polls answered AuthorizationPending, none too fast.
    await eventually(() => w.oidc.calls.filter((c) => c.action === 'CreateToken').length >= 2, 5000, 'two polls');
    expect((await w.signIn.status('dev')).state).toBe('pending');
    w.oidc.approve(start.userCode);
    await eventually(async () => (await w.signIn.status('dev')).state === 'signed-in', 5000, 'signed in');
    expect(w.oidc.slowDowns).toBe(0);
    expect(w.oidc.calls.map((c) => c.action).slice(0, 2)).toEqual(['RegisterClient', 'StartDeviceAuthorization']);

    const status = await w.signIn.status('dev');
    expect(status).toMatchObject({ state: 'signed-in', renewable: true });
    expect(Date.parse(status.validUntil!)).toBeGreaterThan(Date.now() + 3500_000);

    const file = join(w.stateDir, 'sso-tokens.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'utf8')).toContain(w.oidc.issued[0]);
    // Never in the person's ~/.aws, never in the log or the status.
    expect(existsSync(join(w.home, '.aws'))).toBe(false);
    expect(logLines().join('\n')).not.toContain(w.oidc.issued[0]);
    expect(JSON.stringify(status)).not.toContain(w.oidc.issued[0]);

    const src = w.registry.create({ type: 'profile', name: 'Dev', profile: 'dev' });
    const creds = await w.broker.get(src.id);
    expect(creds!.accessKeyId).toMatch(/^ASIA/);
    expect(creds!.accountId).toBe('111122223333');
    expect(w.portal.calls).toEqual([{ action: 'GetRoleCredentials', params: { account_id: '111122223333', role_name: 'Developer' } }]);
    expect(w.oidc.used).toEqual([0]);

    const [dev] = await describeProfiles(w.files, Date.now(), undefined, (k, u) => w.signIn.keptToken(k, u));
    expect(dev).toMatchObject({ name: 'dev', kind: 'sso', state: 'signed-in', signedInFrom: 'dashboard' });
  });

  it('renews the token with its own timer before it expires; role credentials then come with the new token', async () => {
    const w = await world({ tokenSeconds: 4 });
    await signedIn(w);
    const first = w.store.token('corp')!;
    const expiresAt = Date.parse(first.expiresAt);
    await eventually(() => w.oidc.calls.some((c) => c.grantType === 'refresh_token'), 6000, 'a refresh');
    const refresh = w.oidc.calls.find((c) => c.grantType === 'refresh_token')!;
    expect(refresh.at).toBeLessThan(expiresAt);
    await eventually(() => w.store.token('corp')!.accessToken === w.oidc.issued[1], 3000, 'the renewed token kept');
    expect((await w.signIn.status('dev')).renewedAt).toBeDefined();
    // After the first token expired, the portal takes only the new one.
    await eventually(() => Date.now() > expiresAt, 6000, 'the first token expired');
    expect(w.oidc.accepts(w.oidc.issued[0]!)).toBe(false);
    const src = w.registry.create({ type: 'profile', name: 'Dev', profile: 'dev' });
    expect((await w.broker.get(src.id))!.accessKeyId).toMatch(/^ASIA/);
    expect(w.oidc.used.at(-1)).toBeGreaterThanOrEqual(1);
  }, 20_000);

  it('a refresh token refused for good stops renewal and says to sign in again; the token is kept until it expires', async () => {
    const w = await world({ tokenSeconds: 4 });
    await signedIn(w);
    w.oidc.setMode('revoke-refresh');
    await eventually(async () => (await w.signIn.status('dev')).renewError, 6000, 'the renewal error');
    const s = await w.signIn.status('dev');
    expect(s).toMatchObject({ state: 'signed-in', renewable: false, renewError: expect.stringContaining('InvalidGrantException') });
    const refreshes = w.oidc.calls.filter((c) => c.grantType === 'refresh_token').length;
    await eventually(async () => (await w.signIn.status('dev')).state === 'expired', 6000, 'expired');
    expect((await w.signIn.status('dev')).message).toContain('Sign in again');
    expect(w.oidc.calls.filter((c) => c.grantType === 'refresh_token').length).toBe(refreshes);
  }, 20_000);

  it('an SSO OIDC endpoint that does not answer: a 502 naming the endpoint and what to check; the signed-in state stays', async () => {
    const w = await world();
    await signedIn(w);
    const before = w.store.token('corp');
    const dead = `http://127.0.0.1:${await deadPort()}`;
    setEnv('AWS_ENDPOINT_URL_SSO_OIDC', dead);
    const err = (await w.signIn.start('dev').catch((e: unknown) => e)) as SignInError;
    expect(err).toBeInstanceOf(SignInError);
    expect(err.status).toBe(502);
    expect(err.message).toContain(`at ${dead} did not answer`);
    expect(err.remedy).toContain('sso_region (eu-west-1) and sso_start_url (https://example.awsapps.com/start) in [sso-session corp]');
    expect(err.remedy).toContain('Nothing was changed.');
    expect(w.store.token('corp')).toEqual(before);
    expect((await w.signIn.status('dev')).state).toBe('signed-in');
  });

  it('an endpoint that accepts and never answers fails within the bound, the same way', async () => {
    const w = await world();
    w.oidc.setMode('hang');
    const t0 = Date.now();
    const err = (await w.signIn.start('dev').catch((e: unknown) => e)) as SignInError;
    expect(err).toMatchObject({ kind: 'unreachable', message: expect.stringContaining(`${w.oidc.url} did not answer`) });
    expect(Date.now() - t0).toBeLessThan(8000);
    expect((await w.signIn.status('dev')).state).toBe('none');
  });

  it('a start URL the service does not know: refused, with what to check', async () => {
    const w = await world({ startUrls: ['https://other.awsapps.com/start'] });
    const err = (await w.signIn.start('dev').catch((e: unknown) => e)) as SignInError;
    expect(err).toMatchObject({ kind: 'refused', status: 502 });
    expect(err.message).toContain('refused starting the sign-in for https://example.awsapps.com/start (InvalidRequestException');
    expect(err.remedy).toContain('Check sso_start_url and sso_region in [sso-session corp]');
  });

  it('unknown and non-SSO profiles are refused with what to do', async () => {
    const w = await world();
    await expect(w.signIn.start('nope')).rejects.toMatchObject({ kind: 'unknown-profile', status: 404 });
    await expect(w.signIn.start('keys')).rejects.toMatchObject({ kind: 'not-sso', status: 400, message: expect.stringContaining('"keys" is not an SSO profile') });
    expect(w.oidc.calls).toEqual([]);
  });

  it('denied in the browser: failed; cancelled: stops polling', async () => {
    const w = await world();
    const a = await w.signIn.start('dev');
    w.oidc.deny(a.userCode);
    await eventually(async () => (await w.signIn.status('dev')).state === 'failed', 5000, 'failed');
    expect((await w.signIn.status('dev')).message).toContain('denied');
    await w.signIn.start('dev');
    w.signIn.cancel('dev');
    expect((await w.signIn.status('dev')).state).toBe('cancelled');
    const polls = w.oidc.calls.length;
    await new Promise((r) => setTimeout(r, 1500)); // longer than the interval: no poll may come
    expect(w.oidc.calls.length).toBe(polls);
  });

  it('a legacy profile (start URL as the key) signs in without renewal; a newer AWS CLI token wins over the backend\'s', async () => {
    const w = await world();
    await signedIn(w, 'legacy');
    expect(w.oidc.calls.filter((c) => c.action === 'RegisterClient')).toHaveLength(1);
    expect(w.store.token(START_URL)).toBeDefined();
    expect((await w.signIn.roleToken('legacy'))?.accountId).toBe('222233334444');
    // `aws sso login` on the host later: its cache entry lasts longer, so the SDK's path is used.
    const dir = join(w.home, '.aws', 'sso', 'cache');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `${createHash('sha1').update(START_URL).digest('hex')}.json`), JSON.stringify({ startUrl: START_URL, region: 'eu-west-1', accessToken: 'cli-token', expiresAt: new Date(Date.now() + 7200_000).toISOString() }));
    expect(await w.signIn.roleToken('legacy')).toBeUndefined();
  });

  it('renewal timing: 80% of the life, at least 10 minutes ahead, never before half; backoff up to 5 minutes', () => {
    const h = 3600_000;
    expect(renewAt(0, h)).toBe(0.8 * h);
    expect(renewAt(0, 8 * h)).toBe(6.4 * h);
    expect(renewAt(0, 30 * 60_000)).toBe(20 * 60_000);
    expect(renewAt(1000, 5000)).toBe(3000);
    expect([1, 2, 3, 10].map(retryDelay)).toEqual([5000, 10_000, 20_000, 300_000]);
  });
});
