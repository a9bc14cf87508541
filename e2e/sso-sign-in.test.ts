/**
 * End to end, signing in to AWS SSO from the dashboard: the standalone backend (host topology, its
 * own network) with a profile of an [sso-session] and nobody signed in, the built UI in Debian's
 * Chromium, an SSO OIDC stand-in (AWS_ENDPOINT_URL_SSO_OIDC) issuing 12-second access tokens and
 * an SSO portal stand-in (AWS_ENDPOINT_URL_SSO) that takes only live ones. A busybox container in
 * ECS mode with the profile as its source gets no credentials; the person clicks "Sign in", the
 * page that would open on the host (a new tab here) is captured and approved at the stand-in; the
 * container then gets credentials. With no page open, the backend's own timer renews the token
 * before it expires, and after the first token has expired the container still gets credentials,
 * fetched with the renewed one. Screenshots go to test-results/screenshots/.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ContainerView, EnableEcsResult, SourceView } from '@ecs-endpoints/contract';
import { startControlServer, type ControlServer } from '../backend/src/control/index.ts';
import { BUSYBOX, docker, httpFrom, removeAll, uniqueName } from '../backend/test/support/docker.ts';
import { eventually, startTestBackend, type TestBackend } from '../backend/test/support/backend.ts';
import { startSsoOidcStub, type SsoOidcStub } from '../backend/test/support/sso-oidc-stub.ts';
import { startStsStub, type StsStub } from '../backend/test/support/sts-stub.ts';
import { controlClient } from './support/control-client.ts';
import { ROOT, UI_BUILD, ensureUiBuilt } from './support/ui-build.ts';

const SHOTS = join(ROOT, 'test-results', 'screenshots');
const TOKEN_SECONDS = 12;
const CONFIG = [
  '[profile dev]', 'sso_session = corp', 'sso_account_id = 111122223333', 'sso_role_name = Developer', 'region = eu-west-1', '',
  '[sso-session corp]', 'sso_start_url = https://example.awsapps.com/start', 'sso_region = eu-west-1', 'sso_registration_scopes = sso:account:access', '',
].join('\n');

let tb: TestBackend;
let cs: ControlServer;
let oidc: SsoOidcStub;
let portal: StsStub;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let home: string;
const saved: Record<string, string | undefined> = {};
const name = uniqueName('e2e-sso');
let appId = '';
let credsPath = '';
const created: string[] = [];

function setEnv(k: string, v: string): void {
  saved[k] = process.env[k];
  process.env[k] = v;
}

function api() {
  return controlClient(cs.url, cs.token!);
}

async function credentialsFromInside(): Promise<{ status?: number; body: string }> {
  const r = await httpFrom(appId, `http://${tb.address}${credsPath}`).catch((e: Error) => ({ status: undefined, body: e.message }));
  return { status: r.status, body: r.body ?? '' };
}

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  ensureUiBuilt();
  home = mkdtempSync(join(tmpdir(), 'ecs-e2e-sso-'));
  const awsDir = join(home, 'aws-files');
  mkdirSync(awsDir);
  writeFileSync(join(awsDir, 'config'), CONFIG);
  oidc = await startSsoOidcStub({ tokenSeconds: TOKEN_SECONDS, intervalSeconds: 1 });
  portal = await startStsStub({ ssoTokenValid: (t) => oidc.accepts(t) });
  // Role credentials of two minutes: the broker fetches them again rather than serve them for long.
  portal.setExpiresInSeconds(120);
  // The AWS CLI's token cache ($HOME/.aws/sso/cache) is empty: nobody signed in on this machine.
  setEnv('HOME', home);
  setEnv('AWS_ENDPOINT_URL_SSO_OIDC', oidc.url);
  setEnv('AWS_ENDPOINT_URL_SSO', portal.url);
  tb = await startTestBackend({ ECS_ENDPOINTS_AWS_CONFIG_DIR: awsDir }, { broker: { minRefetchIntervalMs: 1000 } });
  cs = await startControlServer(tb.backend, { control: { kind: 'tcp', host: '127.0.0.1', port: 0 }, uiDir: UI_BUILD });

  // A container in ECS mode (recreated with the agent's variables) whose source is the SSO profile.
  const c = await docker.createContainer({ name, Image: BUSYBOX, Cmd: ['sleep', '3600'], StopSignal: 'SIGKILL', Labels: { 'ecs-endpoints-test': 'true' } });
  created.push(c.id, name);
  await c.start();
  await eventually(async () => (await api().call<ContainerView[]>('GET', '/api/containers')).body.some((x) => x.name === name), 10_000, 'the container listed');
  const on = await api().call<EnableEcsResult>('POST', `/api/containers/${name}/ecs`, { enabled: true, recreate: true });
  expect(on.status, on.text).toBe(200);
  appId = on.body.container.id;
  created.push(appId);
  const src = await api().call<SourceView>('POST', '/api/sources', { type: 'profile', name: 'Dev SSO', profile: 'dev' });
  expect(src.status, src.text).toBe(201);
  expect((await api().call('PUT', `/api/containers/${name}/source`, { sourceId: src.body.id })).status).toBe(200);
  const env = (await docker.getContainer(appId).inspect()).Config.Env;
  credsPath = env.find((e) => e.startsWith('AWS_CONTAINER_CREDENTIALS_RELATIVE_URI='))!.split('=')[1]!;

  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  context = await browser.newContext({ viewport: { width: 1440, height: 900 }, colorScheme: 'light' });
  page = await context.newPage();
  await page.goto(cs.url);
}, 600_000);

afterAll(async () => {
  await context?.close().catch(() => undefined);
  await browser?.close().catch(() => undefined);
  await cs?.close();
  await removeAll(created);
  await tb?.cleanup();
  await oidc?.close();
  await portal?.close();
  for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k];
  else process.env[k] = v;
  if (home) rmSync(home, { recursive: true, force: true });
});

describe('signing in to AWS SSO from the dashboard, in Chromium', () => {
  it('before: the container gets no credentials, and the profile shows as not signed in', async () => {
    const r = await credentialsFromInside();
    expect(r.status, r.body).not.toBe(200);
    expect(r.body).toMatch(/SSO session/);
    await page.getByRole('tab', { name: 'Sources' }).click();
    const row = page.locator('tr', { has: page.getByRole('button', { name: 'Sign in to dev' }) });
    await row.waitFor({ state: 'visible', timeout: 10_000 });
    expect(await row.textContent()).toContain('not signed in');
  });

  it('Sign in opens the approval page (captured), approval at the stand-in signs in, and the container gets credentials', async () => {
    const popup = context.waitForEvent('page');
    await page.getByRole('button', { name: 'Sign in to dev' }).click();
    const dialog = page.getByRole('dialog', { name: 'Sign in to dev' });
    await dialog.waitFor({ state: 'visible' });
    const opened = await popup;
    const code = oidc.userCodes()[0]!;
    // The URL the dashboard opens (on the host in Docker Desktop): the stand-in's verification page with the code.
    expect(opened.url()).toBe(`${oidc.url}/verify?user_code=${code}`);
    expect(await dialog.getByLabel('Code').textContent()).toBe(code);
    await page.screenshot({ path: join(SHOTS, 'sso-sign-in-dialog-light.png'), animations: 'disabled' });

    await opened.getByRole('button', { name: 'Approve' }).click();
    await opened.getByRole('heading', { name: 'Request approved' }).waitFor();
    await opened.close();
    await dialog.waitFor({ state: 'hidden', timeout: 10_000 });
    const row = page.locator('tr', { has: page.getByRole('button', { name: 'Sign in to dev' }) });
    await eventually(async () => (await row.textContent())?.includes('Signed in from the dashboard'), 10_000, 'the row signed in from the dashboard');
    await page.screenshot({ path: join(SHOTS, 'sso-signed-in-light.png'), fullPage: true, animations: 'disabled' });
    expect(oidc.slowDowns).toBe(0);

    const r = await credentialsFromInside();
    expect(r.status, r.body).toBe(200);
    const creds = JSON.parse(r.body) as { AccessKeyId: string; Token: string };
    expect(creds.AccessKeyId).toMatch(/^ASIA/);
    expect(oidc.used).toEqual([0]);
  });

  it('with no page open, the backend renews the token before it expires; after the first expired, the container still gets credentials', async () => {
    await context.close();
    const first = tb.backend.ssoSignIn.keptToken('corp', 'https://example.awsapps.com/start')!;
    expect(first.renewable).toBe(true);
    await eventually(() => oidc.calls.some((c) => c.grantType === 'refresh_token'), TOKEN_SECONDS * 1000, 'a renewal by the backend');
    const renewal = oidc.calls.find((c) => c.grantType === 'refresh_token')!;
    expect(renewal.at).toBeLessThan(first.expiresAt);
    await eventually(() => Date.now() > first.expiresAt + 500, TOKEN_SECONDS * 1000 + 2000, 'the first token expired');
    expect(oidc.accepts(oidc.issued[0]!)).toBe(false);

    const r = await credentialsFromInside();
    expect(r.status, r.body).toBe(200);
    expect(JSON.parse(r.body).AccessKeyId).toMatch(/^ASIA/);
    // Fetched from the portal with a renewed token, not the first one.
    expect(oidc.used.at(-1)).toBeGreaterThanOrEqual(1);
    const status = await api().call<{ state: string; renewedAt?: string }>('GET', '/api/profiles/dev/sign-in');
    expect(status.body).toMatchObject({ state: 'signed-in', renewedAt: expect.any(String) });
  }, 60_000);
});
