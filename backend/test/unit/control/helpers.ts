/**
 * A light Backend for control API unit tests: the real Backend class (registry, broker,
 * assignments, task model, request log) over a fake Docker Engine held in memory, without the data
 * plane listening. Containers are inspect documents; the fake's events feed the real index.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type Docker from 'dockerode';
import { afterEach, beforeEach } from 'vitest';
import type { Backend } from '../../../src/backend.ts';
import { composeBackend } from '../../../src/main.ts';
import { loadConfig } from '../../../src/config.ts';
import { captureLogs } from '../../../src/log.ts';
import { createControlApp, type ControlApp, type ControlAppOptions } from '../../../src/control/app.ts';
import { ownClasses } from '../../../src/control/own-classes.ts';

const cleanups: (() => unknown)[] = [];
let lines: string[] = [];

beforeEach(() => {
  lines = [];
  cleanups.push(captureLogs(lines));
});

afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

export function onCleanup(fn: () => unknown): void {
  cleanups.push(fn);
}

export function logLines(): string[] {
  return lines;
}

export function tempDir(prefix = 'ecs-control-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  onCleanup(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export const NETWORK = 'ecs-unit';

export interface FakeContainerSpec {
  id?: string;
  name: string;
  image?: string;
  env?: Record<string, string>;
  labels?: Record<string, string>;
  networkMode?: string;
  /** Network name → IP. */
  networks?: Record<string, string>;
  state?: 'running' | 'created' | 'exited';
}

let counter = 0;

export function inspectInfo(spec: FakeContainerSpec): Docker.ContainerInspectInfo {
  const id = spec.id ?? (++counter).toString(16).padStart(8, '0').repeat(8);
  const state = spec.state ?? 'running';
  const now = new Date(Date.now() - 65_000).toISOString();
  return {
    Id: id,
    Name: `/${spec.name}`,
    Created: now,
    Image: 'sha256:' + 'ab'.repeat(32),
    RestartCount: 0,
    State: {
      Status: state,
      Running: state === 'running',
      Paused: false,
      Restarting: false,
      OOMKilled: false,
      Dead: false,
      Pid: 1,
      ExitCode: state === 'exited' ? 3 : 0,
      Error: '',
      StartedAt: state === 'created' ? '0001-01-01T00:00:00Z' : now,
      FinishedAt: state === 'exited' ? new Date(Date.now() - 7_200_000).toISOString() : '0001-01-01T00:00:00Z',
    },
    Config: {
      Image: spec.image ?? 'busybox:latest',
      Env: Object.entries(spec.env ?? {}).map(([k, v]) => `${k}=${v}`),
      Labels: spec.labels ?? {},
      Cmd: ['sleep', '3600'],
    },
    HostConfig: { NetworkMode: spec.networkMode ?? 'bridge' },
    NetworkSettings: {
      Networks: Object.fromEntries(
        Object.entries(spec.networks ?? { bridge: '172.17.0.9' }).map(([n, ip]) => [
          n,
          { NetworkID: `net-${n}`, IPAddress: ip, IPPrefixLen: 24, Gateway: ip.replace(/\.\d+$/, '.1'), MacAddress: '02:42:00:00:00:09' },
        ]),
      ),
      Ports: {},
    },
    Mounts: [],
  } as unknown as Docker.ContainerInspectInfo;
}

/** Just enough of dockerode for ContainerIndex and ManagedNetwork.attach/detach. */
export class FakeDocker {
  readonly containers = new Map<string, Docker.ContainerInspectInfo>();
  private streams: PassThrough[] = [];
  /** How long a network connect takes (to overlap requests). */
  connectDelayMs = 0;

  add(spec: FakeContainerSpec): Docker.ContainerInspectInfo {
    const info = inspectInfo(spec);
    this.containers.set(info.Id, info);
    this.event({ Type: 'container', Action: 'create', Actor: { ID: info.Id } });
    return info;
  }

  remove(id: string): void {
    this.containers.delete(id);
    this.event({ Type: 'container', Action: 'destroy', Actor: { ID: id } });
  }

  event(e: object): void {
    for (const s of this.streams) s.write(JSON.stringify(e) + '\n');
  }

  async getEvents(): Promise<PassThrough> {
    const s = new PassThrough();
    this.streams.push(s);
    return s;
  }

  async listContainers(): Promise<{ Id: string }[]> {
    return [...this.containers.keys()].map((Id) => ({ Id }));
  }

  getContainer(id: string) {
    return {
      // The stats cache streams stats of running ECS containers: a stream that stays quiet.
      stats: async () => new PassThrough(),
      inspect: async () => {
        const info = this.containers.get(id) ?? [...this.containers.values()].find((c) => c.Name === `/${id}`);
        if (!info) throw Object.assign(new Error(`No such container: ${id}`), { statusCode: 404, json: { message: `No such container: ${id}` } });
        return structuredClone(info);
      },
    };
  }

  getNetwork(name: string) {
    return {
      connect: async ({ Container }: { Container: string }) => {
        if (this.connectDelayMs) await new Promise((r) => setTimeout(r, this.connectDelayMs));
        const info = this.containers.get(Container);
        if (!info) throw Object.assign(new Error('No such container'), { statusCode: 404 });
        info.NetworkSettings.Networks[name] = { NetworkID: `net-${name}`, IPAddress: '169.254.170.130', IPPrefixLen: 24, Gateway: '169.254.170.1', MacAddress: '02:42:a9:fe:aa:82' } as never;
        this.event({ Type: 'network', Action: 'connect', Actor: { ID: `net-${name}`, Attributes: { container: Container } } });
      },
      disconnect: async ({ Container }: { Container: string }) => {
        const info = this.containers.get(Container);
        if (!info?.NetworkSettings.Networks[name]) throw Object.assign(new Error('is not connected to network'), { statusCode: 403, json: { message: `container ${Container} is not connected to network ${name}` } });
        delete info.NetworkSettings.Networks[name];
        this.event({ Type: 'network', Action: 'disconnect', Actor: { ID: `net-${name}`, Attributes: { container: Container } } });
      },
    };
  }
}

export interface LightBackend {
  backend: Backend;
  docker: FakeDocker;
  stateDir: string;
  awsConfigDir: string;
}

/**
 * A Backend over a FakeDocker. `connected: false` leaves Docker unreachable (the index never starts).
 */
export async function lightBackend(
  opts: { env?: Record<string, string>; connected?: boolean; stateDir?: string; docker?: FakeDocker } = {},
): Promise<LightBackend> {
  const stateDir = opts.stateDir ?? tempDir();
  const awsConfigDir = tempDir('ecs-control-aws-');
  const docker = opts.docker ?? new FakeDocker();
  const config = loadConfig({
    ECS_ENDPOINTS_NETWORK: NETWORK,
    ECS_ENDPOINTS_TOPOLOGY: 'host',
    ECS_ENDPOINTS_STATE_DIR: stateDir,
    ECS_ENDPOINTS_AWS_CONFIG_DIR: awsConfigDir,
    ECS_ENDPOINTS_CONTROL: '127.0.0.1:0',
    ...opts.env,
  });
  const backend = composeBackend(config, {
    connect: async () => ({ docker: docker as unknown as Docker, apiVersion: '1.41', engineVersion: '20.10.24-fake' }),
  });
  if (opts.connected !== false) {
    await backend.index.start();
    // As if start() had made the network (the fake engine has none) and listened.
    backend.keeper.ready = true;
    backend.listening = true;
    backend.rebuild();
  }
  onCleanup(() => {
    backend.index.stop();
    backend.stats.stop();
    backend.presets.close();
  });
  return { backend, docker, stateDir, awsConfigDir };
}

/** Poll until `fn` is truthy (events are asynchronous). */
export async function until<T>(fn: () => T | Promise<T>, timeoutMs = 3000, what = 'condition'): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/**
 * The control app over a light backend on a real loopback listener (the guard checks the
 * listener's own port), closed after the test.
 */
export async function serveControl(opts: ControlAppOptions = {}): Promise<LightBackend & { app: ControlApp; server: Server; port: number; base: string }> {
  const lb = await lightBackend();
  const app = createControlApp(lb.backend, opts);
  const server = createServer(ownClasses(app), app);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  onCleanup(() => {
    app.dispose();
    server.closeAllConnections();
    return new Promise((r) => server.close(r));
  });
  const port = (server.address() as AddressInfo).port;
  return { ...lb, app, server, port, base: `http://127.0.0.1:${port}` };
}
