import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import { z } from 'zod/v4';
import { AssignSourceSchema, EnableEcsSchema, type ApiError } from '@ecs-endpoints/contract';
import type { Backend } from '../backend.ts';
import type { ContainerRecord } from '../tasks/types.ts';
import { changeEcsMode } from './ecs.ts';
import { HttpError, toHttpError } from './errors.ts';
import { loopbackGuard } from './guard.ts';
import { parseBody, presetFileText, sourceBody, takesNoBody, takesNothing, takesQuery } from './input.ts';
import { LiveHub, type LiveOptions } from './live.ts';
import { listProfiles } from './profiles.ts';
import { uiRouter } from './ui.ts';
import { presetJsonSchema } from '../presets/schema.ts';
import { containerView, containerViews, isListed, presetsView, sourceView, sourceViews, statusView } from './views.ts';

export interface ControlAppOptions {
  /**
   * The per-run token of the loopback TCP listener. Given: the guard is on (Host, Origin, token).
   * Omitted: the unix socket, which only Docker Desktop reaches; no guard, no token in index.html.
   */
  token?: string;
  /** The built UI to serve (index.html + assets); undefined serves a page that says how to build it. */
  uiDir?: string;
  live?: LiveOptions;
}

export interface ControlApp extends Express {
  /** The server-sent events hub (tests look at its size). */
  live: LiveHub;
  /** Unsubscribe from the backend and end live connections. */
  dispose(): void;
}

const MAX_REQUEST_LOG_LIMIT = 1000;
/** The name an exported preset file is saved under (what the team commits to its repository). */
export const PRESETS_EXPORT_FILENAME = 'ecs-endpoints.presets.json';

/** Find a listed container by full id, name, or unique id prefix (6+ characters), or answer 404. */
function findContainer(b: Backend, ref: string): ContainerRecord {
  const listed = [...b.index.all()].filter((r) => isListed(b, r));
  const exact = listed.find((r) => r.id === ref) ?? listed.find((r) => r.name === ref);
  if (exact) return exact;
  if (/^[0-9a-f]{6,63}$/.test(ref)) {
    const byPrefix = listed.filter((r) => r.id.startsWith(ref));
    if (byPrefix.length === 1) return byPrefix[0]!;
    if (byPrefix.length > 1) throw new HttpError(400, `The id prefix "${ref}" matches ${byPrefix.length} containers.`, 'Use the full container id.');
  }
  if (!b.index.connected) {
    throw new HttpError(503, 'The Docker Engine is not reachable, so containers are unknown.', 'Start Docker (or check DOCKER_HOST); ECS Endpoints reconnects by itself.');
  }
  throw new HttpError(404, `There is no container "${ref}".`, 'Reload the list of containers; it may have been removed or recreated with a new id.');
}

/**
 * The control API (docs/api.md) and the UI, as an express 5 app. Routes follow the contract's API
 * paths; every error is an ApiError `{error, remedy?, issues?}`; nothing returned holds a secret.
 */
export function createControlApp(backend: Backend, opts: ControlAppOptions = {}): ControlApp {
  const b = backend;
  const live = new LiveHub(b, opts.live);
  const app = express() as ControlApp;
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  // Exact paths only: /API/status or /api/status/ is no route (the guard checks them all anyway).
  app.set('case sensitive routing', true);
  app.set('strict routing', true);

  app.use((_req, res, next) => {
    res.set({ 'X-Content-Type-Options': 'nosniff', 'Referrer-Policy': 'no-referrer', 'X-Frame-Options': 'DENY' });
    next();
  });
  if (opts.token) app.use(loopbackGuard(opts.token));

  // Routers do not inherit the app's routing settings.
  const api = express.Router({ caseSensitive: true, strict: true });
  api.use((_req, res, next) => {
    res.set('Cache-Control', 'no-store');
    next();
  });
  api.use(express.json({ limit: '64kb', type: ['application/json', 'application/*+json'] }));

  api.get('/status', takesNothing, (_req, res) => {
    res.json(statusView(b));
  });

  api.get('/containers', takesNothing, (_req, res) => {
    res.json(containerViews(b));
  });

  api.post('/containers/:id/ecs', takesQuery(), async (req, res) => {
    const r = findContainer(b, String(req.params.id));
    const input = parseBody(req, EnableEcsSchema.strict(), 'The ECS mode change', '{"enabled": true} or {"enabled": true, "recreate": true}');
    res.json(await changeEcsMode(b, r, input));
  });

  api.put('/containers/:id/source', takesQuery(), (req, res) => {
    const r = findContainer(b, String(req.params.id));
    const { sourceId } = parseBody(req, AssignSourceSchema.strict(), 'The source assignment', '{"sourceId": "fake"} or {"sourceId": null}');
    b.sourcesService.assign(r.name, sourceId);
    res.json({ container: containerView(b, b.index.get(r.id) ?? r) });
  });

  api.get('/sources', takesNothing, (_req, res) => {
    res.json(sourceViews(b));
  });

  api.post('/sources', takesQuery(), (req, res) => {
    const created = b.sourcesService.create(sourceBody(req));
    res.status(201).location(`/api/sources/${encodeURIComponent(created.id)}`).json(sourceView(b, created.id) ?? created);
  });

  api.put('/sources/:id', takesQuery(), (req, res) => {
    const updated = b.sourcesService.update(String(req.params.id), sourceBody(req));
    res.json(sourceView(b, updated.id) ?? updated);
  });

  api.delete('/sources/:id', takesNothing, (req, res) => {
    b.sourcesService.delete(String(req.params.id));
    res.status(204).end();
  });

  api.post('/sources/:id/test', takesNothing, async (req, res) => {
    res.json(await b.sourcesService.test(String(req.params.id)));
  });

  api.get('/profiles', takesNothing, async (_req, res) => {
    res.json(await listProfiles(b.broker.awsConfigFiles));
  });

  api.get('/requests', takesQuery({ limit: z.unknown().optional() }, 'GET /api/requests?limit=50'), takesNoBody, (req, res) => {
    const raw = req.query.limit;
    let limit = 200;
    if (raw !== undefined) {
      if (typeof raw !== 'string' || !/^\d+$/.test(raw) || Number(raw) < 1 || Number(raw) > MAX_REQUEST_LOG_LIMIT) {
        throw new HttpError(400, `limit must be a whole number from 1 to ${MAX_REQUEST_LOG_LIMIT}, not "${String(raw)}".`, 'For example GET /api/requests?limit=50.');
      }
      limit = Number(raw);
    }
    res.json(b.requests.list(limit));
  });

  api.get('/presets', takesNothing, (_req, res) => {
    res.json(presetsView(b));
  });

  api.put('/presets', takesQuery(), (req, res) => {
    // Throws PresetError (400 with issues) when the file is refused; then nothing changes. On
    // success the store's change event tells live clients (LiveHub) and rebuilds the task model.
    b.presets.import(presetFileText(req));
    res.json(presetsView(b));
  });

  api.get('/presets/export', takesNothing, (_req, res) => {
    res.set('Content-Disposition', `attachment; filename="${PRESETS_EXPORT_FILENAME}"`);
    res.type('application/json').send(JSON.stringify(b.presets.export(), null, 2) + '\n');
  });

  api.get('/presets/schema', takesNothing, (_req, res) => {
    res.type('application/schema+json').send(JSON.stringify(presetJsonSchema(), null, 2) + '\n');
  });

  // The token may come in the query (EventSource sends no headers); the guard checks it.
  api.get('/events', takesQuery({ token: z.unknown().optional() }, 'GET /api/events?token=<token>'), takesNoBody, live.handle);

  api.use((req, _res, next) => {
    next(new HttpError(404, `There is no control API route ${req.method} /api${req.path}.`, 'See docs/api.md for the routes.'));
  });

  app.use('/api', api);
  app.use(uiRouter(opts.uiDir, opts.token));
  app.use((req, res) => {
    res.status(404).type('text/plain').send(`Not found: ${req.path}\n`);
  });

  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const e = toHttpError(err);
    if (res.headersSent) {
      res.destroy();
      return;
    }
    const body: ApiError = e.body();
    // Refused by the guard (401/403) or too large (413): the body is unread, and whoever sent it
    // gets no more of our time. Without this, Node keeps the connection to read the body first.
    if (e.status === 401 || e.status === 403 || e.status === 413) res.set('Connection', 'close');
    res.status(e.status).set('Cache-Control', 'no-store').json(body);
  });

  app.live = live;
  app.dispose = () => live.close();
  return app;
}
