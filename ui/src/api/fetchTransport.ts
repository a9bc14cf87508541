import { API, type LiveEvent } from '@ecs-endpoints/contract';
import { ApiRequestError, asApiError, unexpectedResponse, unreachable } from './errors.ts';
import type { HttpMethod, LiveConnectionState, LiveSubscription, Transport } from './transport.ts';

const LIVE_EVENT_TYPES = ['containers', 'request', 'status', 'sources', 'presets'] as const;

export const TOKEN_HEADER = 'X-ECS-Endpoints-Token';
export const TOKEN_META = 'ecs-endpoints-token';

/** The token the standalone backend injects into index.html; absent inside Docker Desktop. */
export function readToken(doc: Document = document): string | undefined {
  const meta = doc.querySelector<HTMLMetaElement>(`meta[name="${TOKEN_META}"]`);
  const token = meta?.content.trim();
  return token ? token : undefined;
}

export interface FetchTransportOptions {
  /** Prefix for API paths; same origin by default. */
  baseUrl?: string;
  token?: string;
  fetch?: typeof fetch;
  EventSource?: typeof EventSource;
}

async function readBody(res: Response): Promise<{ text: string; json: unknown }> {
  const text = await res.text();
  if (!text) return { text, json: undefined };
  try {
    return { text, json: JSON.parse(text) as unknown };
  } catch {
    return { text, json: undefined };
  }
}

/** The browser transport: fetch to the standalone backend that served this page. */
export function createFetchTransport(options: FetchTransportOptions = {}): Transport {
  const base = options.baseUrl ?? '';
  const token = options.token;
  const doFetch = options.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => fetch(input, init));
  const ES = options.EventSource ?? (typeof EventSource === 'undefined' ? undefined : EventSource);

  async function request<T>(method: HttpMethod, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { Accept: 'application/json' };
    if (token) headers[TOKEN_HEADER] = token;
    const init: RequestInit = { method, headers, credentials: 'same-origin' };
    if (body !== undefined) {
      headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    let res: Response;
    try {
      res = await doFetch(base + path, init);
    } catch (e) {
      throw unreachable(e instanceof Error ? e.message : undefined);
    }
    let parsed: { text: string; json: unknown };
    try {
      parsed = await readBody(res);
    } catch (e) {
      throw unreachable(e instanceof Error ? e.message : undefined);
    }
    if (!res.ok) {
      const apiError = asApiError(parsed.json);
      if (apiError) throw new ApiRequestError(res.status, apiError);
      if (res.status === 401 || res.status === 403) {
        throw new ApiRequestError(res.status, {
          error: 'The backend refused this page’s token.',
          remedy: 'The standalone server was probably restarted with a new token: reload this page.',
        });
      }
      throw unexpectedResponse(res.status, parsed.json === undefined ? parsed.text || res.statusText : undefined);
    }
    if (parsed.json === undefined && parsed.text) throw unexpectedResponse(res.status, 'a response that is not JSON');
    return parsed.json as T;
  }

  function subscribe(
    onEvent: (event: LiveEvent) => void,
    onState: (state: LiveConnectionState) => void,
  ): LiveSubscription {
    if (!ES) {
      onState('error');
      return { close() {} };
    }
    // EventSource cannot send headers: the token goes in the query string.
    const url = base + API.events + (token ? `?token=${encodeURIComponent(token)}` : '');
    const source = new ES(url);
    onState('connecting');
    source.onopen = () => onState('open');
    source.onerror = () => onState(source.readyState === 2 ? 'error' : 'connecting');
    const handle = (msg: MessageEvent) => {
      try {
        const event = JSON.parse(String(msg.data)) as LiveEvent;
        if (event && typeof event === 'object' && 'type' in event) onEvent(event);
      } catch {
        // A malformed event is dropped; the next snapshot corrects the view.
      }
    };
    source.onmessage = handle;
    // Also accept events sent with an `event:` name equal to their type.
    for (const type of LIVE_EVENT_TYPES) source.addEventListener?.(type, handle as EventListener);
    return { close: () => source.close() };
  }

  // The page the SSO sign-in asks the person to open, in a tab of their own (no opener: it is another site).
  const openExternal = (url: string) => void window.open(url, '_blank', 'noopener,noreferrer');
  return ES ? { kind: 'browser', request, subscribe, openExternal } : { kind: 'browser', request, openExternal };
}
