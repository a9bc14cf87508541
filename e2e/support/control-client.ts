/**
 * A small client for the control API over loopback TCP, for the integration and end-to-end tests:
 * JSON requests with the per-run token, and a server-sent events reader.
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import type { LiveEvent } from '@ecs-endpoints/contract';

export interface ApiResponse<T = unknown> {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: T;
  text: string;
}

export interface ControlClient {
  base: string;
  token: string;
  call<T = unknown>(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<ApiResponse<T>>;
}

export function controlClient(base: string, token: string): ControlClient {
  const root = base.replace(/\/$/, '');
  return {
    base: root,
    token,
    async call<T>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
      const res = await fetch(root + path, {
        method,
        headers: {
          'X-ECS-Endpoints-Token': token,
          ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}),
          ...headers,
        },
        ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
      });
      const text = await res.text();
      let parsed: unknown = undefined;
      try {
        parsed = text ? JSON.parse(text) : undefined;
      } catch {
        parsed = undefined;
      }
      return { status: res.status, headers: Object.fromEntries(res.headers), body: parsed as T, text };
    },
  };
}

export interface SseReader {
  events: LiveEvent[];
  /** Raw text received (comments included). */
  raw(): string;
  /** Resolve with the first event from index `from` on (already received or arriving) that satisfies `pred`. */
  waitFor<E extends LiveEvent = LiveEvent>(pred: (e: LiveEvent) => boolean, timeoutMs?: number, what?: string, from?: number): Promise<E>;
  close(): void;
}

/** Open GET /api/events (token in the query, as EventSource does) and collect events. */
export function openEvents(base: string, token: string | undefined): Promise<SseReader & { response: IncomingMessage }> {
  const url = new URL(base.replace(/\/$/, '') + '/api/events' + (token ? `?token=${encodeURIComponent(token)}` : ''));
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { headers: { Accept: 'text/event-stream' } }, (res) => {
      const events: LiveEvent[] = [];
      let raw = '';
      let buf = '';
      const waiters = new Set<() => void>();
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        raw += chunk;
        buf += chunk;
        let sep: number;
        while ((sep = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, sep);
          buf = buf.slice(sep + 2);
          const data = block
            .split('\n')
            .filter((l) => l.startsWith('data:'))
            .map((l) => l.slice(5).trimStart())
            .join('\n');
          if (data) events.push(JSON.parse(data) as LiveEvent);
        }
        for (const w of waiters) w();
      });
      resolve({
        response: res,
        events,
        raw: () => raw,
        waitFor<E extends LiveEvent>(pred: (e: LiveEvent) => boolean, timeoutMs = 10_000, what = 'a live event', from = 0): Promise<E> {
          return new Promise<E>((ok, fail) => {
            const check = () => {
              const hit = events.slice(from).find(pred);
              if (hit) {
                waiters.delete(check);
                clearTimeout(timer);
                ok(hit as E);
              }
            };
            const timer = setTimeout(() => {
              waiters.delete(check);
              fail(new Error(`Timed out after ${timeoutMs} ms waiting for ${what}; got ${events.map((e) => e.type).join(', ') || 'no events'}`));
            }, timeoutMs);
            waiters.add(check);
            check();
          });
        },
        close: () => {
          req.destroy();
          res.destroy();
        },
      });
    });
    req.on('error', reject);
    req.end();
  });
}
