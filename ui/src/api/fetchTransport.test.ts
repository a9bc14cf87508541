import { describe, expect, it, vi } from 'vitest';
import type { LiveEvent } from '@ecs-endpoints/contract';
import { ApiRequestError } from './errors.ts';
import { createFetchTransport, readToken, TOKEN_HEADER } from './fetchTransport.ts';

function jsonResponse(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
}

describe('fetch transport', () => {
  it('sends the token header and a JSON body, and parses the JSON answer', async () => {
    const fetchMock = vi.fn(async (_url: RequestInfo | URL, _init?: RequestInit) => jsonResponse(200, { container: { id: 'x' } }));
    const t = createFetchTransport({ token: 's3cret-token', fetch: fetchMock as unknown as typeof fetch });
    const result = await t.request('POST', '/api/containers/x/ecs', { enabled: true });
    expect(result).toEqual({ container: { id: 'x' } });
    expect(fetchMock).toHaveBeenCalledTimes(1);
    const [url, init] = fetchMock.mock.calls[0]!;
    expect(url).toBe('/api/containers/x/ecs');
    expect(init?.method).toBe('POST');
    const headers = init?.headers as Record<string, string>;
    expect(headers[TOKEN_HEADER]).toBe('s3cret-token');
    expect(headers['Content-Type']).toBe('application/json');
    expect(init?.body).toBe('{"enabled":true}');
  });

  it('sends the token on GETs too and no body', async () => {
    const fetchMock = vi.fn(async () => jsonResponse(200, []));
    const t = createFetchTransport({ token: 'tok', fetch: fetchMock as unknown as typeof fetch });
    await t.request('GET', '/api/containers');
    const init = (fetchMock.mock.calls[0] as unknown as [string, RequestInit])[1];
    expect((init.headers as Record<string, string>)[TOKEN_HEADER]).toBe('tok');
    expect(init.body).toBeUndefined();
  });

  it('turns an ApiError body into an ApiRequestError with remedy and issues', async () => {
    const body = {
      error: 'Invalid source.',
      remedy: 'Fix the highlighted fields.',
      issues: [{ path: 'roleArn', message: 'A role ARN looks like …' }],
    };
    const t = createFetchTransport({ fetch: (async () => jsonResponse(400, body)) as unknown as typeof fetch });
    const err = await t.request('POST', '/api/sources', {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiRequestError);
    const e = err as ApiRequestError;
    expect(e.status).toBe(400);
    expect(e.message).toBe('Invalid source.');
    expect(e.remedy).toBe('Fix the highlighted fields.');
    expect(e.issues).toEqual([{ path: 'roleArn', message: 'A role ARN looks like …' }]);
  });

  it('explains a non-JSON error page', async () => {
    const t = createFetchTransport({
      fetch: (async () => new Response('<html>Bad Gateway</html>', { status: 502, statusText: 'Bad Gateway' })) as unknown as typeof fetch,
    });
    const e = (await t.request('GET', '/api/status').catch((x: unknown) => x)) as ApiRequestError;
    expect(e).toBeInstanceOf(ApiRequestError);
    expect(e.status).toBe(502);
    expect(e.message).toContain('502');
    expect(e.remedy).toMatch(/restart/i);
  });

  it('tells the user to reload when the token is refused', async () => {
    const t = createFetchTransport({ fetch: (async () => new Response('', { status: 403 })) as unknown as typeof fetch });
    const e = (await t.request('GET', '/api/status').catch((x: unknown) => x)) as ApiRequestError;
    expect(e.status).toBe(403);
    expect(e.remedy).toMatch(/reload this page/);
  });

  it('reports an unreachable backend as status 0 with a remedy', async () => {
    const t = createFetchTransport({
      fetch: (async () => {
        throw new TypeError('Failed to fetch');
      }) as unknown as typeof fetch,
    });
    const e = (await t.request('GET', '/api/status').catch((x: unknown) => x)) as ApiRequestError;
    expect(e).toBeInstanceOf(ApiRequestError);
    expect(e.status).toBe(0);
    expect(e.message).toMatch(/Cannot reach the ECS Endpoints backend/);
    expect(e.remedy).toBeTruthy();
  });

  it('returns undefined for an empty 204', async () => {
    const t = createFetchTransport({ fetch: (async () => new Response(null, { status: 204 })) as unknown as typeof fetch });
    await expect(t.request('DELETE', '/api/sources/x')).resolves.toBeUndefined();
  });

  it('reads the token from the meta tag the standalone backend injects', () => {
    const doc = document.implementation.createHTMLDocument('x');
    expect(readToken(doc)).toBeUndefined();
    const meta = doc.createElement('meta');
    meta.name = 'ecs-endpoints-token';
    meta.content = 'abc123';
    doc.head.append(meta);
    expect(readToken(doc)).toBe('abc123');
  });

  it('subscribes to server-sent events with the token in the query string', () => {
    const instances: FakeEventSource[] = [];
    class FakeEventSource {
      readyState = 0;
      onopen: (() => void) | null = null;
      onerror: (() => void) | null = null;
      onmessage: ((m: MessageEvent) => void) | null = null;
      closed = false;
      named = new Map<string, (m: MessageEvent) => void>();
      addEventListener(type: string, fn: (m: MessageEvent) => void) {
        this.named.set(type, fn);
      }
      constructor(public url: string) {
        instances.push(this);
      }
      close() {
        this.closed = true;
      }
    }
    const t = createFetchTransport({ token: 'a b', EventSource: FakeEventSource as unknown as typeof EventSource });
    const events: LiveEvent[] = [];
    const states: string[] = [];
    const sub = t.subscribe!((e) => events.push(e), (s) => states.push(s));
    expect(instances).toHaveLength(1);
    const es = instances[0]!;
    expect(es.url).toBe('/api/events?token=a%20b');
    es.onopen?.();
    es.onmessage?.({ data: JSON.stringify({ type: 'containers', containers: [] }) } as MessageEvent);
    es.onmessage?.({ data: 'not json' } as MessageEvent);
    es.named.get('status')?.({ data: JSON.stringify({ type: 'status', status: { region: 'x' } }) } as MessageEvent);
    expect(events).toEqual([
      { type: 'containers', containers: [] },
      { type: 'status', status: { region: 'x' } },
    ]);
    expect(states).toEqual(['connecting', 'open']);
    sub.close();
    expect(es.closed).toBe(true);
  });
});
