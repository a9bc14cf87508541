/**
 * The control API against a real Backend (host topology, own network and subnet) and real busybox
 * containers: listing, ECS mode on/off (attach), recreate with the ECS environment, assignment,
 * server-sent events.
 */
import { randomUUID } from 'node:crypto';
import type Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ContainerView, LiveEvent, SourceView } from '@ecs-endpoints/contract';
import { startControlServer, type ControlServer } from '../../src/control/index.ts';
import type { EcsChangeResult } from '../../src/control/ecs.ts';
import { controlClient, openEvents, type ControlClient, type SseReader } from '../../../e2e/support/control-client.ts';
import { BUSYBOX, docker, exec, httpFrom, removeAll, uniqueName } from '../support/docker.ts';
import { eventually, inModel, startTestBackend, type TestBackend } from '../support/backend.ts';

type J = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

let tb: TestBackend;
let cs: ControlServer;
let api: ControlClient;
let events: SseReader;
const created: (Docker.Container | string)[] = [];

async function create(opts: Docker.ContainerCreateOptions, start = true): Promise<Docker.Container> {
  const c = await docker.createContainer({
    Image: BUSYBOX,
    Cmd: ['sleep', '3600'],
    StopSignal: 'SIGKILL',
    ...opts,
    Labels: { 'ecs-endpoints-test': 'true', ...(opts.Labels ?? {}) },
  });
  created.push(c);
  if (start) await c.start();
  return c;
}

async function view(id: string): Promise<ContainerView | undefined> {
  const r = await api.call<ContainerView[]>('GET', '/api/containers');
  expect(r.status).toBe(200);
  return r.body.find((c) => c.id === id);
}

/** The container's view once `pred` holds (for eventually()). */
async function viewWhen(id: string, pred: (v: ContainerView) => boolean = () => true): Promise<ContainerView | undefined> {
  const v = await view(id);
  return v && pred(v) ? v : undefined;
}

function envOf(info: Docker.ContainerInspectInfo): Record<string, string> {
  return Object.fromEntries((info.Config.Env ?? []).map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)]));
}

beforeAll(async () => {
  tb = await startTestBackend();
  cs = await startControlServer(tb.backend, { control: { kind: 'tcp', host: '127.0.0.1', port: 0 } });
  api = controlClient(cs.url, cs.token!);
  events = await openEvents(cs.url, cs.token);
}, 120_000);

/** Volumes a recreated container took over by name: removing the container does not remove them. */
const volumes: string[] = [];

afterAll(async () => {
  events?.close();
  await cs?.close();
  await removeAll(created);
  for (const v of volumes) await docker.getVolume(v).remove().catch(() => undefined);
  await tb?.cleanup();
});

describe('GET /api/containers', () => {
  it('lists every container with its ECS state, and not as in ECS mode before it is switched on', async () => {
    const plain = await create({ name: uniqueName('plain'), Labels: { 'com.docker.compose.project': 'shop', 'com.docker.compose.service': 'web' } });
    const stopped = await create({ name: uniqueName('stopped') }, false);
    const hostNet = await create({ name: uniqueName('hostnet'), HostConfig: { NetworkMode: 'host' } });
    await eventually(async () => (await view(stopped.id)) && (await view(hostNet.id)), 10_000, 'containers listed');
    const v = await eventually(() => viewWhen(plain.id), 10_000, 'plain listed');
    expect(v).toMatchObject({
      id: plain.id,
      image: BUSYBOX,
      state: 'running',
      compose: { project: 'shop', service: 'web' },
      ecs: { enabled: false, canEnable: true, hasEnvironment: false, auto: false },
      source: { effectiveId: 'default', origin: 'default' },
    });
    expect(v.status).toMatch(/^Up /);
    expect(v.task).toBeUndefined();
    const s = (await view(stopped.id))!;
    expect(s.state).toBe('created');
    expect(s.status).toBe('Created');
    const h = (await view(hostNet.id))!;
    expect(h.ecs.canEnable).toBe(false);
    expect(h.ecs.reason).toMatch(/host network/);
  });

  it('marks containers that joined the network by themselves as auto, and labelled ones too', async () => {
    const joined = await create({ name: uniqueName('joined'), HostConfig: { NetworkMode: tb.network } });
    const labelled = await create({ name: uniqueName('labelled'), Labels: { 'ecs-endpoints.enable': 'true' } });
    const j = await eventually(() => viewWhen(joined.id, (x) => x.ecs.enabled), 10_000, 'joined in ECS mode');
    expect(j.ecs).toMatchObject({ enabled: true, auto: true });
    expect(j.ecs.address).toMatch(new RegExp(`^${tb.address.split('.').slice(0, 3).join('\\.')}\\.`));
    expect(j.task?.arn).toMatch(/^arn:aws:ecs:us-east-1:\d{12}:task\/default\/[0-9a-f]{32}$/);
    // The label puts it in ECS mode automatically (auto-attach).
    const l = await eventually(() => viewWhen(labelled.id, (x) => x.ecs.enabled), 10_000, 'labelled auto-attached');
    expect(l.ecs.auto).toBe(true);
  });
});

describe('POST /api/containers/:id/ecs', () => {
  it('attaches a container that has the ECS environment; its metadata answers; switching off detaches it', async () => {
    const endpoint = randomUUID();
    const c = await create({ name: uniqueName('withenv'), Env: [`ECS_CONTAINER_METADATA_URI_V4=http://${tb.address}/v4/${endpoint}`] });
    await eventually(() => view(c.id), 10_000, 'listed');
    const on = await api.call<EcsChangeResult>('POST', `/api/containers/${c.id}/ecs`, { enabled: true });
    expect(on.status).toBe(200);
    expect(on.body.recreatedFrom).toBeUndefined();
    expect(on.body.message).toBeUndefined();
    expect(on.body.container.ecs).toMatchObject({ enabled: true, hasEnvironment: true, auto: false });
    expect(on.body.container.ecs.address).toBeTruthy();
    expect(tb.backend.model.byContainerId.get(c.id)).toBeDefined();
    const info = await c.inspect();
    expect(Object.keys(info.NetworkSettings.Networks)).toContain(tb.network);
    const md = await httpFrom(c, `http://${tb.address}/v4/${endpoint}`);
    expect(md.status).toBe(200);
    expect(JSON.parse(md.body).DockerId).toBe(c.id);

    const off = await api.call<EcsChangeResult>('POST', `/api/containers/${c.id}/ecs`, { enabled: false });
    expect(off.status).toBe(200);
    expect(off.body.container.ecs.enabled).toBe(false);
    expect(tb.backend.model.byContainerId.get(c.id)).toBeUndefined();
    expect(Object.keys((await c.inspect()).NetworkSettings.Networks)).not.toContain(tb.network);
  });

  it('attaches a container without the environment when recreate is not asked, and says what is missing', async () => {
    const c = await create({ name: uniqueName('noenv') });
    await eventually(() => view(c.id), 10_000, 'listed');
    const on = await api.call<EcsChangeResult>('POST', `/api/containers/${c.id}/ecs`, { enabled: true });
    expect(on.status).toBe(200);
    expect(on.body.container.id).toBe(c.id);
    expect(on.body.container.ecs).toMatchObject({ enabled: true, hasEnvironment: false });
    expect(on.body.message).toMatch(/no ECS environment/);
    expect(on.body.message).toMatch(/recreate: true/);
  });

  it('keeps a labelled container out after it is switched off, and says why it may come back', async () => {
    // Labelled, and joined by its own configuration (as compose does with networks:), so auto-attach never had to act.
    const c = await create({ name: uniqueName('lbl-off'), Labels: { 'ecs-endpoints.enable': 'true' } }, false);
    await docker.getNetwork(tb.network).connect({ Container: c.id });
    await c.start();
    await eventually(async () => (await view(c.id))?.ecs.enabled, 10_000, 'in ECS mode');
    const off = await api.call<EcsChangeResult>('POST', `/api/containers/${c.id}/ecs`, { enabled: false });
    expect(off.status).toBe(200);
    expect(off.body.message).toMatch(/labelled/);
    // Auto-attach must not put it back: the model is rebuilt on every event; give it a few.
    await docker.getContainer(c.id).restart({ t: 0 });
    await eventually(async () => (await c.inspect()).State.Running && tb.backend.model.version > 0, 10_000, 'restarted');
    const later = await create({ name: uniqueName('tick') });
    await eventually(() => view(later.id), 10_000, 'a later event processed');
    expect((await view(c.id))!.ecs.enabled).toBe(false);
  });

  it('recreates a container without the environment, keeping name, labels, command and volumes; its credentials and metadata answer from inside', async () => {
    const name = uniqueName('recreate');
    const old = await create({
      name,
      Cmd: ['sh', '-c', 'echo hello > /data/hello.txt; exec sleep 3600'],
      Env: ['APP_MODE=test', 'AWS_REGION=eu-west-1'],
      Labels: { 'app.tier': 'backend' },
      WorkingDir: '/tmp',
      Volumes: { '/data': {} },
      HostConfig: { Memory: 64 * 1024 * 1024, RestartPolicy: { Name: 'on-failure', MaximumRetryCount: 2 } },
    });
    await eventually(async () => (await exec(old, ['cat', '/data/hello.txt'])).stdout.includes('hello'), 10_000, 'file written');
    await exec(old, ['sh', '-c', 'echo kept > /data/kept.txt']);
    await eventually(() => view(old.id), 10_000, 'listed');

    const from = events.events.length;
    const r = await api.call<EcsChangeResult>('POST', `/api/containers/${old.id}/ecs`, { enabled: true, recreate: true });
    expect(r.status, r.text).toBe(200);
    expect(r.body.recreatedFrom).toBe(old.id);
    const id = r.body.container.id;
    created.push(id);
    expect(id).not.toBe(old.id);
    expect(r.body.container).toMatchObject({ name, state: 'running', ecs: { enabled: true, hasEnvironment: true } });

    // The old container is gone, the new one has the same configuration plus the environment.
    await expect(old.inspect()).rejects.toMatchObject({ statusCode: 404 });
    const info = await docker.getContainer(id).inspect();
    expect(info.Name).toBe(`/${name}`);
    expect(info.Config.Cmd).toEqual(['sh', '-c', 'echo hello > /data/hello.txt; exec sleep 3600']);
    expect(info.Config.WorkingDir).toBe('/tmp');
    expect(info.Config.Labels).toMatchObject({ 'app.tier': 'backend', 'ecs-endpoints-test': 'true', 'ecs-endpoints.managed': 'true' });
    expect(info.HostConfig.Memory).toBe(64 * 1024 * 1024);
    expect(info.HostConfig.RestartPolicy).toMatchObject({ Name: 'on-failure', MaximumRetryCount: 2 });
    expect(Object.keys(info.NetworkSettings.Networks).sort()).toEqual(['bridge', tb.network].sort());
    const env = envOf(info);
    expect(env.APP_MODE).toBe('test');
    expect(env.AWS_REGION).toBe('eu-west-1');
    expect(env.AWS_DEFAULT_REGION).toBe('eu-west-1');
    expect(env.AWS_EXECUTION_ENV).toBe('AWS_ECS_EC2');
    expect(env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI).toMatch(/^\/v2\/credentials\/[0-9a-f]{32}$/);
    const uuid = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
    expect(env.ECS_CONTAINER_METADATA_URI_V4).toMatch(new RegExp(`^http://${tb.address.replace(/\./g, '\\.')}/v4/${uuid}$`));
    const endpointId = env.ECS_CONTAINER_METADATA_URI_V4!.split('/').pop();
    expect(env.ECS_CONTAINER_METADATA_URI).toBe(`http://${tb.address}/v3/${endpointId}`);
    expect(env.ECS_AGENT_URI).toBe(`http://${tb.address}/api/${endpointId}`);
    // The anonymous volume came along.
    for (const m of info.Mounts) if (m.Type === 'volume' && m.Name) volumes.push(m.Name);
    expect((await exec(id, ['cat', '/data/kept.txt'])).stdout.trim()).toBe('kept');

    // Live events showed the new container under the name.
    await events.waitFor((e) => e.type === 'containers' && e.containers.some((c) => c.id === id && c.ecs.enabled), 10_000, 'containers event with the recreated container', from);

    // Before an assignment: the default source (none) serves no credentials.
    const none = await httpFrom(id, `http://${tb.address}${env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI}`);
    expect(none.status).toBe(400);

    const assign = await api.call<{ container: ContainerView }>('PUT', `/api/containers/${id}/source`, { sourceId: 'fake' });
    expect(assign.status, assign.text).toBe(200);
    expect(assign.body.container.source).toMatchObject({ effectiveId: 'fake', origin: 'assignment', assignedId: 'fake' });

    const creds = await httpFrom(id, `http://${tb.address}${env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI}`);
    expect(creds.status, creds.body).toBe(200);
    const body = JSON.parse(creds.body) as J;
    expect(body.AccessKeyId).toMatch(/^ASIA/);
    expect(body.SecretAccessKey).toBeTruthy();
    expect(body.Token).toBeTruthy();
    expect(body.RoleArn).toMatch(/^arn:aws:iam::\d{12}:role\//);

    const md = await httpFrom(id, env.ECS_CONTAINER_METADATA_URI_V4!);
    expect(md.status).toBe(200);
    expect(JSON.parse(md.body)).toMatchObject({ DockerId: id, DockerName: name, Name: name });

    // The request log names the container and the source, never the credentials id or a secret.
    const log = await api.call<J[]>('GET', '/api/requests?limit=10');
    const entry = log.body.find((e) => e.kind === 'credentials' && e.status === 200);
    expect(entry).toMatchObject({ containerId: id, containerName: name, sourceId: 'fake', path: '/v2/credentials/****' });
    expect(log.text).not.toContain(env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI!.split('/').pop());
    expect(log.text).not.toContain(body.SecretAccessKey);
    expect(log.text).not.toContain(body.Token);
    // The request is also in the container's lastCall.
    await eventually(async () => (await view(id))?.lastCall?.status === 200, 5000, 'lastCall');

    // The sources list counts the assignment.
    const sources = await api.call<SourceView[]>('GET', '/api/sources');
    expect(sources.body.find((s) => s.id === 'fake')!.assignedTo).toContain(id);
  });

  it('refuses to recreate a container started with --rm, and leaves it alone', async () => {
    const c = await create({ name: uniqueName('autorm'), HostConfig: { AutoRemove: true } });
    await eventually(() => view(c.id), 10_000, 'listed');
    const r = await api.call<J>('POST', `/api/containers/${c.id}/ecs`, { enabled: true, recreate: true });
    expect(r.status).toBe(409);
    expect(r.body.error).toMatch(/--rm/);
    expect(r.body.remedy).toBeTruthy();
    expect((await c.inspect()).State.Running).toBe(true);
  });

  it('answers 404 with a remedy for an unknown container, 400 for bad input', async () => {
    const r = await api.call<J>('POST', `/api/containers/${'f'.repeat(64)}/ecs`, { enabled: true });
    expect(r.status).toBe(404);
    expect(r.body).toMatchObject({ error: expect.stringContaining('no container'), remedy: expect.any(String) });
    const c = await create({ name: uniqueName('badinput') });
    await eventually(() => view(c.id), 10_000, 'listed');
    const bad = await api.call<J>('POST', `/api/containers/${c.id}/ecs`, { enabled: 'yes' });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatch(/enabled/);
    expect(bad.body.issues[0].path).toBe('enabled');
    const unknown = await api.call<J>('PUT', `/api/containers/${c.id}/source`, { sourceId: 'nope' });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error).toBe('There is no source "nope".');
    expect(unknown.body.remedy).toMatch(/fake/);
  });
});

describe('GET /api/events', () => {
  it('sends a snapshot on connect, then a containers event when a container starts and when it stops', async () => {
    const reader = await openEvents(cs.url, cs.token);
    try {
      expect(reader.response.headers['content-type']).toMatch(/^text\/event-stream/);
      await reader.waitFor((e) => e.type === 'status', 5000, 'status snapshot');
      await reader.waitFor((e) => e.type === 'sources', 5000, 'sources snapshot');
      const from = reader.events.length;
      const c = await create({ name: uniqueName('sse') });
      const started = await reader.waitFor<Extract<LiveEvent, { type: 'containers' }>>(
        (e) => e.type === 'containers' && e.containers.some((x) => x.id === c.id && x.state === 'running'),
        10_000,
        'containers event with the new container',
        from,
      );
      expect(started.containers.find((x) => x.id === c.id)!.name).toMatch(/^sse-/);
      const from2 = reader.events.length;
      await c.kill();
      await reader.waitFor((e) => e.type === 'containers' && e.containers.some((x) => x.id === c.id && x.state === 'exited'), 10_000, 'containers event with the container exited', from2);
    } finally {
      reader.close();
    }
  });

  it('refuses the stream without the token', async () => {
    const r = await fetch(`${cs.url}api/events`);
    expect(r.status).toBe(401);
    await r.body?.cancel();
  });
});

describe('a container that is already running in ECS mode', () => {
  it('is reported with its task and address, and its inModel entry matches', async () => {
    const c = await create({ name: uniqueName('net'), HostConfig: { NetworkMode: tb.network } });
    await inModel(tb, c.id);
    // Once started, it has its address (the create event may come before the network has given it one).
    const v = await eventually(() => viewWhen(c.id, (x) => x.ecs.enabled && Boolean(x.ecs.address)), 10_000, 'listed in ECS mode with an address');
    const entry = tb.backend.model.byContainerId.get(c.id)!;
    expect(v.ecs.address).toBe(entry.container.address);
    expect(v.ecs.address).toBe((await c.inspect()).NetworkSettings.Networks[tb.network]!.IPAddress);
    expect(v.task).toEqual({ arn: entry.task.arn, family: entry.task.family, revision: entry.task.revision, containerName: entry.container.ecsName });
  });
});
