import { EventEmitter } from 'node:events';
import type { Readable } from 'node:stream';
import type Docker from 'dockerode';
import { log } from '../log.ts';
import type { ContainerRecord } from '../tasks/types.ts';
import { connectDocker, type DockerConnection } from './client.ts';
import { onLines } from './ndjson.ts';
import { toRecord } from './records.ts';

/** Container event actions that change what we know about a container (exec_*, attach, top… don't). */
const RELEVANT = /^(create|start|restart|die|stop|kill|destroy|rename|update|pause|unpause|oom|health_status)/;

/** A cap on remembered destroys, should a read never return. */
const MAX_TOMBSTONES = 10_000;

/** Docker has not answered yet: callers (the control API) say so instead of failing obscurely. */
export class DockerUnavailableError extends Error {
  constructor() {
    super('Not connected to the Docker Engine yet.');
  }
}

export interface IndexEvents {
  /** Containers changed (ids of the ones that did; all of them after a resync). */
  change: [ids: string[]];
  /** Connected to or lost the Docker Engine. */
  status: [connected: boolean, error?: string];
  /**
   * A container was just created (before its inspect, and usually before its start): its id and
   * the event's attributes (its labels, name, image), for whoever must act before it starts.
   */
  created: [id: string, attributes: Record<string, string>];
}

/**
 * An in-memory index of every container, kept current by Docker's event stream: the request path
 * reads it and never lists containers. When the stream breaks (daemon restart, socket gone) the
 * index reconnects with backoff, renegotiates the API version and resyncs from a full listing.
 */
export class ContainerIndex extends EventEmitter<IndexEvents> {
  private records = new Map<string, ContainerRecord>();
  private conn?: DockerConnection;
  private events?: Readable;
  private stopped = false;
  private pending = new Set<string>();
  private flushScheduled = false;
  private reconnectTimer?: NodeJS.Timeout;
  private backoffMs: number;
  /**
   * Reads (inspects, listings) and destroys are ordered on one clock, so that a read answered
   * after a later destroy or a later read cannot put back what it saw (a container shown as
   * "removing" until a restart).
   */
  private clock = 0;
  /** When the read that produced each record started. */
  private readAt = new Map<string, number>();
  /** Destroyed ids and when, kept only while a read that started before could still land. */
  private destroyed = new Map<string, number>();
  /** Start times of reads in flight, oldest first. */
  private inFlight = new Set<number>();
  connected = false;
  lastError?: string;
  /** Completed full resyncs; tests and pruning use it. */
  syncs = 0;

  constructor(
    private readonly connect: () => Promise<DockerConnection> = () => connectDocker(),
    private readonly opts: { minBackoffMs?: number; maxBackoffMs?: number } = {},
  ) {
    super();
    this.backoffMs = opts.minBackoffMs ?? 200;
  }

  get docker(): Docker {
    if (!this.conn) throw new DockerUnavailableError();
    return this.conn.docker;
  }

  get connection(): DockerConnection | undefined {
    return this.conn;
  }

  get(id: string): ContainerRecord | undefined {
    return this.records.get(id);
  }

  all(): IterableIterator<ContainerRecord> {
    return this.records.values();
  }

  get size(): number {
    return this.records.size;
  }

  /** Connect and sync once; rejects if the first attempt fails (the caller decides), then keeps itself alive. */
  async start(): Promise<void> {
    this.stopped = false;
    await this.establish();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.reconnectTimer);
    this.events?.destroy();
    this.events = undefined;
  }

  /** Re-read one container now (after we changed it ourselves), without waiting for its event. */
  async refresh(id: string): Promise<ContainerRecord | undefined> {
    await this.read(id, false);
    this.emit('change', [id]);
    return this.records.get(id);
  }

  private async establish(): Promise<void> {
    const conn = await this.connect();
    this.conn = conn;
    // Subscribe before listing, so nothing that happens during the listing is missed.
    const stream = (await conn.docker.getEvents({
      filters: JSON.stringify({ type: ['container', 'network'] }),
    })) as unknown as Readable;
    this.events = stream;
    onLines(stream, (line) => this.onEvent(line));
    const lost = (err?: Error) => {
      if (this.events !== stream) return;
      this.events = undefined;
      this.setStatus(false, err?.message ?? 'Docker event stream ended');
      this.scheduleReconnect();
    };
    stream.on('end', () => lost());
    stream.on('close', () => lost());
    stream.on('error', (err) => lost(err));

    await this.resync();
    this.backoffMs = this.opts.minBackoffMs ?? 200;
    this.setStatus(true);
    log.info('docker: connected', { engine: conn.engineVersion, api: conn.apiVersion, containers: this.records.size });
  }

  private scheduleReconnect(): void {
    if (this.stopped || this.reconnectTimer) return;
    const delay = this.backoffMs;
    this.backoffMs = Math.min(this.backoffMs * 2, this.opts.maxBackoffMs ?? 5000);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      if (this.stopped) return;
      this.establish().catch((err: Error) => {
        this.events?.destroy();
        this.events = undefined;
        this.setStatus(false, err.message);
        this.scheduleReconnect();
      });
    }, delay);
  }

  private setStatus(connected: boolean, error?: string): void {
    const changed = connected !== this.connected || error !== this.lastError;
    this.connected = connected;
    this.lastError = connected ? undefined : error;
    if (!connected && changed) log.warn('docker: connection lost, reconnecting', { error });
    if (changed) this.emit('status', connected, error);
  }

  private onEvent(line: string): void {
    let e: { Type?: string; Action?: string; id?: string; Actor?: { ID?: string; Attributes?: Record<string, string> } };
    try {
      e = JSON.parse(line);
    } catch {
      return;
    }
    const action = e.Action ?? '';
    let id: string | undefined;
    if (e.Type === 'container' && RELEVANT.test(action)) id = e.Actor?.ID ?? e.id;
    else if (e.Type === 'network' && (action === 'connect' || action === 'disconnect')) id = e.Actor?.Attributes?.container;
    if (!id) return;
    if (e.Type === 'container' && action === 'create') this.emit('created', id, e.Actor?.Attributes ?? {});
    if (action === 'destroy') {
      this.pending.delete(id);
      this.destroyed.delete(id);
      this.destroyed.set(id, ++this.clock);
      this.pruneDestroyed();
      this.readAt.delete(id);
      if (this.records.delete(id)) this.emit('change', [id]);
      return;
    }
    this.pending.add(id);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      // Coalesce bursts (a start brings network connect + start) into one inspect per container.
      setImmediate(() => void this.flush());
    }
  }

  private async flush(): Promise<void> {
    this.flushScheduled = false;
    const ids = [...this.pending];
    this.pending.clear();
    await Promise.all(ids.map((id) => this.read(id, false)));
    this.emit('change', ids);
  }

  private beginRead(): number {
    const t = ++this.clock;
    this.inFlight.add(t);
    return t;
  }

  private endRead(t: number): void {
    this.inFlight.delete(t);
    this.pruneDestroyed();
  }

  /** A destroy matters only to reads that started before it; forget the others. */
  private pruneDestroyed(): void {
    const oldest = this.inFlight.values().next().value ?? Infinity;
    for (const [id, at] of this.destroyed) {
      if (at > oldest && this.destroyed.size <= MAX_TOMBSTONES) break;
      this.destroyed.delete(id);
    }
  }

  /** Store what a read started at `t` saw (undefined: no such container), unless it is stale. */
  private put(id: string, t: number, info?: Docker.ContainerInspectInfo): void {
    if ((this.destroyed.get(id) ?? 0) > t || (this.readAt.get(id) ?? 0) > t) return;
    if (info) {
      this.records.set(id, toRecord(info));
      this.readAt.set(id, t);
    } else {
      this.records.delete(id);
      this.readAt.delete(id);
    }
  }

  /** Inspect one container into the index; a 404 removes it. Other errors: thrown if `rethrow`. */
  private async read(id: string, rethrow: boolean): Promise<void> {
    const t = this.beginRead();
    try {
      const info = await this.docker.getContainer(id).inspect();
      this.put(info.Id, t, info);
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode === 404) this.put(id, t);
      else if (rethrow) throw err;
      else log.warn('docker: inspect failed', { id, error: (err as Error).message });
    } finally {
      this.endRead(t);
    }
  }

  private async resync(): Promise<void> {
    const listedAt = this.beginRead();
    try {
      const list = await this.docker.listContainers({ all: true });
      const listed = new Set(list.map((c) => c.Id));
      const queue = [...listed];
      // Bounded concurrency: a host with hundreds of containers should not open hundreds of sockets.
      await Promise.all(
        Array.from({ length: Math.min(8, queue.length) }, async () => {
          for (let id = queue.shift(); id; id = queue.shift()) await this.read(id, true);
        }),
      );
      // Gone: not listed, unless a read that started after the listing (an event's) found it.
      const gone = [...this.records.keys()].filter((id) => !listed.has(id) && (this.readAt.get(id) ?? 0) < listedAt);
      for (const id of gone) {
        this.records.delete(id);
        this.readAt.delete(id);
      }
      this.syncs++;
      this.emit('change', [...this.records.keys(), ...gone]);
    } finally {
      this.endRead(listedAt);
    }
  }
}
