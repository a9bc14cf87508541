import { useCallback, useEffect, useRef, useState } from 'react';
import type { ContainerView, LiveEvent, PresetsView, RequestLogEntry, SourceView, StatusView } from '@ecs-endpoints/contract';
import type { ApiClient } from './client.ts';
import { ApiRequestError } from './errors.ts';
import type { LiveConnectionState, LiveSubscription } from './transport.ts';

export const POLL_INTERVAL_MS = 2000;
/** Sources change only through this UI (or a restart): poll them less often. */
const SOURCES_EVERY_N_POLLS = 5;
export const REQUEST_LOG_LIMIT = 200;
const REQUEST_BUFFER = 500;
/** A live stream the browser gave up on (not a plain reconnect) is opened again after this long. */
export const RESUBSCRIBE_MS = 5000;

/**
 * The standalone backend refuses a token from before its restart (401 without one, 403 for a wrong
 * one): only a reload of the page, which carries the new token, gets back in.
 */
function isTokenRefused(e: unknown): boolean {
  return e instanceof ApiRequestError && (e.status === 401 || e.status === 403);
}

export interface LiveData {
  status?: StatusView;
  containers?: ContainerView[];
  sources?: SourceView[];
  presets?: PresetsView;
  /** Newest first. */
  requests: RequestLogEntry[];
  /** The last load's failure, cleared by the next complete load. */
  error?: unknown;
  /** Live events (browser) or polling (Docker Desktop). */
  mode: 'events' | 'polling';
  connection: LiveConnectionState;
  /**
   * The backend refused this page's token: it was restarted (standalone) and only reloading the
   * page reconnects. Live updates stop then.
   */
  restarted: boolean;
  /** Reloads everything now. */
  refresh(): Promise<void>;
  /** Applies a container the API just returned, before the next snapshot arrives. */
  upsertContainer(container: ContainerView, replacedId?: string): void;
  /** Applies the sources list the API just changed. */
  reloadSources(): Promise<void>;
  /** Applies the presets the API just returned (after an import). */
  setPresets(presets: PresetsView): void;
}

function newestFirst(entries: RequestLogEntry[]): RequestLogEntry[] {
  return [...entries].sort((a, b) => b.id - a.id);
}

function mergeRequests(current: RequestLogEntry[], incoming: RequestLogEntry[]): RequestLogEntry[] {
  const seen = new Set(current.map((e) => e.id));
  const fresh = incoming.filter((e) => !seen.has(e.id));
  if (fresh.length === 0) return current;
  return newestFirst([...fresh, ...current]).slice(0, REQUEST_BUFFER);
}

function isVisible(): boolean {
  return typeof document === 'undefined' || document.visibilityState !== 'hidden';
}

/**
 * Everything the UI shows, kept current: server-sent events where the transport can stream, else
 * polling every 2 s while the tab is visible (vm.service in Docker Desktop cannot stream).
 */
export function useLiveData(
  client: ApiClient,
  pollIntervalMs: number = POLL_INTERVAL_MS,
  resubscribeMs: number = RESUBSCRIBE_MS,
): LiveData {
  const streaming = typeof client.transport.subscribe === 'function';
  const [status, setStatus] = useState<StatusView>();
  const [containers, setContainers] = useState<ContainerView[]>();
  const [sources, setSources] = useState<SourceView[]>();
  const [presets, setPresets] = useState<PresetsView>();
  const [restarted, setRestarted] = useState(false);
  const [requests, setRequests] = useState<RequestLogEntry[]>([]);
  const [error, setError] = useState<unknown>();
  const [connection, setConnection] = useState<LiveConnectionState>(streaming ? 'connecting' : 'open');
  const mounted = useRef(true);
  const inFlight = useRef<Promise<void> | null>(null);
  const polls = useRef(0);

  const load = useCallback(
    async (withSources: boolean): Promise<void> => {
      const [st, cs, rq, ss, ps] = await Promise.allSettled([
        client.getStatus(),
        client.listContainers(),
        client.listRequests(REQUEST_LOG_LIMIT),
        withSources ? client.listSources() : Promise.resolve(undefined),
        // Presets also change with the repository file and with the containers using them: every load.
        client.getPresets(),
      ]);
      if (!mounted.current) return;
      if (st.status === 'fulfilled') setStatus(st.value);
      if (cs.status === 'fulfilled') setContainers(cs.value);
      if (rq.status === 'fulfilled') setRequests((cur) => mergeRequests(cur, rq.value));
      if (ss.status === 'fulfilled' && ss.value) setSources(ss.value);
      if (ps.status === 'fulfilled') setPresets(ps.value);
      const failed = [st, cs, rq, ss, ps].find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed && isTokenRefused(failed.reason)) setRestarted(true);
      setError(failed ? failed.reason : undefined);
    },
    [client],
  );

  const refresh = useCallback((): Promise<void> => {
    // One load at a time; a refresh asked for during a load waits for it and loads again.
    const run = async () => {
      if (inFlight.current) await inFlight.current.catch(() => undefined);
      const p = load(true);
      inFlight.current = p;
      try {
        await p;
      } finally {
        if (inFlight.current === p) inFlight.current = null;
      }
    };
    return run();
  }, [load]);

  const reloadSources = useCallback(async () => {
    const list = await client.listSources();
    if (mounted.current) setSources(list);
  }, [client]);

  const upsertContainer = useCallback((c: ContainerView, replacedId?: string) => {
    setContainers((cur) => {
      if (!cur) return [c];
      const idx = cur.findIndex((x) => x.id === c.id || (replacedId !== undefined && x.id === replacedId));
      if (idx < 0) return [...cur, c];
      const next = [...cur];
      next[idx] = c;
      return next.filter((x, i) => i === idx || (x.id !== c.id && x.id !== replacedId));
    });
  }, []);

  useEffect(() => {
    mounted.current = true;
    void refresh();
    return () => {
      mounted.current = false;
    };
  }, [refresh]);

  /**
   * The live stream failed: ask the status route why. A refused token means the backend restarted
   * (the page must be reloaded); anything else is a backend that is down or restarting.
   */
  const probe = useCallback(async (): Promise<'refused' | 'up' | 'down'> => {
    try {
      const st = await client.getStatus();
      if (mounted.current) setStatus(st);
      return 'up';
    } catch (e) {
      if (!isTokenRefused(e)) return 'down';
      if (mounted.current) setRestarted(true);
      return 'refused';
    }
  }, [client]);

  // Live events.
  useEffect(() => {
    const transport = client.transport;
    if (!transport.subscribe || restarted) return;
    let opened = false;
    let closed = false;
    let sub: LiveSubscription | undefined;
    let retry: ReturnType<typeof setTimeout> | undefined;
    const onEvent = (event: LiveEvent) => {
        switch (event.type) {
          case 'containers':
            setContainers(event.containers);
            break;
          case 'status':
            setStatus(event.status);
            break;
          case 'sources':
            setSources(event.sources);
            break;
          case 'presets':
            setPresets(event.presets);
            break;
          case 'request':
            setRequests((cur) => mergeRequests(cur, [event.entry]));
            break;
        }
    };
    const onState = (state: LiveConnectionState) => {
      if (closed) return;
      setConnection(state);
      // After a reconnect, events may have been missed: take a fresh snapshot.
      if (state === 'open') {
        if (opened) void refresh();
        opened = true;
        return;
      }
      void probe().then((why) => {
        // 'error' means the browser gave up on the stream (it refused the answer): open it again
        // later, unless the token was refused (then the banner asks for a reload).
        if (closed || why === 'refused' || state !== 'error' || retry !== undefined) return;
        sub?.close();
        retry = setTimeout(() => {
          retry = undefined;
          if (!closed) connect();
        }, resubscribeMs);
      });
    };
    const connect = () => {
      sub = transport.subscribe!(onEvent, onState);
    };
    connect();
    return () => {
      closed = true;
      clearTimeout(retry);
      sub?.close();
    };
  }, [client, refresh, probe, restarted, resubscribeMs]);

  // Polling.
  useEffect(() => {
    if (client.transport.subscribe) return;
    const tick = () => {
      if (!isVisible() || inFlight.current) return;
      polls.current += 1;
      const p = load(polls.current % SOURCES_EVERY_N_POLLS === 0);
      inFlight.current = p;
      void p.finally(() => {
        if (inFlight.current === p) inFlight.current = null;
      });
    };
    const timer = setInterval(tick, pollIntervalMs);
    const onVisibility = () => {
      if (isVisible()) tick();
    };
    document.addEventListener('visibilitychange', onVisibility);
    return () => {
      clearInterval(timer);
      document.removeEventListener('visibilitychange', onVisibility);
    };
  }, [client, load, pollIntervalMs]);

  const base = {
    requests,
    mode: streaming ? ('events' as const) : ('polling' as const),
    connection,
    restarted,
    refresh,
    upsertContainer,
    reloadSources,
    setPresets,
  };
  return {
    ...base,
    ...(status ? { status } : {}),
    ...(containers ? { containers } : {}),
    ...(sources ? { sources } : {}),
    ...(presets ? { presets } : {}),
    ...(error !== undefined ? { error } : {}),
  };
}
