import type { RequestKind } from '@ecs-endpoints/contract';
import type { Handler, Reads } from './types.ts';

/** gorilla/mux cleanPath: path.Clean, keeping a trailing slash. */
export function cleanPath(p: string): string {
  // Nothing to clean without an empty, `.` or `..` segment (every request of a well-behaved client).
  if (p[0] === '/' && !p.includes('//') && !p.includes('/.')) return p;
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

/** Routes match the raw path; a parameter that names something is decoded where it is used. */
export function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

export interface Route {
  /** gorilla/mux syntax: `{name}` is one non-empty segment, `{name:regexp}` matches the regexp. */
  pattern: string;
  /** Any method when absent; otherwise a matching path with another method is a 405. */
  methods?: readonly string[];
  kind: RequestKind;
  /** null reserves the path: it answers 404 and no later route may take it. */
  handler: Handler | null;
  /** A second limiter on the route, after the method check (the agent's fault routes). */
  limited?: boolean;
  /** A further condition on a match (gorilla's MatcherFunc); when false, later routes are tried. */
  when?: (reads: Reads, path: string) => boolean;
}

interface Compiled extends Route {
  regex: RegExp;
}

export type Match = { route: Route; params: Record<string, string>; allowed: boolean };

function compile(route: Route): Compiled {
  const source = route.pattern.replace(/\{(\w+)(?::([^}]+))?\}|[^{]+/g, (literal, name?: string, re?: string) =>
    name ? `(?<${name}>${re ?? '[^/]+'})` : escape(literal),
  );
  return { ...route, regex: new RegExp(`^${source}$`) };
}

function escape(literal: string): string {
  return literal.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The path's first segment (`v4` of `/v4/…`), by which routes are bucketed. */
function topOf(path: string): string {
  const end = path.indexOf('/', 1);
  return end < 0 ? path.slice(1) : path.slice(1, end);
}

/** The first segments a pattern can match: a literal, or the alternatives of `{v:v3|v4}`; undefined for any. */
function topsOf(pattern: string): string[] | undefined {
  const first = topOf(pattern);
  const alt = /^\{\w+:([\w|]+)\}$/.exec(first);
  if (alt) return alt[1]!.split('|');
  return first.includes('{') ? undefined : [first];
}

/** Remembered answers, per model (conditions read it): a repeated request costs one lookup. */
const MEMO_LIMIT = 4096;

/** The routes in order; the first whose path (and condition) matches wins, as in gorilla/mux. */
export class RouteTable {
  /** Routes by first segment, each bucket in table order; `*` holds routes any segment may start. */
  private readonly buckets = new Map<string, Compiled[]>();
  private readonly anyTop: Compiled[] = [];
  /** By method, then path: a lookup builds no key string. */
  private memo = new Map<string, Map<string, Match | null>>();
  private memoSize = 0;
  private memoModel?: object;

  constructor(routes: Route[]) {
    const compiled = routes.map(compile);
    const tops = new Set(compiled.flatMap((r) => topsOf(r.pattern) ?? []));
    for (const top of tops) this.buckets.set(top, compiled.filter((r) => (topsOf(r.pattern) ?? [top]).includes(top)));
    this.anyTop.push(...compiled.filter((r) => topsOf(r.pattern) === undefined));
  }

  /** The route for this request, or undefined for Go's 404. `allowed` false means a 405. */
  match(method: string, path: string, reads: Reads): Match | undefined {
    // Per model (each rebuild is a new object; planes sharing this table have their own).
    const model = reads.model();
    if (model !== this.memoModel || this.memoSize >= MEMO_LIMIT) {
      // Bounded: paths a client makes up cannot grow it without end.
      this.memo.clear();
      this.memoSize = 0;
      this.memoModel = model;
    }
    let byPath = this.memo.get(method);
    const hit = byPath?.get(path);
    if (hit !== undefined) return hit ?? undefined;
    const found = this.scan(method, path, reads);
    if (!byPath) this.memo.set(method, (byPath = new Map()));
    byPath.set(path, found ?? null);
    this.memoSize++;
    return found;
  }

  private scan(method: string, path: string, reads: Reads): Match | undefined {
    let wrongMethod: Match | undefined;
    for (const route of this.buckets.get(topOf(path)) ?? this.anyTop) {
      const m = route.regex.exec(path);
      if (!m || (route.when && !route.when(reads, path))) continue;
      const params = { ...m.groups };
      if (!route.methods || route.methods.includes(method)) return { route, params, allowed: true };
      // gorilla answers 405 only when no other route takes the request with its method.
      wrongMethod ??= { route, params, allowed: false };
    }
    return wrongMethod;
  }
}
