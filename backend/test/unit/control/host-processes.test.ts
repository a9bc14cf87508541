/**
 * GET and PUT /api/host/aws/processes: the dashboard asks which credential_process profiles are due
 * and hands over what the host script printed (or its error). Container topology (Docker Desktop)
 * only; never a secret in an answer.
 */
import request from 'supertest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createControlApp } from '../../../src/control/app.ts';
import { NETWORK, lightBackend, logLines, onCleanup, until } from './helpers.ts';

const SECRET = 'host-secret-0123456789abcdefghijSECRET';
const output = (ms = 3600_000) => ({ Version: 1, AccessKeyId: 'ASIAHOSTPROCESS00001', SecretAccessKey: SECRET, SessionToken: 'tok', Expiration: new Date(Date.now() + ms).toISOString(), CredentialScope: 'us-east-1' });

async function setup(topology: 'container' | 'host' = 'container') {
  const lb = await lightBackend({ env: { ECS_ENDPOINTS_TOPOLOGY: topology } });
  const app = createControlApp(lb.backend, {});
  onCleanup(() => app.dispose());
  return { ...lb, app };
}

describe('/api/host/aws/processes', () => {
  it('lists a process profile a source asked for as due, takes its output, and shows it in the profile details', async () => {
    const { app, backend, awsConfigDir } = await setup();
    writeFileSync(join(awsConfigDir, 'config'), '[profile proc]\ncredential_process = /on/the/host/creds\n');
    expect((await request(app).get('/api/host/aws/processes')).body).toEqual([]);
    const src = backend.sources.create({ type: 'profile', name: 'Proc', profile: 'proc' });
    await expect(backend.broker.get(src.id)).rejects.toMatchObject({ message: expect.stringContaining('needs the ECS Endpoints dashboard open to refresh') });
    expect((await request(app).get('/api/host/aws/processes')).body).toEqual([{ profile: 'proc', state: 'missing', due: true }]);
    expect((await request(app).get('/api/profiles/details')).body.profiles).toEqual([expect.objectContaining({ name: 'proc', kind: 'process', state: 'waiting' })]);

    const put = await request(app).put('/api/host/aws/processes/proc').send(output());
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ profile: 'proc', state: 'fresh', due: false, validUntil: expect.any(String), dueAt: expect.any(String) });
    expect(JSON.stringify(put.body)).not.toContain(SECRET);
    // The failure cached a moment ago is forgotten: the next request gets the credentials.
    await expect(backend.broker.get(src.id)).resolves.toMatchObject({ accessKeyId: 'ASIAHOSTPROCESS00001' });
    const details = (await request(app).get('/api/profiles/details')).body.profiles[0];
    expect(details).toMatchObject({ state: 'ready', detail: expect.stringMatching(/^Refreshed through the dashboard; next refresh due at /) });
    expect(logLines().join('\n')).not.toContain(SECRET);
  });

  it('wants the process profile at the root of the chain of a source a container uses, before any request', async () => {
    const { app, backend, docker, awsConfigDir } = await setup();
    writeFileSync(join(awsConfigDir, 'config'), '[profile proc]\ncredential_process = /on/the/host/creds\n[profile app]\nrole_arn = arn:aws:iam::210987654321:role/app\nsource_profile = proc\n');
    const base = backend.sources.create({ type: 'profile', name: 'App', profile: 'app' });
    const role = backend.sources.create({ type: 'assume-role', name: 'Task role', roleArn: 'arn:aws:iam::210987654321:role/task', baseSourceId: base.id });
    const c = docker.add({ name: 'orders', networks: { [NETWORK]: '169.254.170.131' } });
    await until(() => backend.index.get(c.Id));
    expect((await request(app).put(`/api/containers/${c.Id}/source`).send({ sourceId: role.id })).status).toBe(200);
    expect((await request(app).get('/api/host/aws/processes')).body).toEqual([{ profile: 'proc', state: 'missing', due: true }]);
  });

  it('takes the host script\'s error and shows it', async () => {
    const { app } = await setup();
    const r = await request(app).put('/api/host/aws/processes/proc').send({ error: 'aws-credential-process: the credential_process of profile "proc" failed (exit 3): expired' });
    expect(r.body).toMatchObject({ profile: 'proc', state: 'failed', due: false, message: expect.stringContaining('failed (exit 3): expired') });
  });

  it('refuses what the SDK would refuse, never repeating a value of the body', async () => {
    const { app } = await setup();
    const cases = [
      { ...output(), Version: 2 },
      { ...output(), SecretAccessKey: 42 },
      { Version: 1, AccessKeyId: 'ASIA', SessionToken: SECRET },
      output(-1000),
      { ...output(), Expiration: `${SECRET}` },
      { error: '' },
    ];
    for (const body of cases) {
      const r = await request(app).put('/api/host/aws/processes/proc').send(body);
      expect(r.status, JSON.stringify(Object.keys(body))).toBe(400);
      expect(JSON.stringify(r.body)).not.toContain(SECRET);
    }
    const name = await request(app).put('/api/host/aws/processes/a%20b').send(output());
    expect(name.status).toBe(400);
    const none = await request(app).put('/api/host/aws/processes/proc');
    expect(none.status).toBe(400);
  });

  it('a backend on the machine itself runs credential_process itself: nothing listed, a PUT is 409', async () => {
    const { app } = await setup('host');
    expect((await request(app).get('/api/host/aws/processes')).body).toEqual([]);
    const r = await request(app).put('/api/host/aws/processes/proc').send(output());
    expect(r.status).toBe(409);
    expect(JSON.stringify(r.body)).not.toContain(SECRET);
  });
});
