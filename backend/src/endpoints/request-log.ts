import { EventEmitter } from 'node:events';
import type { RequestLogEntry } from '@ecs-endpoints/contract';
import { redact, redactUrl } from '../log.ts';

/** Redacted paths remembered (a client repeats its paths); cleared when full so made-up ones cannot grow it. */
const REDACTED_LIMIT = 1024;

/**
 * The last N data-plane requests, for the UI. Paths are redacted (credentials ids), each as one URL.
 * A ring: adding costs the same however full it is (it is on every request's path). Its entries
 * are reused, not replaced: a new object per request lived just long enough to be promoted out of
 * V8's young generation, so a busy data plane filled the old one with dead entries (issue 13:
 * memory after a load). What leaves the log (list, the 'entry' event) is a copy.
 */
export class RequestLog extends EventEmitter<{ entry: [RequestLogEntry] }> {
  private readonly ring: (RequestLogEntry | undefined)[];
  /** Where the next entry goes. */
  private head = 0;
  private nextId = 1;
  private readonly redacted = new Map<string, string>();
  /** Last call per container, for the containers table. */
  readonly lastByContainer = new Map<string, { at: string; path: string; status: number }>();

  constructor(private readonly capacity = 1000) {
    super();
    this.ring = new Array<RequestLogEntry | undefined>(capacity);
  }

  add(e: Omit<RequestLogEntry, 'id' | 'path'> & { path: string }): void {
    let entry = this.ring[this.head];
    if (!entry) this.ring[this.head] = entry = {} as RequestLogEntry;
    // Every field, in one order, every time: one object shape.
    entry.time = e.time;
    entry.method = e.method;
    entry.path = this.redactPath(e.path);
    entry.status = e.status;
    entry.latencyMs = e.latencyMs;
    entry.kind = e.kind;
    entry.callerIp = e.callerIp;
    entry.containerId = e.containerId;
    entry.containerName = e.containerName;
    entry.sourceId = e.sourceId;
    entry.error = e.error ? redact(e.error) : undefined;
    entry.id = this.nextId++;
    this.head = (this.head + 1) % this.capacity;
    if (entry.containerId) {
      const last = this.lastByContainer.get(entry.containerId);
      if (last) {
        last.at = entry.time;
        last.path = entry.path;
        last.status = entry.status;
      } else this.lastByContainer.set(entry.containerId, { at: entry.time, path: entry.path, status: entry.status });
    }
    if (this.listenerCount('entry')) this.emit('entry', { ...entry });
  }

  /** Newest first. */
  list(limit = 200): RequestLogEntry[] {
    const out: RequestLogEntry[] = [];
    for (let i = 1; i <= Math.min(limit, this.capacity); i++) {
      const e = this.ring[(this.head - i + this.capacity) % this.capacity];
      if (!e) break;
      out.push({ ...e });
    }
    return out;
  }

  private redactPath(path: string): string {
    let r = this.redacted.get(path);
    if (r === undefined) {
      if (this.redacted.size >= REDACTED_LIMIT) this.redacted.clear();
      r = redactUrl(path);
      this.redacted.set(path, r);
    }
    return r;
  }
}
