import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import type { ApiError, ContainerView, PresetsView } from '@ecs-endpoints/contract';
import { createControlApp, type ControlApp } from '../../../src/control/app.ts';
import { NETWORK, lightBackend, onCleanup, serveControl, tempDir, until, type LightBackend } from './helpers.ts';

const TOKEN = 'e'.repeat(64);

const ORDERS = {
  name: 'orders',
  description: 'The orders service gets fake credentials and its production task family.',
  match: { composeProject: 'shop', composeService: 'orders' },
  credentials: { fake: true },
  task: { family: 'orders-task', revision: '12', launchType: 'FARGATE', tags: { team: 'checkout' } },
  containerName: 'orders-api',
} as const;
const OFFLINE = { name: 'offline', match: { image: 'local-dev/*' }, credentials: { profile: 'dev' } } as const;
const FILE = { $schema: 'https://ecs-endpoints.dev/preset.schema.json', version: 1, presets: [ORDERS, OFFLINE] };

async function setup(opts: Parameters<typeof lightBackend>[0] = {}): Promise<LightBackend & { app: ControlApp }> {
  const lb = await lightBackend(opts);
  const app = createControlApp(lb.backend, {});
  onCleanup(() => app.dispose());
  return { ...lb, app };
}

async function presets(app: ControlApp): Promise<PresetsView> {
  const r = await request(app).get('/api/presets');
  expect(r.status).toBe(200);
  return r.body as PresetsView;
}

function importText(app: ControlApp, content: string) {
  return request(app).put('/api/presets').send({ content });
}

describe('GET /api/presets', () => {
  it('is empty at first, without a repository file', async () => {
    const { app } = await setup();
    const r = await request(app).get('/api/presets');
    expect(r.status).toBe(200);
    expect(r.headers['cache-control']).toBe('no-store');
    expect(r.body).toEqual({ presets: [] });
  });

  it('shows the repository file\'s presets (origin file) and, when an edit breaks it, the error with its issues', async () => {
    const dir = tempDir('ecs-presets-file-');
    const path = join(dir, 'ecs-endpoints.presets.json');
    writeFileSync(path, JSON.stringify({ version: 1, presets: [OFFLINE] }));
    const { app, backend } = await setup({ env: { ECS_ENDPOINTS_PRESETS_FILE: path } });
    const v = await presets(app);
    expect(v.presets).toEqual([{ ...OFFLINE, origin: 'file', matchedContainers: [] }]);
    expect(v.file).toEqual({ path, loadedAt: expect.any(String) });

    writeFileSync(path, JSON.stringify({ version: 1, presets: [{ ...OFFLINE, credentials: { profile: 'dev', secretAccessKey: 'x' } }] }));
    const broken = await until(async () => {
      const x = await presets(app);
      return x.file?.error ? x : undefined;
    }, 5000, 'the file error');
    expect(broken.file!.error).toMatch(/holds secrets/);
    expect(broken.file!.issues).toEqual([{ path: 'presets.0.credentials.secretAccessKey', message: expect.stringMatching(/looks like a secret/) }]);
    // The last good version stays in force.
    expect(broken.presets.map((p) => p.name)).toEqual(['offline']);
    expect(backend.problems().map((p) => p.id)).toContain('presets-file');
  });
});

describe('PUT /api/presets', () => {
  it('imports a preset file: the presets, the containers using them, their source and task; the export round-trips', async () => {
    const { app, docker, backend, stateDir } = await setup();
    const orders = docker.add({
      name: 'shop-orders-1',
      labels: { 'com.docker.compose.project': 'shop', 'com.docker.compose.service': 'orders' },
      networks: { bridge: '172.17.0.5', [NETWORK]: '169.254.170.131' },
    });
    // Matches `offline` but is not in ECS mode: not "using" it.
    docker.add({ name: 'localstack', image: 'local-dev/localstack:3' });
    await until(() => backend.index.size === 2, 3000, 'indexed');

    const r = await importText(app, JSON.stringify(FILE, null, 2));
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body as PresetsView).toEqual({
      presets: [
        { ...ORDERS, origin: 'imported', matchedContainers: ['shop-orders-1'] },
        { ...OFFLINE, origin: 'imported', matchedContainers: [] },
      ],
    });
    expect(await presets(app)).toEqual(r.body);
    // The source a preset derives (profile dev) is listed at once, so the UI can name it.
    const sources = (await request(app).get('/api/sources')).body as { id: string; summary: string }[];
    expect(sources.find((s) => s.id === 'profile:dev')).toMatchObject({ summary: expect.stringMatching(/dev/) });
    // Kept in the state dir.
    expect(JSON.parse(readFileSync(join(stateDir, 'presets.json'), 'utf8')).presets.map((p: { name: string }) => p.name)).toEqual(['orders', 'offline']);

    const c = await until(async () => {
      const list = (await request(app).get('/api/containers')).body as ContainerView[];
      const v = list.find((x) => x.id === orders.Id);
      return v?.task?.family === 'orders-task' ? v : undefined;
    }, 3000, 'the task family from the preset');
    expect(c.source).toEqual({ effectiveId: 'fake', origin: 'preset', presetName: 'orders' });
    expect(c.task).toMatchObject({ family: 'orders-task', revision: '12', containerName: 'orders-api' });

    const e = await request(app).get('/api/presets/export');
    expect(e.status).toBe(200);
    expect(e.headers['content-disposition']).toBe('attachment; filename="ecs-endpoints.presets.json"');
    expect(e.headers['content-type']).toMatch(/^application\/json/);
    expect(JSON.parse(e.text)).toEqual(FILE);

    // Importing the export again changes nothing.
    const again = await importText(app, e.text);
    expect(again.status).toBe(200);
    expect(again.body).toEqual(r.body);

    // Importing a file with fewer presets replaces the imported ones.
    const fewer = await importText(app, JSON.stringify({ version: 1, presets: [OFFLINE] }));
    expect(fewer.status).toBe(200);
    expect((fewer.body as PresetsView).presets.map((p) => p.name)).toEqual(['offline']);
  });

  it('refuses a preset file with a secret in it (400 with the path to each), and changes nothing', async () => {
    const { app, stateDir } = await setup();
    expect((await importText(app, JSON.stringify({ version: 1, presets: [OFFLINE] }))).status).toBe(200);
    const withSecret = {
      version: 1,
      presets: [{ name: 'leaky', match: { containerName: 'x' }, credentials: { profile: 'dev', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' } }],
    };
    const before = readFileSync(join(stateDir, 'presets.json'), 'utf8');
    const r = await importText(app, JSON.stringify(withSecret));
    expect(r.status).toBe(400);
    const body = r.body as ApiError;
    expect(body.error).toMatch(/holds secrets/);
    expect(body.remedy).toMatch(/Refer to credentials instead/);
    expect(body.issues).toEqual(
      expect.arrayContaining([
        { path: 'presets.0.credentials.secretAccessKey', message: expect.stringMatching(/looks like a secret field/) },
        { path: 'presets.0.credentials.secretAccessKey', message: expect.stringMatching(/secret access key/) },
      ]),
    );
    // The answer does not echo the secret.
    expect(r.text).not.toContain('wJalrXUtnFEMI');
    expect((await presets(app)).presets.map((p) => p.name)).toEqual(['offline']);
    expect(readFileSync(join(stateDir, 'presets.json'), 'utf8')).toBe(before);
  });

  it('refuses text that is not JSON (400, with a remedy)', async () => {
    const { app } = await setup();
    const r = await importText(app, '{"version": 1, "presets": [');
    expect(r.status).toBe(400);
    expect(r.body.error).toMatch(/^The imported preset file is not valid JSON/);
    expect(r.body.remedy).toMatch(/JSON/);
    expect((await presets(app)).presets).toEqual([]);
  });

  it('refuses a file nested thousands of levels deep with a 400 saying why, not a 500 stack overflow', async () => {
    const { app } = await setup();
    const deep = `{"version": 1, "presets": [{"name": "a", "description": ${'['.repeat(2500)}${']'.repeat(2500)}}]}`;
    // 30,000 levels still fit the 64 KB body limit, and would overflow anything recursive (stringify).
    const deeper = `{"version": 1, "presets": [{"name": "a", "description": ${'['.repeat(30_000)}${']'.repeat(30_000)}}]}`;
    const put = (text: string) => request(app).put('/api/presets').send(text).set('Content-Type', 'application/json');
    for (const r of [await importText(app, deep), await put(deep), await put(deeper)]) {
      expect(r.status).toBe(400);
      expect(r.body.error).toMatch(/^The imported preset file is nested more than 10 levels; a preset file is flat JSON/);
      expect(r.body.remedy).toMatch(/docs\/presets\.md/);
    }
    expect((await presets(app)).presets).toEqual([]);
  });

  it('refuses a file that breaks the schema, naming each field', async () => {
    const { app } = await setup();
    const bad = {
      version: 1,
      presets: [
        { name: 'orders', match: { composeService: 'orders' }, credentials: { roleArn: 'not-an-arn' } },
        { name: 'web', match: {}, task: { launchType: 'LAMBDA' } },
      ],
    };
    const r = await importText(app, JSON.stringify(bad));
    expect(r.status).toBe(400);
    expect(r.body.error).toMatch(/is not a valid preset file/);
    expect(r.body.remedy).toMatch(/Fix the fields named above/);
    const paths = (r.body as ApiError).issues!.map((i) => i.path);
    expect(paths).toEqual(expect.arrayContaining(['presets.0.credentials', 'presets.1.match', 'presets.1.task.launchType']));
    for (const i of r.body.issues) expect(i.message).not.toBe('');
    expect((await presets(app)).presets).toEqual([]);
  });

  it('refuses a body without the file\'s text, and accepts the preset file itself as the body (curl -d @file)', async () => {
    const { app } = await setup();
    const none = await request(app).put('/api/presets').send({ text: '{}' });
    expect(none.status).toBe(400);
    expect(none.body.issues).toEqual([{ path: 'content', message: expect.any(String) }, { path: 'text', message: 'Unknown field "text"' }]);
    expect(none.body.remedy).toMatch(/"content"/);
    const notString = await request(app).put('/api/presets').send({ content: { version: 1, presets: [] } });
    expect(notString.status).toBe(400);
    const empty = await request(app).put('/api/presets').set('Content-Type', 'application/json');
    expect(empty.status).toBe(400);

    const raw = await request(app).put('/api/presets').send(FILE);
    expect(raw.status).toBe(200);
    expect((raw.body as PresetsView).presets.map((p) => p.name)).toEqual(['orders', 'offline']);
    // The same checks apply to it.
    const leaky = await request(app).put('/api/presets').send({ version: 1, presets: [{ name: 'x', token: 'abc' }] });
    expect(leaky.status).toBe(400);
    expect(leaky.body.issues).toEqual([{ path: 'presets.0.token', message: expect.any(String) }]);
  });
});

describe('GET /api/presets/schema', () => {
  it('publishes the preset file\'s JSON Schema', async () => {
    const { app } = await setup();
    const r = await request(app).get('/api/presets/schema');
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toMatch(/^application\/schema\+json/);
    const schema = JSON.parse(r.text);
    expect(schema).toMatchObject({ title: 'ECS Endpoints presets', $id: 'https://ecs-endpoints.dev/preset.schema.json', type: 'object' });
    expect(schema.required).toEqual(expect.arrayContaining(['version', 'presets']));
    expect(schema.properties.presets.type).toBe('array');
  });
});

describe('the guard over TCP', () => {
  it('takes a preset import only with the token, from our own origin', async () => {
    const { base, backend } = await serveControl({ token: TOKEN });
    const body = JSON.stringify({ content: JSON.stringify(FILE) });
    const put = (headers: Record<string, string>) => fetch(`${base}/api/presets`, { method: 'PUT', headers: { 'Content-Type': 'application/json', ...headers }, body });

    expect((await put({})).status).toBe(401);
    expect((await put({ 'X-ECS-Endpoints-Token': 'f'.repeat(64) })).status).toBe(403);
    expect((await put({ 'X-ECS-Endpoints-Token': TOKEN, Origin: 'http://evil.example' })).status).toBe(403);
    expect((await fetch(`${base}/api/presets`)).status).toBe(401);
    expect((await fetch(`${base}/api/presets/export`)).status).toBe(401);
    expect(backend.presets.state().presets).toEqual([]);

    const ok = await put({ 'X-ECS-Endpoints-Token': TOKEN, Origin: base });
    expect(ok.status).toBe(200);
    expect(backend.presets.state().presets.map((p) => p.name)).toEqual(['orders', 'offline']);
  });
});
