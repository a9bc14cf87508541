import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { API } from '@ecs-endpoints/contract';
import { HttpError } from './errors.ts';

/** The header the standalone UI sends its per-run token in (see ui/src/api/fetchTransport.ts). */
export const TOKEN_HEADER = 'x-ecs-endpoints-token';
/** The meta tag the token is injected as into index.html. */
export const TOKEN_META = 'ecs-endpoints-token';

/** A fresh per-run token: 256 random bits, hex. */
export function newToken(): string {
  return randomBytes(32).toString('hex');
}

function sameToken(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The Host values a loopback listener on `port` answers to. */
export function allowedHosts(port: number): string[] {
  return [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`];
}

const SAFE_METHODS = new Set(['GET', 'HEAD']);

/**
 * A request path as the most lenient reader would take it: percent-decoded until it stops changing,
 * backslashes as slashes, empty and `.` segments dropped, `..` resolved, lower case. The token
 * check goes by it, so that no spelling of an /api path (`/API/status`, `//api/status`,
 * `/api%2Fstatus`, `/./api/status`) gets past the guard, whatever routing or a proxy makes of it.
 */
export function normalizedPath(path: string): string {
  let p = path;
  // Each round shortens the text, so this ends; repeated rounds undo double encoding (%2561).
  for (;;) {
    const decoded = p.replace(/%([0-9a-fA-F]{2})/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16)));
    if (decoded === p) break;
    p = decoded;
  }
  const segments: string[] = [];
  for (const s of p.replace(/\\/g, '/').toLowerCase().split('/')) {
    if (s === '..') segments.pop();
    else if (s !== '' && s !== '.') segments.push(s);
  }
  return '/' + segments.join('/');
}

/** Is this request for the control API, however its path is spelled? */
export function isApiPath(path: string): boolean {
  const p = normalizedPath(path);
  return p === '/api' || p.startsWith('/api/');
}

/**
 * The guard of the loopback TCP listener (the unix socket needs none: only Docker Desktop reaches it).
 * - Host must name the loopback listener itself (127.0.0.1, localhost or [::1] with our port):
 *   a page on another site that rebinds its DNS name to 127.0.0.1 sends its own name, and is refused.
 * - Anything but GET/HEAD with an Origin header must come from our own origin (cross-site forms and fetches).
 * - Every /api request (by its normalized path) carries the per-run token in X-ECS-Endpoints-Token; EventSource cannot send
 *   headers, so GET /api/events may carry it as ?token=. The token is only in index.html, which other
 *   origins cannot read.
 */
export function loopbackGuard(token: string) {
  return (req: Request, _res: Response, next: NextFunction): void => {
    const port = req.socket.localPort ?? 0;
    const host = (req.headers.host ?? '').toLowerCase();
    const allowed = allowedHosts(port);
    if (!allowed.includes(host)) {
      next(
        new HttpError(
          403,
          `Refused: this request was addressed to "${req.headers.host ?? '(no Host header)'}", not to ECS Endpoints at ${allowed[0]}.`,
          `Open http://${allowed[0]}/ (or http://${allowed[1]}/) directly. Other host names are refused so that other web sites cannot reach the control API (DNS rebinding).`,
        ),
      );
      return;
    }
    const origin = req.headers.origin;
    if (!SAFE_METHODS.has(req.method) && origin !== undefined && origin.toLowerCase() !== `http://${host}`) {
      next(
        new HttpError(
          403,
          `Refused: a ${req.method} request from another origin (${origin}).`,
          `Changes are accepted only from the ECS Endpoints page itself (http://${allowed[0]}/).`,
        ),
      );
      return;
    }
    // Routing is case- and slash-exact (app.ts); this check is not, so it covers every route.
    if (isApiPath(req.path)) {
      const header = req.headers[TOKEN_HEADER];
      let given = typeof header === 'string' ? header : undefined;
      if (given === undefined && req.method === 'GET' && req.path === API.events && typeof req.query.token === 'string') given = req.query.token;
      if (given === undefined) {
        next(
          new HttpError(
            401,
            'This request has no control token (header X-ECS-Endpoints-Token).',
            `Use the page at http://${allowed[0]}/: it carries the token (meta name="${TOKEN_META}"). For curl, copy the token from the page source.`,
          ),
        );
        return;
      }
      if (!sameToken(given, token)) {
        next(new HttpError(403, 'The control token is wrong or from an earlier run.', 'The backend was probably restarted with a new token: reload the page.'));
        return;
      }
    }
    next();
  };
}
