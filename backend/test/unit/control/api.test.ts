import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import type { ContainerView, SourceView, StatusView } from '@ecs-endpoints/contract';
import { createControlApp, type ControlApp } from '../../../src/control/app.ts';
import { humanDuration } from '../../../src/control/views.ts';
import { listProfiles } from '../../../src/control/profiles.ts';
import { NETWORK, lightBackend, onCleanup, until, type LightBackend } from './helpers.ts';

const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
const SESSION = 'IQoJb3JpZ2luX2VjEXAMPLESESSIONTOKENxyz0123456789';

async function setup(opts: Parameters<typeof lightBackend>[0] = {}): Promise<LightBackend & { app: ControlApp }> {
  const lb = await lightBackend(opts);
  // The unix-socket flavour (no token): these tests are about the routes, guard.test.ts about the guard.
  const app = createControlApp(lb.backend, {});
  onCleanup(() => app.dispose());
  return { ...lb, app };
}

async function containers(app: ControlApp): Promise<ContainerView[]> {
  const r = await request(app).get('/api/containers');
  expect(r.status).toBe(200);
  return r.body as ContainerView[];
}

describe('GET /api/status', () => {
  it('reports network, endpoint, topology and no problems when all is well', async () => {
    const { app } = await setup();
    const r = await request(app).get('/api/status');
    expect(r.status).toBe(200);
    expect(r.headers['cache-control']).toBe('no-store');
    expect(r.body as StatusView).toMatchObject({
      topology: 'host',
      docker: { connected: true, version: '20.10.24-fake', apiVersion: '1.41' },
      network: { name: NETWORK, subnet: '169.254.170.0/24', ready: true },
      endpoint: { address: '169.254.170.2', ports: { metadata: 80, agent: 51679, introspection: 51678 }, listening: true },
      defaultSourceId: 'default',
      region: 'us-east-1',
      problems: [],
    });
  });

  it('shows Docker being unreachable as a problem with a remedy', async () => {
    const { app } = await setup({ connected: false });
    const r = await request(app).get('/api/status');
    expect(r.status).toBe(200);
    expect(r.body.docker.connected).toBe(false);
    expect(r.body.problems).toEqual([expect.objectContaining({ id: 'docker', severity: 'error', remedy: expect.stringMatching(/Start Docker/) })]);
    // Containers cannot be changed then, and the answer says why.
    const e = await request(app).post('/api/containers/abc123/ecs').send({ enabled: true });
    expect(e.status).toBe(503);
    expect(e.body.remedy).toMatch(/Start Docker/);
  });
});

describe('GET /api/containers', () => {
  it('shows ECS state, environment, auto, blockers, task and source for each container', async () => {
    const { app, docker, backend } = await setup();
    const ecs = docker.add({
      name: 'orders',
      env: { ECS_CONTAINER_METADATA_URI_V4: 'http://169.254.170.2/v4/0d0c6e4e-1111-4222-8333-444455556666', AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: '/v2/credentials/abc' },
      networks: { bridge: '172.17.0.5', [NETWORK]: '169.254.170.131' },
      labels: { 'com.docker.compose.project': 'shop', 'com.docker.compose.service': 'orders' },
    });
    const plain = docker.add({ name: 'plain' });
    const host = docker.add({ name: 'hostnet', networkMode: 'host', networks: { host: '' } });
    const labelled = docker.add({ name: 'labelled', labels: { 'ecs-endpoints.preset': 'team' }, state: 'exited' });
    docker.add({ name: 'extension-backend', labels: { 'com.docker.desktop.plugin': 'true' } });
    const list = await until(async () => {
      const l = await containers(app);
      return l.length === 4 ? l : undefined;
    }, 3000, 'four containers');
    expect(list.map((c) => c.name)).toEqual(['hostnet', 'labelled', 'orders', 'plain']);
    const o = list.find((c) => c.id === ecs.Id)!;
    expect(o).toMatchObject({
      name: 'orders',
      image: 'busybox:latest',
      state: 'running',
      status: 'Up About a minute',
      compose: { project: 'shop', service: 'orders' },
      ecs: { enabled: true, address: '169.254.170.131', canEnable: true, hasEnvironment: true, auto: true },
      task: { family: 'shop', revision: '1', containerName: 'orders' },
      source: { effectiveId: 'default', origin: 'default' },
    });
    expect(o.task!.arn).toBe(backend.model.byContainerId.get(ecs.Id)!.task.arn);
    expect(list.find((c) => c.id === plain.Id)!.ecs).toEqual({ enabled: false, canEnable: true, hasEnvironment: false, auto: false });
    const h = list.find((c) => c.id === host.Id)!;
    expect(h.ecs.canEnable).toBe(false);
    expect(h.ecs.reason).toMatch(/network_mode: host/);
    const l = list.find((c) => c.id === labelled.Id)!;
    expect(l.status).toBe('Exited (3) 2 hours ago');
    expect(l.ecs.auto).toBe(true);
  });

  it('hides the backend\'s own container in the container topology, and its address guard helpers', async () => {
    const { app, docker } = await setup({ env: { ECS_ENDPOINTS_TOPOLOGY: 'container', ECS_ENDPOINTS_SELF: 'ecs-endpoints-backend' } });
    docker.add({ name: 'ecs-endpoints-backend' });
    docker.add({ name: 'sharp_turing', labels: { 'ecs-endpoints.helper': 'address-guard' } });
    docker.add({ name: 'app' });
    await until(async () => (await containers(app)).length === 1, 3000, 'one container');
    expect((await containers(app))[0]!.name).toBe('app');
  });

  it('includes the last data-plane call of a container', async () => {
    const { app, docker, backend } = await setup();
    const c = docker.add({ name: 'caller', networks: { [NETWORK]: '169.254.170.140' } });
    await until(() => backend.index.get(c.Id), 3000, 'indexed');
    backend.requests.add({ time: '2026-01-01T00:00:00.000Z', method: 'GET', path: '/v2/credentials/secret-id', status: 200, latencyMs: 1, kind: 'credentials', callerIp: '169.254.170.140', containerId: c.Id });
    const v = (await containers(app)).find((x) => x.id === c.Id)!;
    expect(v.lastCall).toEqual({ at: '2026-01-01T00:00:00.000Z', path: '/v2/credentials/****', status: 200 });
  });
});

describe('POST /api/containers/:id/ecs', () => {
  it('attaches and detaches through the managed network, by id, name or id prefix', async () => {
    const { app, docker, backend } = await setup();
    const c = docker.add({ name: 'web', env: { AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: '/v2/credentials/x' } });
    await until(() => backend.index.get(c.Id), 3000, 'indexed');
    const on = await request(app).post('/api/containers/web/ecs').send({ enabled: true });
    expect(on.status, on.text).toBe(200);
    expect(on.body.container.ecs).toMatchObject({ enabled: true, hasEnvironment: true, auto: false, address: '169.254.170.130' });
    expect(docker.containers.get(c.Id)!.NetworkSettings.Networks[NETWORK]).toBeDefined();
    const off = await request(app).post(`/api/containers/${c.Id.slice(0, 12)}/ecs`).send({ enabled: false });
    expect(off.status, off.text).toBe(200);
    expect(off.body.container.ecs.enabled).toBe(false);
    expect(off.body.message).toBeUndefined();
    expect(docker.containers.get(c.Id)!.NetworkSettings.Networks[NETWORK]).toBeUndefined();
    // Switching off twice is fine.
    expect((await request(app).post(`/api/containers/${c.Id}/ecs`).send({ enabled: false })).status).toBe(200);
  });

  it('refuses a second change while one is in progress', async () => {
    const { app, docker, backend } = await setup();
    const c = docker.add({ name: 'slow' });
    await until(() => backend.index.get(c.Id), 3000, 'indexed');
    docker.connectDelayMs = 200;
    const [a, b] = await Promise.all([
      request(app).post(`/api/containers/${c.Id}/ecs`).send({ enabled: true }),
      request(app).post('/api/containers/slow/ecs').send({ enabled: true }),
    ]);
    expect([a.status, b.status].sort()).toEqual([200, 409]);
    expect((a.status === 409 ? a : b).body.error).toBe('ECS mode of "slow" is already being changed.');
    // Once done, the next change goes through.
    expect((await request(app).post('/api/containers/slow/ecs').send({ enabled: false })).status).toBe(200);
  });

  it('refuses containers that cannot join, with the reason', async () => {
    const { app, docker, backend } = await setup();
    const c = docker.add({ name: 'nonet', networkMode: 'none', networks: {} });
    await until(() => backend.index.get(c.Id), 3000, 'indexed');
    const r = await request(app).post(`/api/containers/${c.Id}/ecs`).send({ enabled: true });
    expect(r.status).toBe(409);
    expect(r.body.error).toMatch(/networking disabled/);
    expect(r.body.remedy).toMatch(/Remove network_mode: none/);
  });

  it('answers 503 while the network is not ready', async () => {
    const { app, docker, backend } = await setup();
    const c = docker.add({ name: 'early' });
    await until(() => backend.index.get(c.Id), 3000, 'indexed');
    backend.keeper.ready = false;
    const r = await request(app).post(`/api/containers/${c.Id}/ecs`).send({ enabled: true });
    expect(r.status).toBe(503);
    expect(r.body.error).toMatch(/not ready/);
    expect((await containers(app))[0]!.ecs).toMatchObject({ canEnable: false, reason: expect.stringMatching(/not ready/) });
  });

  it('answers 400 with a message a person can act on for bad bodies, 404 for unknown containers', async () => {
    const { app, docker, backend } = await setup();
    const c = docker.add({ name: 'target' });
    await until(() => backend.index.get(c.Id), 3000, 'indexed');
    const url = `/api/containers/${c.Id}/ecs`;

    const none = await request(app).post(url);
    expect(none.status).toBe(400);
    expect(none.body).toEqual({ error: 'The request has no JSON body.', remedy: expect.stringContaining('Content-Type: application/json') });

    const broken = await request(app).post(url).set('Content-Type', 'application/json').send('{"enabled": tru');
    expect(broken.status).toBe(400);
    expect(broken.body.error).toMatch(/^The request body is not valid JSON/);

    const wrongType = await request(app).post(url).send({ enabled: 'yes' });
    expect(wrongType.status).toBe(400);
    expect(wrongType.body.error).toBe('The ECS mode change is not valid: enabled: Invalid input: expected boolean, received string.');
    expect(wrongType.body.issues).toEqual([{ path: 'enabled', message: 'Invalid input: expected boolean, received string' }]);
    expect(wrongType.body.remedy).toMatch(/"enabled": true/);

    const typo = await request(app).post(url).send({ enabled: true, recreat: true });
    expect(typo.status).toBe(400);
    expect(typo.body.error).toMatch(/recreat/);

    const unknown = await request(app).post(`/api/containers/${'e'.repeat(64)}/ecs`).send({ enabled: true });
    expect(unknown.status).toBe(404);
    expect(unknown.body).toEqual({ error: `There is no container "${'e'.repeat(64)}".`, remedy: expect.stringMatching(/Reload/) });
  });
});

describe('PUT /api/containers/:id/source', () => {
  it('assigns by container name, clears with null, and refuses unknown sources naming them', async () => {
    const { app, docker, backend } = await setup();
    const c = docker.add({ name: 'svc', networks: { [NETWORK]: '169.254.170.150' } });
    await until(() => backend.index.get(c.Id), 3000, 'indexed');
    const r = await request(app).put(`/api/containers/${c.Id}/source`).send({ sourceId: 'fake' });
    expect(r.status, r.text).toBe(200);
    expect(r.body.container.source).toEqual({ effectiveId: 'fake', origin: 'assignment', assignedId: 'fake' });
    expect(backend.assignments.get('svc')).toBe('fake');
    const sources = (await request(app).get('/api/sources')).body as SourceView[];
    expect(sources.find((s) => s.id === 'fake')!.assignedTo).toEqual([c.Id]);

    const bad = await request(app).put(`/api/containers/${c.Id}/source`).send({ sourceId: 'prod-admin' });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toBe('There is no source "prod-admin".');
    expect(bad.body.remedy).toMatch(/none, fake, default/);
    expect(backend.assignments.get('svc')).toBe('fake');

    const empty = await request(app).put(`/api/containers/${c.Id}/source`).send({ sourceId: '' });
    expect(empty.status).toBe(400);
    expect(empty.body.issues[0].path).toBe('sourceId');

    const clear = await request(app).put(`/api/containers/${c.Id}/source`).send({ sourceId: null });
    expect(clear.status).toBe(200);
    expect(clear.body.container.source).toEqual({ effectiveId: 'default', origin: 'default' });
  });
});

describe('sources', () => {
  it('creates, edits, tests and deletes; maps registry errors to 400/404/409', async () => {
    const { app, backend } = await setup();
    const created = await request(app).post('/api/sources').send({ type: 'fake', name: 'Orders role', roleArn: 'arn:aws:iam::123456789012:role/orders' });
    expect(created.status, created.text).toBe(201);
    expect(created.body).toMatchObject({ id: 'orders-role', type: 'fake', builtIn: false, assignedTo: [] });

    const invalid = await request(app).post('/api/sources').send({ type: 'assume-role', name: 'Bad', roleArn: 'not-an-arn', baseSourceId: 'fake' });
    expect(invalid.status).toBe(400);
    expect(invalid.body.error).toMatch(/^The source is not valid: roleArn: A role ARN looks like/);
    expect(invalid.body.issues).toEqual([{ path: 'roleArn', message: expect.stringMatching(/A role ARN looks like/) }]);

    const noBody = await request(app).post('/api/sources');
    expect(noBody.status).toBe(400);

    const edited = await request(app).put('/api/sources/orders-role').send({ type: 'fake', name: 'Orders role', roleArn: 'arn:aws:iam::123456789012:role/orders-v2' });
    expect(edited.status).toBe(200);
    expect(edited.body.summary).toMatch(/orders-v2/);

    const test = await request(app).post('/api/sources/orders-role/test');
    expect(test.status).toBe(200);
    expect(test.body).toMatchObject({ ok: true, account: '123456789012', arn: 'arn:aws:iam::123456789012:role/orders-v2' });
    const testNone = await request(app).post('/api/sources/none/test');
    expect(testNone.body).toMatchObject({ ok: false, remedy: expect.any(String) });

    expect((await request(app).put('/api/sources/fake').send({ type: 'fake', name: 'Mine' })).status).toBe(409);
    expect((await request(app).delete('/api/sources/none')).status).toBe(409);
    const missing = await request(app).delete('/api/sources/ghost');
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ error: 'There is no source "ghost".', remedy: expect.any(String) });
    expect((await request(app).post('/api/sources/ghost/test')).status).toBe(404);

    // A source another one assumes a role with cannot be deleted.
    await request(app).post('/api/sources').send({ type: 'profile', name: 'Base', profile: 'base' });
    await request(app).post('/api/sources').send({ type: 'assume-role', name: 'On base', roleName: 'x', baseSourceId: 'base' });
    const inUse = await request(app).delete('/api/sources/base');
    expect(inUse.status).toBe(409);
    expect(inUse.body.remedy).toMatch(/first/);

    // Deleting forgets assignments to it.
    backend.assignments.set('someone', 'orders-role');
    expect((await request(app).delete('/api/sources/orders-role')).status).toBe(204);
    expect(backend.assignments.get('someone')).toBeUndefined();
  });

  it('never returns a static source\'s secret key or session token, not in errors either', async () => {
    const { app, stateDir } = await setup();
    const bodies: string[] = [];
    const created = await request(app).post('/api/sources').send({ type: 'static', name: 'Keys', accessKeyId: 'ASIAIOSFODNN7EXAMPLE', secretAccessKey: SECRET, sessionToken: SESSION });
    expect(created.status, created.text).toBe(201);
    bodies.push(created.text);
    expect(created.body.settings).toEqual({ accessKeyId: 'ASIAIOSFODNN7EXAMPLE', keyType: 'session' });
    bodies.push((await request(app).get('/api/sources')).text);
    bodies.push((await request(app).put('/api/sources/keys').send({ type: 'static', name: 'Keys 2', accessKeyId: 'ASIAIOSFODNN7EXAMPLE' })).text);
    const badEdit = await request(app).put('/api/sources/keys').send({ type: 'static', name: 'Keys', accessKeyId: 'lower-case', secretAccessKey: SECRET, sessionToken: SESSION });
    expect(badEdit.status).toBe(400);
    bodies.push(badEdit.text);
    const badCreate = await request(app).post('/api/sources').send({ type: 'static', name: '', accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: SECRET });
    expect(badCreate.status).toBe(400);
    bodies.push(badCreate.text);
    bodies.push((await request(app).get('/api/status')).text, (await request(app).get('/api/containers')).text);
    for (const b of bodies) {
      expect(b).not.toContain(SECRET);
      expect(b).not.toContain(SESSION);
    }
    // It is kept, in the state dir only.
    const { readFileSync } = await import('node:fs');
    expect(readFileSync(join(stateDir, 'sources.json'), 'utf8')).toContain(SECRET);
  });
});

describe('GET /api/profiles', () => {
  it('lists profile names from the config and credentials files, nothing else', async () => {
    const { app, awsConfigDir } = await setup();
    writeFileSync(join(awsConfigDir, 'config'), '[default]\nregion = eu-west-1\n\n[profile dev]\nsso_session = corp\n[sso-session corp]\nsso_start_url = https://x\n[profile  prod ] # comment\nrole_arn = arn:aws:iam::123456789012:role/x\n');
    writeFileSync(join(awsConfigDir, 'credentials'), `[default]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = ${SECRET}\n[ci]\naws_access_key_id = AKIAIOSFODNN7EXAMPL2\n`);
    const r = await request(app).get('/api/profiles');
    expect(r.status).toBe(200);
    // `[profile  prod ]` (two spaces, one trailing) is a section the AWS SDK skips: not offered.
    expect(r.body).toEqual(['default', 'ci', 'dev']);
    const details = await request(app).get('/api/profiles/details');
    expect(details.body.problems).toEqual([expect.objectContaining({ line: 8, message: expect.stringContaining('[profile  prod ]') })]);
    expect(r.text).not.toContain(SECRET);
    expect(r.text).not.toContain('AKIA');
  });

  it('answers an empty list without files', async () => {
    const { app } = await setup();
    expect((await request(app).get('/api/profiles')).body).toEqual([]);
    expect(await listProfiles({ config: '/nonexistent/config', credentials: '/nonexistent/credentials' })).toEqual([]);
  });
});

describe('GET /api/requests', () => {
  it('returns the newest entries first, limited, with credentials ids redacted; refuses a bad limit', async () => {
    const { app, backend } = await setup();
    for (let i = 0; i < 5; i++) {
      backend.requests.add({ time: new Date(1_700_000_000_000 + i).toISOString(), method: 'GET', path: `/v2/credentials/id-${i}`, status: 200, latencyMs: 1, kind: 'credentials', callerIp: '169.254.170.130' });
    }
    const r = await request(app).get('/api/requests?limit=2');
    expect(r.status).toBe(200);
    expect(r.body.map((e: { id: number }) => e.id)).toEqual([5, 4]);
    expect(r.body[0].path).toBe('/v2/credentials/****');
    expect(r.text).not.toContain('id-4');
    expect((await request(app).get('/api/requests')).body).toHaveLength(5);
    for (const bad of ['0', 'abc', '1001', '-1', '2.5']) {
      const e = await request(app).get(`/api/requests?limit=${bad}`);
      expect(e.status, bad).toBe(400);
      expect(e.body.error).toMatch(/limit must be a whole number from 1 to 1000/);
    }
  });
});

describe('errors', () => {
  it('answers unknown API routes with an ApiError naming the route', async () => {
    const { app } = await setup();
    const r = await request(app).patch('/api/sources');
    expect(r.status).toBe(404);
    expect(r.body).toEqual({ error: 'There is no control API route PATCH /api/sources.', remedy: 'See docs/api.md for the routes.' });
  });

  it('refuses bodies over 64 kB', async () => {
    const { app } = await setup();
    const r = await request(app).post('/api/sources').send({ type: 'fake', name: 'x'.repeat(70_000) });
    expect(r.status).toBe(413);
    expect(r.body.error).toMatch(/too large/);
  });
});

describe('humanDuration', () => {
  it('reads like docker ps', () => {
    expect(humanDuration(500)).toBe('Less than a second');
    expect(humanDuration(30_000)).toBe('30 seconds');
    expect(humanDuration(61_000)).toBe('About a minute');
    expect(humanDuration(3 * 60_000)).toBe('3 minutes');
    expect(humanDuration(3_600_000)).toBe('About an hour');
    expect(humanDuration(5 * 3_600_000)).toBe('5 hours');
    expect(humanDuration(3 * 86_400_000)).toBe('3 days');
  });
});

describe('unknown fields (audit 8, finding 14)', () => {
  /** A 400 in the API's error shape that names `field` in the error, in issues and in the remedy. */
  function expectUnknown(r: request.Response, field: string): void {
    expect(r.status, r.text).toBe(400);
    expect(Object.keys(r.body).sort()).toEqual(['error', 'issues', 'remedy']);
    expect(r.body.error).toContain(`Unknown field "${field}"`);
    expect(r.body.issues).toContainEqual({ path: field, message: `Unknown field "${field}"` });
    expect(r.body.remedy).toMatch(new RegExp(`^Remove "${field}"`));
  }

  it('refuses POST /api/sources and PUT /api/sources/:id with a field the source type does not have, and changes nothing', async () => {
    const { app, backend } = await setup();
    const created = await request(app).post('/api/sources').send({ type: 'profile', name: 'Dev', profile: 'dev', colour: 'red' });
    expectUnknown(created, 'colour');
    expect(created.body.remedy).toContain('{"type": "profile", "name": "Dev", "profile": "dev"}');
    expect(backend.sources.list().map((s) => s.name)).not.toContain('Dev');
    // A field of another source type is unknown too (roleArn is not a profile source's).
    expectUnknown(await request(app).post('/api/sources').send({ type: 'profile', name: 'Dev', profile: 'dev', roleArn: 'arn:aws:iam::123456789012:role/x' }), 'roleArn');
    // Every problem at once: the unknown field and the invalid one.
    const both = await request(app).post('/api/sources').send({ type: 'fake', name: '', extra: 1 });
    expect(both.status).toBe(400);
    expect(both.body.issues.map((i: { path: string }) => i.path).sort()).toEqual(['extra', 'name']);

    expect((await request(app).post('/api/sources').send({ type: 'profile', name: 'Dev', profile: 'dev' })).status).toBe(201);
    expectUnknown(await request(app).put('/api/sources/dev').send({ type: 'profile', name: 'Dev', profile: 'prod', region: 'eu-west-1' }), 'region');
    expect(backend.sources.get('dev')).toMatchObject({ settings: { profile: 'dev' } });
  });

  it('names an unknown field of the ECS mode change and of the source assignment', async () => {
    const { app, docker, backend } = await setup();
    const c = docker.add({ name: 'svc' });
    await until(() => backend.index.get(c.Id), 3000, 'indexed');
    expectUnknown(await request(app).post(`/api/containers/${c.Id}/ecs`).send({ enabled: true, recreat: true }), 'recreat');
    expect(backend.model.byContainerId.has(c.Id)).toBe(false);
    expectUnknown(await request(app).put(`/api/containers/${c.Id}/source`).send({ sourceId: 'fake', container: 'svc' }), 'container');
    expect(backend.assignments.get('svc')).toBeUndefined();
  });

  it('names an unknown field next to the preset file text', async () => {
    const { app, backend } = await setup();
    const r = await request(app).put('/api/presets').send({ content: '{"version": 1, "presets": []}', format: 'json' });
    expectUnknown(r, 'format');
    expect(backend.presets.state().presets).toEqual([]);
  });

  it('refuses a body on routes that take none, and query parameters a route does not take', async () => {
    const { app, backend } = await setup();
    expect((await request(app).post('/api/sources').send({ type: 'fake', name: 'Mine' })).status).toBe(201);
    expectUnknown(await request(app).post('/api/sources/mine/test').send({ verbose: true }), 'verbose');
    expectUnknown(await request(app).delete('/api/sources/mine').send({ force: true }), 'force');
    expect(backend.sources.get('mine')).toBeDefined();
    // An empty object is no input at all.
    expect((await request(app).post('/api/sources/mine/test').send({})).status).toBe(200);

    const typo = await request(app).get('/api/requests?limt=5');
    expect(typo.status).toBe(400);
    expect(typo.body.error).toContain('Unknown query parameter "limt"');
    expect(typo.body.issues).toEqual([{ path: 'limt', message: 'Unknown query parameter "limt"' }]);
    expect(typo.body.remedy).toMatch(/^Remove "limt"/);
    expect((await request(app).get('/api/status?verbose=1')).status).toBe(400);
    expect((await request(app).post('/api/sources?dryRun=1').send({ type: 'fake', name: 'Dry' })).status).toBe(400);
    expect(backend.sources.list().map((s) => s.name)).not.toContain('Dry');
    expect((await request(app).get('/api/requests?limit=5')).status).toBe(200);
  });
});

describe('/api/host/aws', () => {
  const paths = { version: 1, os: 'darwin', home: '/Users/me', config: '/Users/me/.aws/config', configExists: true, credentials: '/Users/me/.aws/credentials', credentialsExists: false, ssoCache: '/Users/me/.aws/sso/cache', ssoCacheExists: true };

  it('refuses what is not the host script\'s output, naming the field', async () => {
    const { app } = await setup();
    const r = await request(app).put('/api/host/aws').send({ ...paths, os: 'beos' });
    expect(r.status).toBe(400);
    expect(r.body.issues).toEqual([expect.objectContaining({ path: 'os' })]);
    const extra = await request(app).put('/api/host/aws').send({ ...paths, token: 'x' });
    expect(extra.status).toBe(400);
  });

  it('answers a backend running on the machine itself that it reads ~/.aws directly', async () => {
    const { app } = await setup();
    expect((await request(app).get('/api/host/aws')).body).toEqual({});
    const r = await request(app).put('/api/host/aws').send(paths);
    expect(r.status).toBe(409);
    expect(r.body.remedy).toMatch(/\/home\/node\/\.aws/);
  });
});
