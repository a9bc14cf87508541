import { useCallback, useEffect, useRef, useState } from 'react';
import type { ContainerView, LiveEvent, RequestLogEntry, SourceView, StatusView } from '@ecs-endpoints/contract';
import type { ApiClient } from './client.ts';
import type { LiveConnectionState } from './transport.ts';

export const POLL_INTERVAL_MS = 2000;
/** Sources change only through this UI (or a restart): poll them less often. */
const SOURCES_EVERY_N_POLLS = 5;
export const REQUEST_LOG_LIMIT = 200;
const REQUEST_BUFFER = 500;

export interface LiveData {
  status?: StatusView;
  containers?: ContainerView[];
  sources?: SourceView[];
  /** Newest first. */
  requests: RequestLogEntry[];
  /** The last load's failure, cleared by the next complete load. */
  error?: unknown;
  /** Live events (browser) or polling (Docker Desktop). */
  mode: 'events' | 'polling';
  connection: LiveConnectionState;
  /** Reloads everything now. */
  refresh(): Promise<void>;
  /** Applies a container the API just returned, before the next snapshot arrives. */
  upsertContainer(container: ContainerView, replacedId?: string): void;
  /** Applies the sources list the API just changed. */
  reloadSources(): Promise<void>;
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
export function useLiveData(client: ApiClient, pollIntervalMs: number = POLL_INTERVAL_MS): LiveData {
  const streaming = typeof client.transport.subscribe === 'function';
  const [status, setStatus] = useState<StatusView>();
  const [containers, setContainers] = useState<ContainerView[]>();
  const [sources, setSources] = useState<SourceView[]>();
  const [requests, setRequests] = useState<RequestLogEntry[]>([]);
  const [error, setError] = useState<unknown>();
  const [connection, setConnection] = useState<LiveConnectionState>(streaming ? 'connecting' : 'open');
  const mounted = useRef(true);
  const inFlight = useRef<Promise<void> | null>(null);
  const polls = useRef(0);

  const load = useCallback(
    async (withSources: boolean): Promise<void> => {
      const [st, cs, rq, ss] = await Promise.allSettled([
        client.getStatus(),
        client.listContainers(),
        client.listRequests(REQUEST_LOG_LIMIT),
        withSources ? client.listSources() : Promise.resolve(undefined),
      ]);
      if (!mounted.current) return;
      if (st.status === 'fulfilled') setStatus(st.value);
      if (cs.status === 'fulfilled') setContainers(cs.value);
      if (rq.status === 'fulfilled') setRequests((cur) => mergeRequests(cur, rq.value));
      if (ss.status === 'fulfilled' && ss.value) setSources(ss.value);
      const failed = [st, cs, rq, ss].find((r): r is PromiseRejectedResult => r.status === 'rejected');
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

  // Live events.
  useEffect(() => {
    if (!client.transport.subscribe) return;
    let opened = false;
    const sub = client.transport.subscribe(
      (event: LiveEvent) => {
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
          case 'request':
            setRequests((cur) => mergeRequests(cur, [event.entry]));
            break;
        }
      },
      (state) => {
        setConnection(state);
        // After a reconnect, events may have been missed: take a fresh snapshot.
        if (state === 'open') {
          if (opened) void refresh();
          opened = true;
        }
      },
    );
    return () => sub.close();
  }, [client, refresh]);

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

  const base = { requests, mode: streaming ? ('events' as const) : ('polling' as const), connection, refresh, upsertContainer, reloadSources };
  return {
    ...base,
    ...(status ? { status } : {}),
    ...(containers ? { containers } : {}),
    ...(sources ? { sources } : {}),
    ...(error !== undefined ? { error } : {}),
  };
}
