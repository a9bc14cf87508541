import type { RequestKind } from '@ecs-endpoints/contract';
import type { TaskModel } from '../tasks/types.ts';
import { LookupError, problemResponse, type Problem } from './errors.ts';

/** Lookups that an unknown caller's settling can change (the credentials routes settle on their own). */
const SETTLES: ReadonlySet<Problem['type']> = new Set(['caller-not-in-ecs-mode', 'unknown-endpoint-id', 'unknown-container']);
import { ProtectionStore } from './protection.ts';
import { malformedEscape, methodNotAllowed, notFound, redirect, refused, reply, throttled } from './responses.ts';
import { routeTable } from './route-table.ts';
import { cleanPath } from './router.ts';
import { Throttle } from './throttle.ts';
import type { DataPlaneDeps, DataRequest, DataResponse, Handler, Reads } from './types.ts';

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
  /** The agent's second limiter on the fault routes: 0.2 per second, burst 1 (task_server_setup.go). */
  private readonly faultThrottle: Throttle;
  /** What handlers see: reads only, no access to the pipeline. */
  private readonly reads: Reads;

  constructor(private readonly deps: DataPlaneDeps) {
    this.protection = deps.protection ?? new ProtectionStore();
    this.faultThrottle = deps.faultThrottle ?? new Throttle(0.2, 1);
    this.reads = { model: () => this.model(), cached: (k, build) => this.cached(k, build), deps, protection: this.protection };
  }

  async handle(req: DataRequest): Promise<DataResponse> {
    const q = req.url.indexOf('?');
    const path = q >= 0 ? req.url.slice(0, q) : req.url;
    const query = q >= 0 ? req.url.slice(q + 1) : '';
    if (BAD_ESCAPE.test(path)) return malformedEscape();
    const cleaned = cleanPath(path);
    if (cleaned !== path) return redirect(cleaned + (q >= 0 ? '?' + query : ''));
    const refusal = this.deps.refuseCaller?.(req.remoteIp);
    if (refusal) return refused(refusal, kindOf(path));
    const t = this.deps.throttle;
    const xff = req.headers['x-forwarded-for'];
    const rl: Record<string, string> = {
      'X-Rate-Limit-Limit': t.limitHeader,
      'X-Rate-Limit-Duration': '1',
      'X-Rate-Limit-Request-Forwarded-For': Array.isArray(xff) ? xff.join(', ') : (xff ?? ''),
      'X-Rate-Limit-Request-Remote-Addr': `${req.remoteIp}:${req.remotePort}`,
    };
    if (!t.take(`${req.remoteIp}|${path}`)) return throttled(rl, kindOf(path));
    return this.route(req, path, query, rl);
  }

  private async route(req: DataRequest, path: string, query: string, rl: Record<string, string>): Promise<DataResponse> {
    const r = await this.routed(req, path, query, rl);
    // The outer limiter's headers come first; a limited route's own limiter adds its values after them.
    for (const [k, v] of Object.entries(rl)) r.headers[k] = r.headers[k] === undefined ? v : [v, r.headers[k] as string];
    return r;
  }

  private async routed(req: DataRequest, path: string, query: string, rl: Record<string, string>): Promise<DataResponse> {
    const found = routeTable.match(req.method, path, this.reads);
    const handler = found?.route.handler;
    if (!found || !handler) return notFound();
    const { route, params } = found;
    if (!found.allowed) {
      // The agent API's paths carry an endpoint id: the request log names its container.
      const owner = params.id === undefined ? undefined : this.model().byEndpointId.get(params.id);
      return methodNotAllowed(route.kind, owner?.container.record.id);
    }
    if (route.limited) {
      const own = { ...rl, 'X-Rate-Limit-Limit': this.faultThrottle.limitHeader };
      if (!this.faultThrottle.take(`${req.remoteIp}|${path}`)) return throttled(own, route.kind, 'You have reached maximum request limit');
      const r = await this.handled(route.kind, handler, req, path, query, params);
      Object.assign(r.headers, own);
      return r;
    }
    return this.handled(route.kind, handler, req, path, query, params);
  }

  private async handled(kind: RequestKind, handler: Handler, req: DataRequest, path: string, query: string, params: Record<string, string>): Promise<DataResponse> {
    const call = { req, path, query, params };
    try {
      return reply(kind, await handler(this.reads, call));
    } catch (e) {
      if (!(e instanceof LookupError)) throw e;
      // A container that started a moment ago may not be in the model yet (its first instruction
      // asks for its metadata): learn about the caller once, bounded, then look again.
      const callers = this.deps.callers;
      if (kind === 'credentials' || !SETTLES.has(e.problem.type) || !callers || callers.known(req.remoteIp)) return problemResponse(kind, e);
      await callers.settle(req.remoteIp);
      try {
        return reply(kind, await handler(this.reads, call));
      } catch (again) {
        if (again instanceof LookupError) return problemResponse(kind, again);
        throw again;
      }
    }
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

/** The request kind of an answer given before routing (refused, throttled). */
function kindOf(path: string): RequestKind {
  if (path.includes('credentials') || path === '/creds' || path.startsWith('/role')) return 'credentials';
  if (path.includes('stats')) return 'stats';
  if (path.includes('task-protection')) return 'protection';
  if (path.includes('/fault/')) return 'fault';
  return 'metadata';
}
