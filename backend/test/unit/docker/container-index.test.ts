/**
 * The container index against a fake Docker Engine API on loopback, driven by the real dockerode:
 * requests can be held at the engine (their answer taken when they arrive, sent on release), so
 * races between reads and events play out in a fixed order.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Docker from 'dockerode';
import { afterEach, describe, expect, it } from 'vitest';
import { ContainerIndex } from '../../../src/docker/container-index.ts';
import { captureLogs } from '../../../src/log.ts';

interface Gate {
  kind: 'list' | 'inspect';
  id?: string;
  arrived: Promise<void>;
  release: () => void;
}

class FakeEngine {
  private readonly docs = new Map<string, object>();
  private readonly streams = new Set<ServerResponse>();
  private readonly gates: (Gate & { onArrive: () => void; released: Promise<void> })[] = [];
  private server?: Server;
  private counter = 0;
  port = 0;

  async start(): Promise<void> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    this.port = (this.server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    for (const s of this.streams) s.end();
    this.server?.closeAllConnections();
    await new Promise((r) => this.server?.close(r));
  }

  connect = async () => ({
    docker: new Docker({ host: '127.0.0.1', port: this.port, protocol: 'http', version: 'v1.41' }),
    apiVersion: '1.41',
    engineVersion: '99.0.0-fake',
  });

  /** A container in the given state (no event: emit what the test needs). */
  add(name: string, status = 'running'): string {
    const id = (++this.counter).toString(16).padStart(8, '0').repeat(8);
    this.docs.set(id, {
      Id: id,
      Name: `/${name}`,
      Created: '2026-01-01T00:00:00Z',
      Image: 'sha256:' + 'ab'.repeat(32),
      RestartCount: 0,
      State: { Status: status, Running: status === 'running', Pid: 1, ExitCode: 0, StartedAt: '2026-01-01T00:00:01Z', FinishedAt: '0001-01-01T00:00:00Z' },
      Config: { Image: 'busybox', Env: [], Labels: {} },
      HostConfig: { NetworkMode: 'bridge' },
      NetworkSettings: { Networks: {}, Ports: {} },
      Mounts: [],
    });
    return id;
  }

  setStatus(id: string, status: string): void {
    const doc = this.docs.get(id) as { State: { Status: string; Running: boolean } };
    doc.State.Status = status;
    doc.State.Running = status === 'running';
  }

  /** Remove the container and send its destroy event, as `docker rm` ends. */
  remove(id: string): void {
    this.docs.delete(id);
    this.event('destroy', id);
  }

  event(action: string, id: string): void {
    const line = JSON.stringify({ Type: 'container', Action: action, Actor: { ID: id, Attributes: {} }, id, status: action }) + '\n';
    for (const s of this.streams) s.write(line);
  }

  /** Break every event stream (the index reconnects and resyncs). */
  dropStreams(): void {
    for (const s of this.streams) s.end();
    this.streams.clear();
  }

  /** Hold the next such request: its answer is what the engine knew when it arrived. */
  hold(kind: 'list' | 'inspect', id?: string): Gate {
    let onArrive!: () => void;
    let release!: () => void;
    const arrived = new Promise<void>((r) => (onArrive = r));
    const released = new Promise<void>((r) => (release = r));
    const gate = { kind, id, arrived, release, onArrive, released };
    this.gates.push(gate);
    return gate;
  }

  private async gate(kind: Gate['kind'], id?: string): Promise<void> {
    const i = this.gates.findIndex((g) => g.kind === kind && (g.id === undefined || g.id === id));
    if (i < 0) return;
    const [g] = this.gates.splice(i, 1);
    g!.onArrive();
    await g!.released;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://engine');
    const path = url.pathname.replace(/^\/v[\d.]+/, '');
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (path === '/events') {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.flushHeaders();
      this.streams.add(res);
      res.on('close', () => this.streams.delete(res));
      return;
    }
    if (path === '/containers/json') {
      const list = [...this.docs.keys()].map((Id) => ({ Id }));
      await this.gate('list');
      return json(200, list);
    }
    const m = /^\/containers\/([^/]+)\/json$/.exec(path);
    if (m) {
      const id = decodeURIComponent(m[1]!);
      const doc = this.docs.get(id);
      const answer = doc ? structuredClone(doc) : undefined;
      await this.gate('inspect', id);
      return answer ? json(200, answer) : json(404, { message: `No such container: ${id}` });
    }
    json(404, { message: 'page not found' });
  }
}

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function setup(...names: string[]) {
  const engine = new FakeEngine();
  await engine.start();
  cleanups.push(() => engine.close());
  cleanups.push(captureLogs([]));
  const ids = names.map((n) => engine.add(n));
  const index = new ContainerIndex(engine.connect, { minBackoffMs: 5, maxBackoffMs: 20 });
  cleanups.push(() => index.stop());
  await index.start();
  for (const id of ids) expect(index.get(id)?.state).toBe('running');
  return { engine, index, ids };
}

/** Resolves on the next change event that names `id`. */
function changeOf(index: ContainerIndex, id: string): Promise<void> {
  return new Promise((resolve) => {
    const on = (ids: string[]) => {
      if (!ids.includes(id)) return;
      index.off('change', on);
      resolve();
    };
    index.on('change', on);
  });
}

async function until(what: string, fn: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!fn()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

const internals = (index: ContainerIndex) => index as unknown as { destroyed: Map<string, number>; inFlight: Set<number> };

describe('ContainerIndex: a destroyed container stays gone', () => {
  it('ignores an inspect answered after the destroy event (die → "removing")', async () => {
    const { engine, index, ids: [x] } = await setup('x');
    const gate = engine.hold('inspect', x);
    engine.setStatus(x!, 'removing');
    engine.event('die', x!);
    await gate.arrived;
    engine.remove(x!);
    await until('the destroy to be applied', () => index.get(x!) === undefined);
    const inspected = changeOf(index, x!);
    gate.release();
    await inspected;
    expect(index.get(x!)).toBeUndefined();
    expect(index.size).toBe(0);
    // Nothing is left remembered once no read is in flight.
    expect(internals(index).inFlight.size).toBe(0);
    expect(internals(index).destroyed.size).toBe(0);
  });

  it('does not resurrect a container destroyed while a resync inspected it', async () => {
    const { engine, index, ids: [x, y] } = await setup('x', 'y');
    const gate = engine.hold('inspect', x);
    engine.setStatus(x!, 'removing');
    engine.dropStreams();
    await gate.arrived; // the resync listed x and is inspecting it
    engine.remove(x!);
    await until('the destroy to be applied', () => index.get(x!) === undefined);
    gate.release();
    await until('the resync', () => index.syncs === 2);
    expect(index.get(x!)).toBeUndefined();
    expect(index.get(y!)?.state).toBe('running');
  });

  it('does not resurrect a container destroyed after the resync listed it', async () => {
    const { engine, index, ids: [x] } = await setup('x');
    const listing = engine.hold('list');
    const inspect = engine.hold('inspect', x);
    engine.dropStreams();
    await listing.arrived;
    listing.release();
    await inspect.arrived;
    engine.remove(x!);
    await until('the destroy to be applied', () => index.get(x!) === undefined);
    inspect.release();
    await until('the resync', () => index.syncs === 2);
    expect(index.get(x!)).toBeUndefined();
  });

  it('keeps a container created while a resync was listing', async () => {
    const { engine, index, ids: [x] } = await setup('x');
    const listing = engine.hold('list');
    engine.dropStreams();
    await listing.arrived; // the listing has no y
    const y = engine.add('y');
    engine.event('create', y);
    await until('y to be indexed from its event', () => index.get(y) !== undefined);
    listing.release();
    await until('the resync', () => index.syncs === 2);
    expect(index.get(y)?.name).toBe('y');
    expect(index.get(x!)?.name).toBe('x');
  });

  it('drops a container the resync did not list and no event has shown since', async () => {
    const { engine, index, ids: [x, y] } = await setup('x', 'y');
    // Removed while the event stream was down: no destroy event reaches the index.
    engine.dropStreams();
    (engine as unknown as { docs: Map<string, object> }).docs.delete(x!);
    await until('the resync', () => index.syncs === 2);
    expect(index.get(x!)).toBeUndefined();
    expect(index.get(y!)).toBeDefined();
  });

  it('keeps the newer of two overlapping inspects', async () => {
    const { engine, index, ids: [x] } = await setup('x');
    const slow = engine.hold('inspect', x);
    engine.setStatus(x!, 'exited');
    engine.event('die', x!);
    await slow.arrived;
    engine.setStatus(x!, 'running');
    const fresh = changeOf(index, x!);
    engine.event('start', x!);
    await fresh;
    expect(index.get(x!)?.state).toBe('running');
    const stale = changeOf(index, x!);
    slow.release();
    await stale;
    expect(index.get(x!)?.state).toBe('running');
  });

  it('forgets destroys once no earlier read is in flight, under churn', async () => {
    const { engine, index } = await setup();
    const ids: string[] = [];
    for (let i = 0; i < 200; i++) {
      const id = engine.add(`c${i}`);
      ids.push(id);
      engine.event('create', id);
      engine.event('start', id);
      if (i % 3 === 0) engine.setStatus(id, 'removing');
      engine.event('die', id);
      engine.remove(id);
    }
    await until('every read to end', () => internals(index).inFlight.size === 0 && ids.every((id) => !index.get(id)));
    expect(index.size).toBe(0);
    expect(internals(index).destroyed.size).toBe(0);
  });
});
