import type { RequestKind } from '@ecs-endpoints/contract';
import { goJson } from '../gojson.ts';
import type { Task, TaskContainer, TaskModel } from '../tasks/types.ts';
import type { StatsEntry } from '../docker/stats.ts';
import { ProtectionStore } from './protection.ts';
import { renderContainer, renderTask, type RenderContext, type Version } from './render.ts';
import { Throttle } from './throttle.ts';

export interface DataRequest {
  method: string;
  /** Path and query exactly as received. */
  url: string;
  remoteIp: string;
  remotePort: number;
  headers: Record<string, string | string[] | undefined>;
  body?: string;
}

export interface DataResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** For the request log: never a secret. */
  meta: { kind: RequestKind; containerId?: string; sourceId?: string; error?: string };
}

export type Entry = { task: Task; container: TaskContainer };

/** What the credentials room offers the data plane (wired in main.ts). */
export interface CredentialsPort {
  /** The agent's credentials body for this container's effective source. */
  forContainer(entry: Entry, req: DataRequest): Promise<CredentialsAnswer>;
  /** /role/<name> and /role-arn/<arn>: assume that role from the container's effective source. */
  forRole(entry: Entry, role: { arn?: string; name?: string }, req: DataRequest): Promise<CredentialsAnswer>;
  /** Does the task have task-role credentials (a source other than none)? Task protection needs it. */
  hasTaskRole(task: Task): boolean;
}

export interface CredentialsAnswer {
  status: number;
  body: string;
  sourceId?: string;
  error?: string;
}

/** Whether a caller's source address may stand for a container (docker/caller-identity.ts). */
export type CallerVerdict = { ok: true } | { ok: false; wait: boolean; status: number; reason: string };

export interface CallerCheck {
  /** For the id-less credential forms: may this address stand for the container that owns `ownerId`'s namespace? */
  verify(ip: string, ownerId: string | undefined): CallerVerdict;
  /** Is the address known to belong to a running container on the managed network? */
  known(ip: string): boolean;
  /** Look up an unknown caller and bind its address (bounded); the model may change meanwhile. */
  settle(ip: string): Promise<void>;
}

export interface DataPlaneDeps {
  model: () => TaskModel;
  stats: { get(id: string): StatsEntry | undefined; isTracked(id: string): boolean };
  credentials: CredentialsPort;
  render: RenderContext;
  throttle: Throttle;
  protection?: ProtectionStore;
  /**
   * Callers from outside the managed network are refused with this message (a container on
   * another Docker network can reach the host's endpoint address in the host topology).
   */
  refuseCaller?: (ip: string) => string | undefined;
  /** Without it (unit tests of routing) every address counts as its container's. */
  callers?: CallerCheck;
}

const JSON_TYPE = 'application/json';
const TEXT_TYPE = 'text/plain; charset=utf-8';
const NOT_FOUND_BODY = '404 page not found\n';

/** gorilla/mux cleanPath: path.Clean, keeping a trailing slash. */
export function cleanPath(p: string): string {
  if (p === '') return '/';
  if (p[0] !== '/') p = '/' + p;
  const parts: string[] = [];
  for (const seg of p.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') parts.pop();
    else parts.push(seg);
  }
  let np = '/' + parts.join('/');
  if (p.endsWith('/') && np !== '/') np += '/';
  return np;
}

const BAD_ESCAPE = /%(?![0-9A-Fa-f]{2})/;

const COMPAT_SUFFIXES = new Set(['task', 'taskWithTags', 'stats']);

/**
 * The agent's task metadata server (spec §1-§8): routing, throttling, caller identification and
 * every status code and error body, answered from the in-memory model and stats cache. Rendered
 * metadata is cached per model version, so a repeated request costs a map lookup.
 */
export class DataPlane {
  private cache = new Map<string, string>();
  private cacheVersion = -1;
  readonly protection: ProtectionStore;

  constructor(private readonly deps: DataPlaneDeps) {
    this.protection = deps.protection ?? new ProtectionStore();
  }

  async handle(req: DataRequest): Promise<DataResponse> {
    const q = req.url.indexOf('?');
    const path = q >= 0 ? req.url.slice(0, q) : req.url;
    const query = q >= 0 ? req.url.slice(q + 1) : '';
    if (BAD_ESCAPE.test(path)) {
      // Go's server refuses a request line it cannot parse before any handler runs.
      return { status: 400, headers: { 'Content-Type': TEXT_TYPE, Connection: 'close' }, body: '400 Bad Request', meta: { kind: 'other', error: 'malformed percent-encoding in the path' } };
    }
    const cleaned = cleanPath(path);
    if (cleaned !== path) {
      // The outer router redirects before the limiter runs, so no rate-limit headers here.
      return { status: 301, headers: { Location: cleaned + (q >= 0 ? '?' + query : '') }, body: '', meta: { kind: 'other' } };
    }
    const refusal = this.deps.refuseCaller?.(req.remoteIp);
    if (refusal) return { status: 403, headers: { 'Content-Type': TEXT_TYPE }, body: refusal + '\n', meta: { kind: kindOf(path), error: 'caller not on the managed network' } };
    const t = this.deps.throttle;
    const xff = req.headers['x-forwarded-for'];
    const rl: Record<string, string> = {
      'X-Rate-Limit-Limit': t.limitHeader,
      'X-Rate-Limit-Duration': '1',
      'X-Rate-Limit-Request-Forwarded-For': Array.isArray(xff) ? xff.join(', ') : (xff ?? ''),
      'X-Rate-Limit-Request-Remote-Addr': `${req.remoteIp}:${req.remotePort}`,
    };
    if (!t.take(`${req.remoteIp}|${path}`)) {
      return { status: 429, headers: { ...rl, 'Content-Type': TEXT_TYPE }, body: 'You have reached maximum request limit.', meta: { kind: kindOf(path), error: 'throttled' } };
    }
    const r = await this.route(req, path, query);
    Object.assign(r.headers, rl);
    return r;
  }

  private model(): TaskModel {
    const m = this.deps.model();
    if (m.version !== this.cacheVersion) {
      this.cache.clear();
      this.cacheVersion = m.version;
    }
    return m;
  }

  private cached(key: string, build: () => string): string {
    let v = this.cache.get(key);
    if (v === undefined) {
      v = build();
      this.cache.set(key, v);
    }
    return v;
  }

  private async route(req: DataRequest, path: string, query: string): Promise<DataResponse> {
    const seg = path.split('/'); // ['', 'v4', id, ...]
    const top = seg[1];
    if (top === 'v1' && path === '/v1/credentials') {
      const id = new URLSearchParams(query).get('id') ?? '';
      return this.credentialsById(req, id, 'CredentialsV1Request');
    }
    if (top === 'v2') {
      if (path.startsWith('/v2/credentials/')) return this.credentialsById(req, path.slice('/v2/credentials/'.length), 'CredentialsV2Request');
      return this.v2(req, path);
    }
    if (top === 'v3' || top === 'v4') return this.v3v4(req, top, seg);
    if (top === 'api' && seg.length >= 4) return this.agentApi(req, seg);
    if (path === '/creds') return this.compatCreds(req);
    if (top === 'role' && seg.length === 3 && seg[2]) return this.compatRole(req, path, { name: safeDecode(seg[2]) });
    if (top === 'role-arn' && seg.length >= 3 && seg[2]) return this.compatRole(req, path, { arn: safeDecode(seg.slice(2).join('/')) });
    return notFound();
  }

  // ---- credentials (spec §3) ----

  private async credentialsById(req: DataRequest, id: string, prefix: string): Promise<DataResponse> {
    const meta = { kind: 'credentials' as const };
    if (!id) return credError(400, 'NoIdInRequest', `${prefix}: No Credential ID in the request`, meta);
    // Bound to the container it was issued to: the id alone is not enough, the caller must be it.
    const find = () => this.model().byCredentialsId.get(id)?.find((e) => this.isCaller(e, req.remoteIp));
    let entry = find();
    // A container that started a moment ago may not be in the model yet: look it up once.
    if (!entry && this.deps.callers && !this.deps.callers.known(req.remoteIp)) {
      await this.deps.callers.settle(req.remoteIp);
      entry = find();
    }
    const entries = this.model().byCredentialsId.get(id);
    if (!entry) {
      const caller = this.model().byIp.get(req.remoteIp)?.container.record.id;
      return credError(400, 'InvalidIdInRequest', `${prefix}: Credentials not found`, { ...meta, containerId: caller, error: entries ? 'credentials id of another container' : 'unknown credentials id' });
    }
    const authError = checkAuthorization(entry, req);
    if (authError) return credError(400, 'InvalidIdInRequest', `${prefix}: Credentials not found`, { ...meta, containerId: entry.container.record.id, error: authError });
    return this.credentialsAnswer(await this.deps.credentials.forContainer(entry, req), entry);
  }

  private credentialsAnswer(a: CredentialsAnswer, entry: Entry): DataResponse {
    return {
      status: a.status,
      headers: { 'Content-Type': JSON_TYPE },
      body: a.body,
      meta: { kind: 'credentials', containerId: entry.container.record.id, sourceId: a.sourceId, error: a.error },
    };
  }

  private isCaller(e: Entry, ip: string): boolean {
    const m = this.model();
    return m.byIp.get(ip)?.container.namespaceOwnerId === e.container.namespaceOwnerId;
  }

  /**
   * The caller of an id-less credentials form, which names no secret: its source address must be
   * provably its own (Docker connected, address bound to its port), else it gets nothing.
   */
  private async idlessCaller(req: DataRequest): Promise<Entry | DataResponse> {
    let entry = this.model().byIp.get(req.remoteIp);
    const callers = this.deps.callers;
    let v: CallerVerdict = { ok: true };
    if (callers) {
      v = callers.verify(req.remoteIp, entry?.container.namespaceOwnerId);
      if (!v.ok && v.wait) {
        await callers.settle(req.remoteIp);
        entry = this.model().byIp.get(req.remoteIp);
        v = callers.verify(req.remoteIp, entry?.container.namespaceOwnerId);
      }
    }
    const meta = { kind: 'credentials' as const, containerId: entry?.container.record.id };
    if (!entry) return credError(400, 'InvalidIdInRequest', `Credentials not found: ${req.remoteIp} is not a container in ECS mode`, { ...meta, error: 'caller not in ECS mode' });
    if (!v.ok) {
      const code = v.status === 503 ? 'CredentialsUninitialized' : 'InvalidIdInRequest';
      return credError(v.status, code, `Credentials not found: ${v.reason}`, { ...meta, error: v.reason });
    }
    return entry;
  }

  private async compatCreds(req: DataRequest): Promise<DataResponse> {
    const entry = await this.idlessCaller(req);
    if (!('task' in entry)) return entry;
    const authError = checkAuthorization(entry, req);
    if (authError) return credError(400, 'InvalidIdInRequest', 'Credentials not found', { kind: 'credentials', containerId: entry.container.record.id, error: authError });
    return this.credentialsAnswer(await this.deps.credentials.forContainer(entry, req), entry);
  }

  private async compatRole(req: DataRequest, path: string, role: { arn?: string; name?: string }): Promise<DataResponse> {
    const entry = await this.idlessCaller(req);
    if (!('task' in entry)) return entry;
    // A role path is a grant: only a container whose environment names it may use it, so one
    // container cannot ask for the role another one was given.
    if (!namesPath(entry.container.record.env, path)) {
      return credError(400, 'InvalidIdInRequest', 'Credentials not found', { kind: 'credentials', containerId: entry.container.record.id, error: `the container's AWS_CONTAINER_CREDENTIALS_RELATIVE_URI/FULL_URI does not name ${path}` });
    }
    const authError = checkAuthorization(entry, req);
    if (authError) return credError(400, 'InvalidIdInRequest', 'Credentials not found', { kind: 'credentials', containerId: entry.container.record.id, error: authError });
    return this.credentialsAnswer(await this.deps.credentials.forRole(entry, role, req), entry);
  }

  // ---- v2 (spec §4): caller by source IP ----

  private v2(req: DataRequest, path: string): DataResponse {
    const m = this.model();
    const caller = m.byIp.get(req.remoteIp);
    const meta = (kind: RequestKind, error?: string) => ({ kind, containerId: caller?.container.record.id, error });
    const noTask = (kind: RequestKind) =>
      jsonErr(400, `Unable to get task arn from request: unable to associate '${req.remoteIp}' with task`, meta(kind, 'caller not in ECS mode'));

    if (path === '/v2/metadata' || path === '/v2/metadata/' || path === '/v2/metadataWithTags' || path === '/v2/metadataWithTags/') {
      if (!caller) return noTask('metadata');
      const tags = path.startsWith('/v2/metadataWithTags');
      const body = this.cached(`v2t|${caller.task.arn}|${tags}`, () => goJson(renderTask(caller.task, 'v2', tags, this.deps.render)));
      return ok(body, meta('metadata'));
    }
    if (path.startsWith('/v2/metadata/')) {
      const cid = path.slice('/v2/metadata/'.length);
      const e = m.byContainerId.get(cid);
      if (!e) return jsonErr(400, `Unable to generate metadata for container '${cid}'`, meta('metadata', 'unknown container'));
      return ok(this.cached(`v2c|${cid}`, () => goJson(renderContainer(e.task, e.container, 'v2', this.deps.render))), meta('metadata'));
    }
    if (path === '/v2/stats' || path === '/v2/stats/') {
      if (!caller) return noTask('stats');
      return ok(this.taskStats(caller.task, 'v2'), meta('stats'));
    }
    if (path.startsWith('/v2/stats/')) {
      const cid = path.slice('/v2/stats/'.length);
      if (!caller) return noTask('stats');
      const e = caller.task.containers.find((c) => c.record.id === cid);
      if (!e || !this.deps.stats.isTracked(cid)) return jsonErr(400, `Unable to get container stats for: ${cid}`, meta('stats', 'no stats'));
      return ok(this.deps.stats.get(cid)?.v3 ?? 'null', meta('stats'));
    }
    return notFound();
  }

  // ---- v3 / v4 (spec §5, §6) ----

  private v3v4(req: DataRequest, v: 'v3' | 'v4', seg: string[]): DataResponse {
    const m = this.model();
    const V = v.toUpperCase();
    // Id-less compatibility forms (/v4, /v4/task, /v4/stats, /v4/task/stats, /v4/taskWithTags):
    // the caller is identified by its source address. Endpoint ids are UUIDs, never these words.
    let entry: Entry | undefined;
    let rest: string[];
    let idLabel: string;
    if (seg.length === 2) {
      entry = m.byIp.get(req.remoteIp);
      rest = [];
      idLabel = req.remoteIp;
    } else if (COMPAT_SUFFIXES.has(seg[2]!) && !m.byEndpointId.has(seg[2]!)) {
      entry = m.byIp.get(req.remoteIp);
      rest = seg.slice(2);
      idLabel = req.remoteIp;
    } else if (seg[2] === 'containers' && seg.length >= 4 && seg[3]) {
      const name = safeDecode(seg[3]);
      const matches = m.byName.get(name) ?? [];
      const caller = m.byIp.get(req.remoteIp);
      // A name can repeat across tasks (two compose projects with a "web"): prefer the caller's task.
      entry = matches.length === 1 ? matches[0] : matches.find((e) => e.task === caller?.task);
      rest = seg.slice(4);
      idLabel = name;
    } else {
      entry = m.byEndpointId.get(seg[2]!);
      rest = seg.slice(3);
      idLabel = seg[2]!;
    }
    const sub = rest.join('/');
    // A trailing slash or empty segment matches no route (cleaning keeps trailing slashes).
    if (rest.includes('')) return notFound();
    const containerId = entry?.container.record.id;

    const unknown = (handler: string, what: 'container' | 'task', status: number, kind: RequestKind) =>
      jsonErr(
        status,
        what === 'container'
          ? `${V} ${handler} handler: unable to get container ID from request: unable to get docker ID from v3 endpoint ID: ${idLabel}`
          : `${V} ${handler} handler: unable to get task arn from request: unable to get task Arn from v3 endpoint ID: ${idLabel}`,
        { kind, error: 'unknown endpoint id' },
      );
    const isV4 = v === 'v4';

    switch (sub) {
      case '': {
        if (!entry) return unknown('container metadata', 'container', isV4 ? 404 : 500, 'metadata');
        const e = entry;
        return ok(this.cached(`${v}c|${containerId}`, () => goJson(renderContainer(e.task, e.container, v, this.deps.render))), { kind: 'metadata', containerId });
      }
      case 'task':
      case 'taskWithTags': {
        if (!entry) return unknown('task metadata', 'task', isV4 ? 404 : 500, 'metadata');
        const task = entry.task;
        const tags = sub === 'taskWithTags';
        return ok(this.cached(`${v}t|${task.arn}|${tags}`, () => goJson(renderTask(task, v, tags, this.deps.render))), { kind: 'metadata', containerId });
      }
      case 'stats': {
        if (!entry) return unknown('container stats', 'task', isV4 ? 404 : 400, 'stats');
        if (!this.deps.stats.isTracked(containerId!)) {
          return jsonErr(isV4 ? 500 : 400, `Unable to get container stats for: ${containerId}`, { kind: 'stats', containerId, error: 'container not running' });
        }
        const s = this.deps.stats.get(containerId!);
        return ok(s ? (isV4 ? s.v4 : s.v3) : isV4 ? '{}' : 'null', { kind: 'stats', containerId });
      }
      case 'task/stats': {
        if (!entry) return unknown('task stats', 'task', isV4 ? 404 : 400, 'stats');
        return ok(this.taskStats(entry.task, v), { kind: 'stats', containerId });
      }
      default:
        if (rest[0] === 'associations' && rest.length >= 2) {
          if (!entry) return jsonErr(400, `${V} container associations handler: unable to get container ID from request: unable to get docker ID from v3 endpoint ID: ${idLabel}`, { kind: 'metadata', error: 'unknown endpoint id' });
          // No association types exist locally (they were for Elastic Inference / App Mesh).
          if (rest.length === 2) return ok(goJson({ Associations: [] }), { kind: 'metadata', containerId });
          const name = rest.slice(3).join('/');
          return jsonErr(400, `${V} container associations handler: unable to get association '${name}' of type '${rest[1]}' for container '${containerId}'`, { kind: 'metadata', containerId, error: 'no such association' });
        }
        return notFound();
    }
  }

  private taskStats(task: Task, v: Version): string {
    const missing = v === 'v4' ? '{}' : 'null';
    const ids = task.containers.map((c) => c.record.id).sort();
    let out = '{';
    for (const id of ids) {
      const s = this.deps.stats.get(id);
      out += (out.length > 1 ? ',' : '') + JSON.stringify(id) + ':' + (s ? (v === 'v4' ? s.v4 : s.v3) : missing);
    }
    return out + '}';
  }

  // ---- agent API (spec §8) ----

  private agentApi(req: DataRequest, seg: string[]): DataResponse {
    const id = seg[2]!;
    const rest = seg.slice(3).join('/');
    const entry = this.model().byEndpointId.get(id);
    const containerId = entry?.container.record.id;
    if (rest === 'task-protection/v1/state') {
      if (req.method !== 'GET' && req.method !== 'PUT') return { status: 405, headers: {}, body: '', meta: { kind: 'protection', containerId } };
      const hasRole = entry ? this.deps.credentials.hasTaskRole(entry.task) : false;
      const r = this.protection.handle(req.method, req.body ?? '', entry?.task.arn, hasRole);
      return { status: r.status, headers: { 'Content-Type': JSON_TYPE }, body: r.body, meta: { kind: 'protection', containerId, error: r.status >= 400 ? r.body : undefined } };
    }
    const fault = /^fault\/v1\/(network-blackhole-port|network-latency|network-packet-loss)\/(start|stop|status)$/.exec(rest);
    if (fault) {
      if (req.method !== 'POST') return { status: 405, headers: {}, body: '', meta: { kind: 'other', containerId } };
      if (!entry) return { status: 404, headers: { 'Content-Type': JSON_TYPE }, body: goJson({ Error: `unable to find task for endpoint id: ${id}` }), meta: { kind: 'other', error: 'unknown endpoint id' } };
      // Fault injection needs the agent's netns tooling; locally no task has it enabled.
      return { status: 400, headers: { 'Content-Type': JSON_TYPE }, body: goJson({ Error: `enableFaultInjection is not enabled for task: ${entry.task.arn}` }), meta: { kind: 'other', containerId } };
    }
    return notFound();
  }
}

function namesPath(env: Record<string, string>, path: string): boolean {
  const rel = env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI;
  let full: string | undefined;
  try {
    full = env.AWS_CONTAINER_CREDENTIALS_FULL_URI ? new URL(env.AWS_CONTAINER_CREDENTIALS_FULL_URI).pathname : undefined;
  } catch {
    full = undefined;
  }
  const same = (p?: string) => p !== undefined && (p === path || safeDecode(p) === safeDecode(path));
  return same(rel) || same(full);
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** AWS_CONTAINER_AUTHORIZATION_TOKEN, when the container has one, must be presented as Authorization. */
function checkAuthorization(entry: Entry, req: DataRequest): string | undefined {
  const token = entry.container.record.env.AWS_CONTAINER_AUTHORIZATION_TOKEN;
  if (!token) return undefined;
  const got = req.headers.authorization;
  return got === token ? undefined : 'missing or wrong Authorization token';
}

function kindOf(path: string): RequestKind {
  if (path.includes('credentials') || path === '/creds' || path.startsWith('/role')) return 'credentials';
  if (path.includes('stats')) return 'stats';
  if (path.includes('task-protection')) return 'protection';
  return 'metadata';
}

function ok(body: string, meta: DataResponse['meta']): DataResponse {
  return { status: 200, headers: { 'Content-Type': JSON_TYPE }, body, meta };
}

function jsonErr(status: number, message: string, meta: DataResponse['meta']): DataResponse {
  return { status, headers: { 'Content-Type': JSON_TYPE }, body: goJson(message), meta: { ...meta, error: meta.error ?? message } };
}

function credError(status: number, code: string, message: string, meta: DataResponse['meta']): DataResponse {
  return {
    status,
    headers: { 'Content-Type': JSON_TYPE },
    body: goJson({ code, message, HTTPErrorCode: status }),
    meta: { ...meta, error: meta.error ?? message },
  };
}

function notFound(): DataResponse {
  return {
    status: 404,
    headers: { 'Content-Type': TEXT_TYPE, 'X-Content-Type-Options': 'nosniff' },
    body: NOT_FOUND_BODY,
    meta: { kind: 'other', error: 'no such route' },
  };
}

