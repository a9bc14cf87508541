import type { RequestKind } from '@ecs-endpoints/contract';
import type { Handler, Reads } from './types.ts';

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

/** The routes in order; the first whose path (and condition) matches wins, as in gorilla/mux. */
export class RouteTable {
  private readonly routes: Compiled[];

  constructor(routes: Route[]) {
    this.routes = routes.map(compile);
  }

  /** The route for this request, or undefined for Go's 404. `allowed` false means a 405. */
  match(method: string, path: string, reads: Reads): Match | undefined {
    let wrongMethod: Match | undefined;
    for (const route of this.routes) {
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
