import type { RequestKind } from '@ecs-endpoints/contract';
import type { TaskModel } from '../tasks/types.ts';
import { LookupError, problemResponse, type Problem } from './errors.ts';
import { ProtectionStore } from './protection.ts';
import { malformedEscape, methodNotAllowed, notFound, redirect, refused, rejoin, reply, throttled } from './responses.ts';
import { routeTable } from './route-table.ts';
import { cleanPath } from './router.ts';
import { Throttle } from './throttle.ts';
import type { Call, DataPlaneDeps, DataRequest, DataResponse, Handler, Reads, Reply } from './types.ts';

export type { CallerCheck, CallerVerdict, CredentialsAnswer, CredentialsPort, DataPlaneDeps, DataRequest, DataResponse, Entry } from './types.ts';
export { cleanPath } from './router.ts';

const BAD_ESCAPE = /%(?![0-9A-Fa-f]{2})/;

/** Lookups that an unknown caller's settling can change (the credentials routes settle on their own). */
const SETTLES: ReadonlySet<Problem['type']> = new Set(['caller-not-in-ecs-mode', 'unknown-endpoint-id', 'unknown-container']);

/**
 * The agent's task metadata server (spec §1-§8): the request pipeline in the agent's order
 * (parse, clean, caller, limiter, route), answered from the in-memory model and stats cache
 * through the route table (route-table.ts).
 */
export class DataPlane {
  private cache = new Map<string, string>();
  private cacheVersion = -1;
  readonly protection: ProtectionStore;
  /** The agent's second limiter on the fault routes: 0.2 per second, burst 1 (task_server_setup.go). */
  private readonly faultThrottle: Throttle;
  /** What handlers see: reads only, no access to the pipeline. */
  private readonly reads: Reads;

  constructor(private readonly deps: DataPlaneDeps) {
    this.protection = deps.protection ?? new ProtectionStore();
    this.faultThrottle = deps.faultThrottle ?? new Throttle(0.2, 1);
    this.reads = { model: () => this.model(), cached: (k, build) => this.cached(k, build), deps, protection: this.protection };
  }

  /**
   * The answer, synchronously when nothing needs to wait (every cached answer); a promise only
   * when a handler must (a caller to settle, credentials to fetch).
   */
  handle(req: DataRequest): DataResponse | Promise<DataResponse> {
    const url = req.url;
    const q = url.indexOf('?');
    const path = q >= 0 ? url.slice(0, q) : url;
    if (path.includes('%') && BAD_ESCAPE.test(path)) return malformedEscape();
    const cleaned = cleanPath(path);
    if (cleaned !== path) return redirect(cleaned + (q >= 0 ? url.slice(q) : ''));
    const refusal = this.deps.refuseCaller?.(req.remoteIp);
    if (refusal) return this.refuse(req.remoteIp, refusal, kindOf(path));
    if (!this.deps.throttle.take(req.remoteIp, path)) return throttled(this.rateLimit(req, {}), kindOf(path));
    const r = this.route(req, path, q >= 0 ? url.slice(q + 1) : '');
    if (r instanceof Promise) return r.then((x) => this.withRateLimit(req, x));
    return this.withRateLimit(req, r);
  }

  /** Refused, unless the caller is a container whose first request beat its attach: that one may retry. */
  private refuse(ip: string, refusal: string, kind: RequestKind): DataResponse | Promise<DataResponse> {
    const joined = this.deps.joinedFrom?.(ip);
    if (!joined) return refused(refusal, kind);
    return joined.then((yes) => (yes ? rejoin(this.deps.render.network, kind) : refused(refusal, kind)));
  }

  private withRateLimit(req: DataRequest, r: DataResponse): DataResponse {
    this.rateLimit(req, r.headers);
    return r;
  }

  /**
   * tollbooth's headers, after the route's own (the order on the wire). A limited route's own
   * limiter set them already: the outer value comes first, then its own (two header lines).
   */
  private rateLimit(req: DataRequest, headers: Record<string, string | string[]>, limit = this.deps.throttle.limitHeader): Record<string, string | string[]> {
    const xff = req.forwardedFor ?? forwardedFor(req.headers['x-forwarded-for']);
    const addr = req.remoteAddr ?? req.remoteIp + ':' + req.remotePort;
    if (headers['X-Rate-Limit-Limit'] === undefined) {
      // Every answer: stores of fixed names, so each answer's headers object has the same shape.
      headers['X-Rate-Limit-Limit'] = limit;
      headers['X-Rate-Limit-Duration'] = '1';
      headers['X-Rate-Limit-Request-Forwarded-For'] = xff;
      headers['X-Rate-Limit-Request-Remote-Addr'] = addr;
      return headers;
    }
    // A limited route's own values are there: the outer ones go first (two lines per name).
    const put = (k: string, v: string) => (headers[k] = [v, headers[k] as string]);
    put('X-Rate-Limit-Limit', limit);
    put('X-Rate-Limit-Duration', '1');
    put('X-Rate-Limit-Request-Forwarded-For', xff);
    put('X-Rate-Limit-Request-Remote-Addr', addr);
    return headers;
  }

  private route(req: DataRequest, path: string, query: string): DataResponse | Promise<DataResponse> {
    const found = routeTable.match(req.method, path, this.reads);
    const handler = found?.route.handler;
    if (!found || !handler) return notFound();
    const { route, params } = found;
    if (!found.allowed) {
      // The agent API's paths carry an endpoint id: the request log names its container.
      const owner = params.id === undefined ? undefined : this.model().byEndpointId.get(params.id);
      return methodNotAllowed(route.kind, owner?.container.record.id);
    }
    const kind = route.kind;
    const call = { req, path, query, params };
    if (!route.limited) return this.answer(kind, handler, call);
    // The fault routes' own limiter (its values after the outer limiter's on the wire).
    if (!this.faultThrottle.take(req.remoteIp, path)) return throttled(this.rateLimit(req, {}, this.faultThrottle.limitHeader), kind, 'You have reached maximum request limit');
    const own = (r: DataResponse) => (this.rateLimit(req, r.headers, this.faultThrottle.limitHeader), r);
    const r = this.answer(kind, handler, call);
    return r instanceof Promise ? r.then(own) : own(r);
  }

  private answer(kind: RequestKind, handler: Handler, call: Call): DataResponse | Promise<DataResponse> {
    let r: Reply | Promise<Reply>;
    try {
      r = handler(this.reads, call);
    } catch (e) {
      return this.settleOrFail(kind, handler, call, e);
    }
    if (r instanceof Promise) return r.then((x) => reply(kind, x), (e: unknown) => this.settleOrFail(kind, handler, call, e));
    return reply(kind, r);
  }

  /**
   * A container that started a moment ago may not be in the model yet (its first instruction asks
   * for its metadata): learn about the caller once, bounded, then look again; otherwise the error.
   */
  private settleOrFail(kind: RequestKind, handler: Handler, call: Call, e: unknown): DataResponse | Promise<DataResponse> {
    const callers = this.deps.callers;
    const ip = call.req.remoteIp;
    if (!(e instanceof LookupError) || kind === 'credentials' || !SETTLES.has(e.problem.type) || !callers || callers.known(ip)) return failed(kind, e);
    return callers.settle(ip).then(async () => {
      try {
        return reply(kind, await handler(this.reads, call));
      } catch (again) {
        return failed(kind, again);
      }
    });
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
}

function forwardedFor(v: string | string[] | undefined): string {
  return v === undefined ? '' : Array.isArray(v) ? v.join(', ') : v;
}

/** A lookup error's answer; anything else is a fault (the server answers 500). */
function failed(kind: RequestKind, e: unknown): DataResponse {
  if (e instanceof LookupError) return problemResponse(kind, e);
  throw e;
}

/** The request kind of an answer given before routing (refused, throttled). */
function kindOf(path: string): RequestKind {
  if (path.includes('credentials') || path === '/creds' || path.startsWith('/role')) return 'credentials';
  if (path.includes('stats')) return 'stats';
  if (path.includes('task-protection')) return 'protection';
  if (path.includes('/fault/')) return 'fault';
  return 'metadata';
}
