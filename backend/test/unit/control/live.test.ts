import { describe, expect, it } from 'vitest';
import { openEvents } from '../../../../e2e/support/control-client.ts';
import { NETWORK, onCleanup, serveControl, until } from './helpers.ts';

const TOKEN = 'd'.repeat(64);

async function serve(live: { debounceMs?: number; heartbeatMs?: number; maxClients?: number } = {}) {
  const served = await serveControl({ token: TOKEN, live });
  const base = served.base;
  const open = async () => {
    const r = await openEvents(base, TOKEN);
    onCleanup(() => r.close());
    return r;
  };
  return { ...served, open };
}

describe('GET /api/events', () => {
  it('starts with a snapshot: status, containers, sources, presets', async () => {
    const { open, docker, backend } = await serve();
    docker.add({ name: 'one' });
    await until(() => backend.index.size === 1, 3000, 'indexed');
    const r = await open();
    await r.waitFor((e) => e.type === 'presets');
    expect(r.events.map((e) => e.type)).toEqual(['status', 'containers', 'sources', 'presets']);
    expect(r.events[3]).toEqual({ type: 'presets', presets: { presets: [] } });
    expect(r.raw()).toMatch(/^retry: 2000\n\ndata: \{"type":"status"/);
    const containers = r.events[1]!;
    expect(containers.type === 'containers' && containers.containers.map((c) => c.name)).toEqual(['one']);
  });

  it('coalesces a burst of model changes into one containers event', async () => {
    const { open, docker, backend } = await serve({ debounceMs: 300 });
    const r = await open();
    await r.waitFor((e) => e.type === 'sources');
    const from = r.events.length;
    const version = backend.model.version;
    // Five containers in five separate rebuilds, well inside the debounce window.
    for (let i = 0; i < 5; i++) {
      docker.add({ name: `burst-${i}` });
      await until(() => backend.index.size === i + 1, 1000, `container ${i}`);
    }
    expect(backend.model.version - version).toBeGreaterThanOrEqual(5);
    await r.waitFor((e) => e.type === 'containers' && e.containers.length === 5, 3000, 'five containers', from);
    // Give a second event (if any) time to arrive: it must not.
    const more = await r.waitFor((e) => e.type === 'containers', 300, 'a second event', r.events.length).catch(() => undefined);
    expect(more).toBeUndefined();
    expect(r.events.slice(from).filter((e) => e.type === 'containers')).toHaveLength(1);
  });

  it('streams request log entries (redacted) and then the container with its last call', async () => {
    const { open, docker, backend } = await serve({ debounceMs: 20 });
    const c = docker.add({ name: 'caller', networks: { [NETWORK]: '169.254.170.140' } });
    await until(() => backend.index.get(c.Id), 3000, 'indexed');
    const r = await open();
    await r.waitFor((e) => e.type === 'sources');
    const from = r.events.length;
    backend.requests.add({ time: new Date().toISOString(), method: 'GET', path: '/v2/credentials/abcdef', status: 200, latencyMs: 2, kind: 'credentials', callerIp: '169.254.170.140', containerId: c.Id, sourceId: 'fake' });
    const e = await r.waitFor((x) => x.type === 'request', 3000, 'request event', from);
    expect(e.type === 'request' && e.entry).toMatchObject({ path: '/v2/credentials/****', status: 200, containerId: c.Id, sourceId: 'fake' });
    expect(r.raw()).not.toContain('abcdef');
    await r.waitFor((x) => x.type === 'containers' && x.containers.some((v) => v.id === c.Id && v.lastCall?.status === 200), 3000, 'containers with lastCall', from);
  });

  it('sends sources (and containers) when sources change through the API', async () => {
    const { open, base } = await serve({ debounceMs: 20 });
    const r = await open();
    await r.waitFor((e) => e.type === 'sources');
    const from = r.events.length;
    const res = await fetch(`${base}/api/sources`, { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-ECS-Endpoints-Token': TOKEN }, body: JSON.stringify({ type: 'fake', name: 'Live' }) });
    expect(res.status).toBe(201);
    await r.waitFor((e) => e.type === 'sources' && e.sources.some((s) => s.id === 'live'), 3000, 'sources with the new one', from);
  });

  it('sends status when the backend reports a change', async () => {
    const { open, backend } = await serve({ debounceMs: 20 });
    const r = await open();
    await r.waitFor((e) => e.type === 'sources');
    const from = r.events.length;
    backend.keeper.ready = false;
    backend.emit('status');
    const s = await r.waitFor((e) => e.type === 'status', 3000, 'status event', from);
    expect(s.type === 'status' && s.status.network.ready).toBe(false);
  });

  it('sends presets when a preset file is imported, and again when a container starts using one', async () => {
    const { open, base, docker, backend } = await serve({ debounceMs: 20 });
    const r = await open();
    await r.waitFor((e) => e.type === 'presets');
    const from = r.events.length;
    const file = { version: 1, presets: [{ name: 'orders', match: { composeService: 'orders' }, credentials: { fake: true } }] };
    const res = await fetch(`${base}/api/presets`, { method: 'PUT', headers: { 'Content-Type': 'application/json', 'X-ECS-Endpoints-Token': TOKEN }, body: JSON.stringify({ content: JSON.stringify(file) }) });
    expect(res.status).toBe(200);
    const e = await r.waitFor((x) => x.type === 'presets', 3000, 'presets event', from);
    expect(e.type === 'presets' && e.presets.presets).toEqual([{ ...file.presets[0], origin: 'imported', matchedContainers: [] }]);
    // Then the sources, which may now hold what the presets refer to.
    await r.waitFor((x) => x.type === 'sources', 3000, 'sources after the import', r.events.indexOf(e));

    const next = r.events.length;
    const c = docker.add({ name: 'shop-orders-1', labels: { 'com.docker.compose.project': 'shop', 'com.docker.compose.service': 'orders' }, networks: { [NETWORK]: '169.254.170.150' } });
    await until(() => backend.index.get(c.Id), 3000, 'indexed');
    await r.waitFor((x) => x.type === 'presets' && x.presets.presets[0]?.matchedContainers.includes('shop-orders-1') === true, 3000, 'presets with the container using it', next);
    // A model change that leaves the presets as they are sends no presets event.
    const after = r.events.length;
    docker.add({ name: 'unrelated' });
    await r.waitFor((x) => x.type === 'containers' && x.containers.some((v) => v.name === 'unrelated'), 3000, 'containers with the unrelated one', after);
    // A status event scheduled now comes after any presets check that model change started.
    const marker = r.events.length;
    backend.emit('status');
    await r.waitFor((x) => x.type === 'status', 3000, 'the marker status event', marker);
    expect(r.events.slice(after).filter((x) => x.type === 'presets')).toEqual([]);
  });

  it('sends heartbeat comments, and forgets clients that leave', async () => {
    const { open, app } = await serve({ heartbeatMs: 50 });
    const r = await open();
    await until(() => r.raw().includes(': ping\n\n'), 3000, 'a heartbeat');
    expect(app.live.size).toBe(1);
    r.close();
    await until(() => app.live.size === 0, 3000, 'client gone');
  });

  it('refuses more clients than allowed', async () => {
    const { open, base } = await serve({ maxClients: 1 });
    await open();
    const second = await fetch(`${base}/api/events?token=${TOKEN}`);
    expect(second.status).toBe(503);
    expect(((await second.json()) as { error: string }).error).toMatch(/Too many live connections/);
  });
});
