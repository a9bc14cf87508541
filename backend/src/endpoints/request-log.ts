import { EventEmitter } from 'node:events';
import type { RequestLogEntry } from '@ecs-endpoints/contract';
import { redact, redactUrl } from '../log.ts';

/** The last N data-plane requests, for the UI. Paths are redacted (credentials ids), each as one URL. */
export class RequestLog extends EventEmitter<{ entry: [RequestLogEntry] }> {
  private entries: RequestLogEntry[] = [];
  private nextId = 1;
  /** Last call per container, for the containers table. */
  readonly lastByContainer = new Map<string, { at: string; path: string; status: number }>();

  constructor(private readonly capacity = 1000) {
    super();
  }

  add(e: Omit<RequestLogEntry, 'id' | 'path'> & { path: string }): void {
    const entry: RequestLogEntry = { ...e, id: this.nextId++, path: redactUrl(e.path), error: e.error ? redact(e.error) : undefined };
    this.entries.push(entry);
    if (this.entries.length > this.capacity) this.entries.splice(0, this.entries.length - this.capacity);
    if (entry.containerId) this.lastByContainer.set(entry.containerId, { at: entry.time, path: entry.path, status: entry.status });
    this.emit('entry', entry);
  }

  /** Newest first. */
  list(limit = 200): RequestLogEntry[] {
    return this.entries.slice(-limit).reverse();
  }
}
