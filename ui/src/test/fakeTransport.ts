import type { ContainerView, LiveEvent, PresetsView, ProfileFileProblem, ProfileView, RequestLogEntry, SourceView, StatusView, TaskRunView } from '@ecs-endpoints/contract';
import { ApiRequestError } from '../api/errors.ts';
import type { HttpMethod, LiveConnectionState, LiveSubscription, Transport } from '../api/transport.ts';
import { SOURCES, status as makeStatus } from './fixtures.ts';

export interface Call {
  method: HttpMethod;
  path: string;
  body: unknown;
}

type Handler = (call: Call) => unknown;

/** A transport that answers from in-memory data and records every call; no network. */
export class FakeTransport implements Transport {
  readonly kind = 'test' as const;
  readonly calls: Call[] = [];
  /** Pages opened in the browser (openExternal). */
  readonly opened: string[] = [];
  containers: ContainerView[] = [];
  sources: SourceView[] = [...SOURCES];
  status: StatusView = makeStatus();
  requests: RequestLogEntry[] = [];
  profiles: string[] = ['default', 'dev', 'prod'];
  profileProblems: ProfileFileProblem[] = [];
  profileDetails: ProfileView[] = [
    { name: 'default', region: 'us-east-1', kind: 'keys', state: 'ready' },
    { name: 'dev', region: 'eu-west-1', kind: 'sso', state: 'signed-in', validUntil: '2026-11-30T08:00:00.000Z' },
    { name: 'prod', kind: 'role', state: 'broken', detail: 'Its source profile "ops" does not exist. Add it, or change source_profile.' },
  ];
  presets: PresetsView = { presets: [] };
  tasks: TaskRunView[] = [];
  private handlers: { method: HttpMethod; path: string | RegExp; handler: Handler }[] = [];

  /** Answers `method path` with the handler's value (or its rejection / thrown error). */
  on(method: HttpMethod, path: string | RegExp, handler: Handler): this {
    this.handlers.unshift({ method, path, handler });
    return this;
  }

  openExternal(url: string): void {
    this.opened.push(url);
  }

  callsTo(method: HttpMethod, path: string): Call[] {
    return this.calls.filter((c) => c.method === method && c.path === path);
  }

  mutations(): Call[] {
    return this.calls.filter((c) => c.method !== 'GET');
  }

  async request<T>(method: HttpMethod, path: string, body?: unknown): Promise<T> {
    const call = { method, path, body };
    this.calls.push(call);
    const h = this.handlers.find(
      (x) => x.method === method && (typeof x.path === 'string' ? x.path === path : x.path.test(path)),
    );
    if (h) return (await h.handler(call)) as T;
    const p = path.split('?')[0];
    if (method === 'GET') {
      if (p === '/api/status') return this.status as T;
      if (p === '/api/containers') return this.containers as T;
      if (p === '/api/sources') return this.sources as T;
      if (p === '/api/requests') return this.requests as T;
      if (p === '/api/profiles') return this.profiles as T;
      if (p === '/api/profiles/details') return { profiles: this.profileDetails, problems: this.profileProblems } as T;
      if (p === '/api/presets') return this.presets as T;
      if (p === '/api/tasks') return this.tasks as T;
    }
    throw new ApiRequestError(404, { error: `No fake route for ${method} ${path}` });
  }
}

/** A FakeTransport that can also stream live events. */
export class StreamingFakeTransport extends FakeTransport implements Transport {
  private listeners: { onEvent: (e: LiveEvent) => void; onState: (s: LiveConnectionState) => void }[] = [];

  subscribe(onEvent: (e: LiveEvent) => void, onState: (s: LiveConnectionState) => void): LiveSubscription {
    const l = { onEvent, onState };
    this.listeners.push(l);
    return {
      close: () => {
        this.listeners = this.listeners.filter((x) => x !== l);
      },
    };
  }

  emit(event: LiveEvent): void {
    for (const l of this.listeners) l.onEvent(event);
  }

  setState(state: LiveConnectionState): void {
    for (const l of this.listeners) l.onState(state);
  }

  get subscribers(): number {
    return this.listeners.length;
  }
}

/** A promise to settle from the test, for "while the API is busy" assertions. */
export function deferred<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}
