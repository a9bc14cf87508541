import type { RequestKind } from '@ecs-endpoints/contract';
import type { TaskModel } from '../tasks/types.ts';
import { LookupError, problemResponse } from './errors.ts';
import { ProtectionStore } from './protection.ts';
import { malformedEscape, methodNotAllowed, notFound, redirect, refused, reply, throttled } from './responses.ts';
import { routeTable } from './route-table.ts';
import { cleanPath } from './router.ts';
import type { DataPlaneDeps, DataRequest, DataResponse, Reads, Reply } from './types.ts';

export type { CallerCheck, CallerVerdict, CredentialsAnswer, CredentialsPort, DataPlaneDeps, DataRequest, DataResponse, Entry } from './types.ts';
export { cleanPath } from './router.ts';

const BAD_ESCAPE = /%(?![0-9A-Fa-f]{2})/;

/**
 * The agent's task metadata server (spec §1-§8): the request pipeline in the agent's order
 * (parse, clean, caller, limiter, route), answered from the in-memory model and stats cache
 * through the route table (route-table.ts).
 */
export class DataPlane {
  private cache = new Map<string, string>();
  private cacheVersion = -1;
  readonly protection: ProtectionStore;
  /** What handlers see: reads only, no access to the pipeline. */
  private readonly reads: Reads;

  constructor(private readonly deps: DataPlaneDeps) {
    this.protection = deps.protection ?? new ProtectionStore();
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
    if (refusal) return refused(refusal, kindOf(path));
    if (!this.deps.throttle.take(req.remoteIp, path)) return throttled(this.rateLimit(req, {}), kindOf(path));
    const r = this.route(req, path, q >= 0 ? url.slice(q + 1) : '');
    if (r instanceof Promise) return r.then((x) => this.withRateLimit(req, x));
    return this.withRateLimit(req, r);
  }

  private withRateLimit(req: DataRequest, r: DataResponse): DataResponse {
    this.rateLimit(req, r.headers);
    return r;
  }

  /** tollbooth's headers, after the route's own (the order on the wire). */
  private rateLimit(req: DataRequest, headers: Record<string, string>): Record<string, string> {
    const xff = req.headers['x-forwarded-for'];
    headers['X-Rate-Limit-Limit'] = this.deps.throttle.limitHeader;
    headers['X-Rate-Limit-Duration'] = '1';
    headers['X-Rate-Limit-Request-Forwarded-For'] = xff === undefined ? '' : Array.isArray(xff) ? xff.join(', ') : xff;
    headers['X-Rate-Limit-Request-Remote-Addr'] = req.remoteIp + ':' + req.remotePort;
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
    let r: Reply | Promise<Reply>;
    try {
      r = handler(this.reads, { req, path, query, params });
    } catch (e) {
      return failed(kind, e);
    }
    if (r instanceof Promise) return r.then((x) => reply(kind, x), (e: unknown) => failed(kind, e));
    return reply(kind, r);
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
  return 'metadata';
}
