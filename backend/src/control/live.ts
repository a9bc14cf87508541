import type { Request, Response } from 'express';
import type { LiveEvent, RequestLogEntry } from '@ecs-endpoints/contract';
import type { Backend } from '../backend.ts';
import { HttpError } from './errors.ts';
import { containerViews, presetsView, sourceViews, statusView } from './views.ts';

export interface LiveOptions {
  /** Coalesce model changes into one containers event per this many ms. Default 100. */
  debounceMs?: number;
  /** Comment lines that keep proxies and idle timeouts from closing the stream. Default 15 s. */
  heartbeatMs?: number;
  /** More clients than this get a 503 (each one is a socket and a copy of every event). Default 32. */
  maxClients?: number;
}

/** A client that cannot keep up (this much unsent) is dropped; EventSource reconnects and the UI reloads. */
const MAX_BACKLOG = 4 * 1024 * 1024;

/**
 * Server-sent events for the UI: `data: <LiveEvent JSON>` per event, unnamed (EventSource's
 * onmessage). Containers on model changes (debounced), after data-plane calls (their last call
 * changed) and when a task's faults start or stop; every request log entry, status changes,
 * sources when they change, and presets when
 * they change (import, the repository file) or the containers using them do. A new client first
 * gets a snapshot (status, containers, sources, presets).
 */
export class LiveHub {
  private readonly clients = new Set<Response>();
  private readonly timers = new Map<'containers' | 'status' | 'presets', NodeJS.Timeout>();
  /** The presets event last sent to everyone: model changes resend it only when it differs. */
  private lastPresets = '';
  private readonly heartbeat: NodeJS.Timeout;
  private readonly debounceMs: number;
  private readonly maxClients: number;
  private readonly onModel = () => {
    this.soon('containers', this.debounceMs);
    // Which containers use each preset follows the containers.
    this.soon('presets', this.debounceMs);
  };
  private readonly onPresets = () => this.presetsChanged();
  // A fault started or stopped: the containers of its task show it.
  private readonly onFaults = () => this.soon('containers', 0);
  private readonly onStatus = () => {
    this.soon('status', this.debounceMs);
    // canEnable depends on the network being ready.
    this.soon('containers', this.debounceMs);
  };
  // After the model's rebuild for the same change (queued before this), which the views read.
  private readonly onSources = () => queueMicrotask(() => this.sourcesChanged());
  private readonly onEntry = (entry: RequestLogEntry) => {
    this.send({ type: 'request', entry });
    if (entry.containerId) this.soon('containers', Math.max(this.debounceMs, 250));
  };

  constructor(
    private readonly backend: Backend,
    opts: LiveOptions = {},
  ) {
    this.debounceMs = opts.debounceMs ?? 100;
    this.maxClients = opts.maxClients ?? 32;
    backend.on('model', this.onModel);
    backend.on('status', this.onStatus);
    backend.requests.on('entry', this.onEntry);
    backend.presets.on('change', this.onPresets);
    backend.sourcesService.on('change', this.onSources);
    backend.faults.on('change', this.onFaults);
    this.heartbeat = setInterval(() => this.write(': ping\n\n'), opts.heartbeatMs ?? 15_000);
    this.heartbeat.unref();
  }

  get size(): number {
    return this.clients.size;
  }

  /** GET /api/events */
  handle = (req: Request, res: Response): void => {
    if (this.clients.size >= this.maxClients) throw new HttpError(503, 'Too many live connections.', 'Close other ECS Endpoints tabs and reload.');
    res.status(200).set({
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    res.flushHeaders();
    req.socket.setTimeout(0);
    req.socket.setNoDelay(true);
    this.clients.add(res);
    const drop = () => this.clients.delete(res);
    req.on('close', drop);
    res.on('close', drop);
    res.on('error', drop);
    res.write('retry: 2000\n\n');
    this.sendTo(res, { type: 'status', status: statusView(this.backend) });
    this.sendTo(res, { type: 'containers', containers: containerViews(this.backend) });
    this.sendTo(res, { type: 'sources', sources: sourceViews(this.backend) });
    this.sendTo(res, { type: 'presets', presets: presetsView(this.backend) });
    // Its snapshot may differ from what the others were sent last: the next check sends to all.
    this.lastPresets = '';
  };

  /** Sources changed (created, edited, deleted, assigned): tell every client now. */
  sourcesChanged(): void {
    if (!this.clients.size) return;
    this.send({ type: 'sources', sources: sourceViews(this.backend) });
    this.soon('containers', 0);
  }

  /** Presets changed (imported, or the repository file reloaded): tell every client now. */
  presetsChanged(): void {
    this.soon('presets', 0, true);
  }

  /** Containers changed in a way the model does not show (an assignment): send them soon. */
  containersChanged(): void {
    this.soon('containers', 0);
  }

  close(): void {
    this.backend.off('model', this.onModel);
    this.backend.off('status', this.onStatus);
    this.backend.requests.off('entry', this.onEntry);
    this.backend.presets.off('change', this.onPresets);
    this.backend.sourcesService.off('change', this.onSources);
    this.backend.faults.off('change', this.onFaults);
    clearInterval(this.heartbeat);
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    for (const res of this.clients) res.end();
    this.clients.clear();
  }

  private soon(what: 'containers' | 'status' | 'presets', delayMs: number, force = false): void {
    if (!this.clients.size) return;
    const pending = this.timers.get(what);
    if (pending && !force) return;
    clearTimeout(pending);
    const t = setTimeout(() => {
      this.timers.delete(what);
      if (!this.clients.size) return;
      if (what === 'presets') {
        const event = JSON.stringify({ type: 'presets', presets: presetsView(this.backend) } satisfies LiveEvent);
        if (event === this.lastPresets && !force) return;
        this.lastPresets = event;
        this.write(`data: ${event}\n\n`);
        // New presets may refer to sources the list did not hold yet (profile:dev, role-arn:…).
        if (force) this.send({ type: 'sources', sources: sourceViews(this.backend) });
        return;
      }
      this.send(what === 'containers' ? { type: 'containers', containers: containerViews(this.backend) } : { type: 'status', status: statusView(this.backend) });
    }, delayMs);
    t.unref();
    this.timers.set(what, t);
  }

  private send(event: LiveEvent): void {
    if (!this.clients.size) return;
    this.write(`data: ${JSON.stringify(event)}\n\n`);
  }

  private sendTo(res: Response, event: LiveEvent): void {
    res.write(`data: ${JSON.stringify(event)}\n\n`);
  }

  private write(chunk: string): void {
    for (const res of this.clients) {
      if (res.writableLength > MAX_BACKLOG) {
        this.clients.delete(res);
        res.destroy();
        continue;
      }
      res.write(chunk);
    }
  }
}
