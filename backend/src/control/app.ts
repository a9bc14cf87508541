import express, { type Express, type NextFunction, type Request, type Response, type Router } from 'express';
import type { ApiError } from '@ecs-endpoints/contract';
import type { Backend } from '../backend.ts';
import { HttpError, toHttpError } from './errors.ts';
import { loopbackGuard } from './guard.ts';
import { LiveHub, type LiveOptions } from './live.ts';
import { containerRoutes } from './routes/containers.ts';
import { faultRoutes } from './routes/faults.ts';
import { hostProcessRoutes } from './routes/host-processes.ts';
import { miscRoutes } from './routes/misc.ts';
import { presetRoutes } from './routes/presets.ts';
import { profileRoutes } from './routes/profiles.ts';
import { resourceRouter, useResources } from './routes/router.ts';
import { sourceRoutes } from './routes/sources.ts';
import { taskRoutes } from './routes/tasks.ts';
import { uiRouter } from './ui.ts';

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

export { PRESETS_EXPORT_FILENAME } from './routes/presets.ts';

/** /api: no caching, JSON bodies up to 64 kB, the resources' routes, and a 404 for any other path. */
function apiRouter(b: Backend, live: LiveHub): Router {
  const api = resourceRouter();
  api.use((_req, res, next) => {
    res.set('Cache-Control', 'no-store');
    next();
  });
  api.use(express.json({ limit: '64kb', type: ['application/json', 'application/*+json'] }));

  useResources(api, [miscRoutes(b, live), profileRoutes(b), hostProcessRoutes(b), containerRoutes(b), sourceRoutes(b), presetRoutes(b), taskRoutes(b), faultRoutes(b)]);

  api.use((req, _res, next) => {
    next(new HttpError(404, `There is no control API route ${req.method} /api${req.path}.`, 'See docs/api.md for the routes.'));
  });
  return api;
}

/** Every error as an ApiError with its status; a response already under way is cut instead. */
function sendError(err: unknown, _req: Request, res: Response, _next: NextFunction): void {
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

  app.use('/api', apiRouter(b, live));
  app.use(uiRouter(opts.uiDir, opts.token));
  app.use((req, res) => {
    res.status(404).type('text/plain').send(`Not found: ${req.path}\n`);
  });

  app.use(sendError);

  app.live = live;
  app.dispose = () => live.close();
  return app;
}
