/**
 * What the UI changes survives a backend restart: sources (sources.json), assignments
 * (assignments.json), ECS mode choices (ecs-mode.json) and the recreated container itself.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ContainerView, SourceView } from '@ecs-endpoints/contract';
import { startControlServer, type ControlServer } from '../../src/control/index.ts';
import type { EcsChangeResult } from '../../src/control/ecs.ts';
import { controlClient, type ControlClient } from '../../../e2e/support/control-client.ts';
import { BUSYBOX, docker, exec, httpFrom, removeAll, uniqueName } from '../support/docker.ts';
import { eventually, startTestBackend, type TestBackend } from '../support/backend.ts';

type J = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

let tb: TestBackend;
let cs: ControlServer;
let api: ControlClient;
const created: (Docker.Container | string)[] = [];
const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';

async function start(stateDir?: string, network?: string, subnet?: string): Promise<void> {
  tb = await startTestBackend({}, { ...(stateDir ? { stateDir } : {}), ...(network ? { network } : {}), ...(subnet ? { subnet } : {}) });
  cs = await startControlServer(tb.backend, { control: { kind: 'tcp', host: '127.0.0.1', port: 0 } });
  api = controlClient(cs.url, cs.token!);
}

async function restart(): Promise<void> {
  const { stateDir, network } = tb;
  const subnet = tb.config.subnet.cidr;
  await cs.close();
  await tb.stop();
  await start(stateDir, network, subnet);
}

async function view(id: string): Promise<ContainerView | undefined> {
  return (await api.call<ContainerView[]>('GET', '/api/containers')).body.find((c) => c.id === id);
}

beforeAll(async () => {
  await start();
}, 120_000);

afterAll(async () => {
  await cs?.close();
  await removeAll(created);
  await tb?.cleanup();
});

describe('durable state across a backend restart', () => {
  let recreatedId: string;
  let credsPath: string;
  let profileSource: SourceView;
  let staticSource: SourceView;
  let doomed: SourceView;
  let labelledId: string;

  it('sources created, edited and deleted through the API', async () => {
    const p = await api.call<SourceView>('POST', '/api/sources', { type: 'profile', name: 'Dev account', profile: 'dev' });
    expect(p.status, p.text).toBe(201);
    expect(p.headers.location).toBe(`/api/sources/${p.body.id}`);
    profileSource = p.body;
    expect(profileSource).toMatchObject({ id: 'dev-account', type: 'profile', summary: 'profile dev', builtIn: false, assignedTo: [] });

    const s = await api.call<SourceView>('POST', '/api/sources', { type: 'static', name: 'Keys', accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: SECRET });
    expect(s.status, s.text).toBe(201);
    staticSource = s.body;
    expect(s.text).not.toContain(SECRET);

    const edited = await api.call<SourceView>('PUT', `/api/sources/${profileSource.id}`, { type: 'profile', name: 'Dev account', profile: 'dev-admin' });
    expect(edited.status, edited.text).toBe(200);
    expect(edited.body.summary).toBe('profile dev-admin');
    // Editing a static source without the secret keeps the stored one (and never shows it).
    const keep = await api.call<SourceView>('PUT', `/api/sources/${staticSource.id}`, { type: 'static', name: 'Keys (renamed)', accessKeyId: 'AKIAIOSFODNN7EXAMPLE' });
    expect(keep.status, keep.text).toBe(200);
    expect(keep.body.name).toBe('Keys (renamed)');

    const d = await api.call<SourceView>('POST', '/api/sources', { type: 'fake', name: 'Doomed' });
    doomed = d.body;
    expect((await api.call('DELETE', `/api/sources/${doomed.id}`)).status).toBe(204);
    expect((await api.call('DELETE', `/api/sources/${doomed.id}`)).status).toBe(404);

    const list = await api.call<SourceView[]>('GET', '/api/sources');
    expect(list.text).not.toContain(SECRET);
    expect(list.body.map((x) => x.id)).toEqual(expect.arrayContaining(['none', 'fake', 'default', 'dev-account', 'keys']));
    expect(list.body.map((x) => x.id)).not.toContain(doomed.id);
    // The secret is on disk, in the 0600 file, and only there.
    const file = join(tb.stateDir, 'sources.json');
    expect(readFileSync(file, 'utf8')).toContain(SECRET);
  });

  it('a recreated container with an assignment', async () => {
    const name = uniqueName('durable');
    const c = await docker.createContainer({ name, Image: BUSYBOX, Cmd: ['sleep', '3600'], StopSignal: 'SIGKILL', Labels: { 'ecs-endpoints-test': 'true' } });
    created.push(c);
    await c.start();
    await eventually(() => view(c.id), 10_000, 'listed');
    const r = await api.call<EcsChangeResult>('POST', `/api/containers/${c.id}/ecs`, { enabled: true, recreate: true });
    expect(r.status, r.text).toBe(200);
    recreatedId = r.body.container.id;
    created.push(recreatedId);
    const a = await api.call('PUT', `/api/containers/${recreatedId}/source`, { sourceId: 'fake' });
    expect(a.status, a.text).toBe(200);
    const env = (await exec(recreatedId, ['env'])).stdout;
    credsPath = /AWS_CONTAINER_CREDENTIALS_RELATIVE_URI=(\S+)/.exec(env)![1]!;
    expect((await httpFrom(recreatedId, `http://${tb.address}${credsPath}`)).status).toBe(200);
    // An assignment to a source that is then deleted is forgotten with it.
    const temp = await api.call<SourceView>('POST', '/api/sources', { type: 'fake', name: 'Temporary' });
    const other = await docker.createContainer({ name: uniqueName('other'), Image: BUSYBOX, Cmd: ['sleep', '3600'], StopSignal: 'SIGKILL', Labels: { 'ecs-endpoints-test': 'true' } });
    created.push(other);
    await other.start();
    await eventually(() => view(other.id), 10_000, 'other listed');
    expect((await api.call('PUT', `/api/containers/${other.id}/source`, { sourceId: temp.body.id })).status).toBe(200);
    expect((await api.call<SourceView[]>('GET', '/api/sources')).body.find((s) => s.id === temp.body.id)!.assignedTo).toEqual([other.id]);
    expect((await api.call('DELETE', `/api/sources/${temp.body.id}`)).status).toBe(204);
    expect((await view(other.id))!.source.assignedId).toBeUndefined();
  });

  it('a labelled container switched off', async () => {
    const c = await docker.createContainer({ name: uniqueName('labelled'), Image: BUSYBOX, Cmd: ['sleep', '3600'], StopSignal: 'SIGKILL', Labels: { 'ecs-endpoints-test': 'true', 'ecs-endpoints.enable': 'true' } });
    created.push(c);
    await c.start();
    labelledId = c.id;
    await eventually(async () => (await view(c.id))?.ecs.enabled, 10_000, 'auto-attached by its label');
    const off = await api.call<EcsChangeResult>('POST', `/api/containers/${c.id}/ecs`, { enabled: false });
    expect(off.status, off.text).toBe(200);
    expect(off.body.container.ecs.enabled).toBe(false);
    expect(JSON.parse(readFileSync(join(tb.stateDir, 'ecs-mode.json'), 'utf8')).off).toContain(c.id);
  });

  it('are all there after a restart on the same state dir', async () => {
    const oldToken = cs.token!;
    await restart();
    // A new run has a new token; the old one is refused.
    expect(cs.token).not.toBe(oldToken);
    expect((await fetch(`${cs.url}api/status`, { headers: { 'X-ECS-Endpoints-Token': oldToken } })).status).toBe(403);

    const list = await api.call<SourceView[]>('GET', '/api/sources');
    expect(list.status).toBe(200);
    expect(list.text).not.toContain(SECRET);
    const byId = new Map(list.body.map((s) => [s.id, s]));
    expect(byId.get('dev-account')).toMatchObject({ name: 'Dev account', summary: 'profile dev-admin' });
    expect(byId.get('keys')).toMatchObject({ name: 'Keys (renamed)', type: 'static' });
    expect(byId.has(doomed.id)).toBe(false);

    const v = await eventually(() => view(recreatedId), 10_000, 'recreated container listed after restart');
    expect(v.ecs).toMatchObject({ enabled: true, hasEnvironment: true, auto: false });
    expect(v.source).toMatchObject({ effectiveId: 'fake', origin: 'assignment', assignedId: 'fake' });
    expect(byId.get('fake')!.assignedTo).toContain(recreatedId);
    const creds = await httpFrom(recreatedId, `http://${tb.address}${credsPath}`);
    expect(creds.status, creds.body).toBe(200);
    expect((JSON.parse(creds.body) as J).AccessKeyId).toMatch(/^ASIAFAKE/);

    // The labelled container the user switched off is not put back by the new run's auto-attach.
    const tick = await docker.createContainer({ name: uniqueName('tick'), Image: BUSYBOX, Cmd: ['sleep', '3600'], StopSignal: 'SIGKILL', Labels: { 'ecs-endpoints-test': 'true' } });
    created.push(tick);
    await tick.start();
    await eventually(() => view(tick.id), 10_000, 'a later event processed');
    expect((await view(labelledId))!.ecs.enabled).toBe(false);
    expect(Object.keys((await docker.getContainer(labelledId).inspect()).NetworkSettings.Networks)).not.toContain(tb.network);
  });
});
