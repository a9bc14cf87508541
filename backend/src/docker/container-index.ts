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

export interface IndexEvents {
  /** Containers changed (ids of the ones that did; all of them after a resync). */
  change: [ids: string[]];
  /** Connected to or lost the Docker Engine. */
  status: [connected: boolean, error?: string];
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
    if (!this.conn) throw new Error('Not connected to the Docker Engine yet.');
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
    await this.inspectInto(id);
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
    if (action === 'destroy') {
      this.pending.delete(id);
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
    await Promise.all(ids.map((id) => this.inspectInto(id)));
    this.emit('change', ids);
  }

  private async inspectInto(id: string): Promise<void> {
    try {
      const info = await this.docker.getContainer(id).inspect();
      this.records.set(info.Id, toRecord(info));
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode === 404) this.records.delete(id);
      else log.warn('docker: inspect failed', { id, error: (err as Error).message });
    }
  }

  private async resync(): Promise<void> {
    const list = await this.docker.listContainers({ all: true });
    const next = new Map<string, ContainerRecord>();
    const queue = list.map((c) => c.Id);
    // Bounded concurrency: a host with hundreds of containers should not open hundreds of sockets.
    await Promise.all(
      Array.from({ length: Math.min(8, queue.length) }, async () => {
        for (let id = queue.shift(); id; id = queue.shift()) {
          try {
            const info = await this.docker.getContainer(id).inspect();
            next.set(info.Id, toRecord(info));
          } catch (err) {
            if ((err as { statusCode?: number }).statusCode !== 404) throw err;
          }
        }
      }),
    );
    this.records = next;
    this.syncs++;
    this.emit('change', [...next.keys()]);
  }
}
