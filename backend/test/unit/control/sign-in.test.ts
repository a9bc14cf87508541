import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import type { ProfileDetails, SsoSignInStart, SsoSignInStatus } from '@ecs-endpoints/contract';
import { createControlApp } from '../../../src/control/app.ts';
import { startSsoOidcStub } from '../../support/sso-oidc-stub.ts';
import { lightBackend, onCleanup, until } from './helpers.ts';

/** /api/profiles/:name/sign-in against the SSO OIDC stand-in (AWS_ENDPOINT_URL_SSO_OIDC). */

const CONFIG = [
  '[profile dev]', 'sso_session = corp', 'sso_account_id = 111122223333', 'sso_role_name = Developer', '',
  '[profile keys]', 'aws_access_key_id = AKIAIOSFODNN7EXAMPLE', 'aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', '',
  '[sso-session corp]', 'sso_start_url = https://example.awsapps.com/start', 'sso_region = eu-west-1', '',
].join('\n');

function setEnv(name: string, value: string): void {
  const saved = process.env[name];
  process.env[name] = value;
  onCleanup(() => (saved === undefined ? delete process.env[name] : (process.env[name] = saved)));
}

async function setup() {
  const oidc = await startSsoOidcStub();
  onCleanup(() => oidc.close());
  setEnv('AWS_ENDPOINT_URL_SSO_OIDC', oidc.url);
  const lb = await lightBackend();
  writeFileSync(join(lb.awsConfigDir, 'config'), CONFIG);
  const app = createControlApp(lb.backend, {});
  onCleanup(() => {
    app.dispose();
    lb.backend.ssoSignIn.stop();
  });
  return { ...lb, app, oidc };
}

describe('/api/profiles/:name/sign-in', () => {
  it('starts a sign-in (what to open and the code, never a secret), follows it to signed in; the profiles show it', async () => {
    const { app, oidc } = await setup();
    const r = await request(app).post('/api/profiles/dev/sign-in');
    expect(r.status).toBe(200);
    const start = r.body as SsoSignInStart;
    expect(Object.keys(start).sort()).toEqual(['expiresAt', 'userCode', 'verificationUri', 'verificationUriComplete']);
    expect(start.verificationUriComplete).toBe(`${oidc.url}/verify?user_code=${start.userCode}`);
    expect(r.text).not.toMatch(/device-|secret-|client-/);
    expect((await request(app).get('/api/profiles/dev/sign-in')).body).toMatchObject({ state: 'pending', userCode: start.userCode });
    oidc.approve(start.userCode);
    const done = await until(async () => {
      const s = (await request(app).get('/api/profiles/dev/sign-in')).body as SsoSignInStatus;
      return s.state === 'signed-in' ? s : undefined;
    }, 8000, 'signed in');
    expect(done).toMatchObject({ renewable: true, validUntil: expect.any(String) });
    const details = (await request(app).get('/api/profiles/details')).body as ProfileDetails;
    expect(details.profiles.find((p) => p.name === 'dev')).toMatchObject({ state: 'signed-in', signedInFrom: 'dashboard' });
    const all = JSON.stringify(details) + JSON.stringify(done);
    for (const t of oidc.issued) expect(all).not.toContain(t);
  });

  it('refuses unknown and non-SSO profiles with what to do; DELETE cancels a pending sign-in', async () => {
    const { app } = await setup();
    const unknown = await request(app).post('/api/profiles/nope/sign-in');
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatchObject({ error: expect.stringContaining('no profile "nope"'), remedy: expect.any(String) });
    const keys = await request(app).post('/api/profiles/keys/sign-in');
    expect(keys.status).toBe(400);
    expect(keys.body.error).toContain('not an SSO profile');
    expect((await request(app).get('/api/profiles/dev/sign-in')).body).toEqual({ state: 'none' });
    await request(app).post('/api/profiles/dev/sign-in').expect(200);
    await request(app).delete('/api/profiles/dev/sign-in').expect(204);
    expect((await request(app).get('/api/profiles/dev/sign-in')).body.state).toBe('cancelled');
    expect((await request(app).post('/api/profiles/dev/sign-in').send({ extra: 1 })).status).toBe(400);
  });

  it('an SSO OIDC endpoint that does not answer: 502 naming it and what to check; a pending sign-in stays as it was', async () => {
    const { app } = await setup();
    const first = (await request(app).post('/api/profiles/dev/sign-in')).body as SsoSignInStart;
    const srv = createServer();
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const dead = `http://127.0.0.1:${(srv.address() as { port: number }).port}`;
    await new Promise<void>((r) => srv.close(() => r()));
    setEnv('AWS_ENDPOINT_URL_SSO_OIDC', dead);
    const r = await request(app).post('/api/profiles/dev/sign-in');
    expect(r.status).toBe(502);
    expect(r.body.error).toContain(`${dead} did not answer`);
    expect(r.body.remedy).toContain('Check sso_region (eu-west-1) and sso_start_url (https://example.awsapps.com/start) in [sso-session corp]');
    expect((await request(app).get('/api/profiles/dev/sign-in')).body).toMatchObject({ state: 'pending', userCode: first.userCode });
  });
});
