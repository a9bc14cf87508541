import express, { type Router } from 'express';

/** A router for one resource's routes. Routers do not inherit the app's routing settings: exact paths only, as app.ts sets. */
export function resourceRouter(): Router {
  return express.Router({ caseSensitive: true, strict: true });
}

/** Ends an OPTIONS request's pass through a resource router as if nothing matched. */
const UNANSWERED = Symbol('unanswered');

/**
 * Mount resource routers on `api` so that they answer as routes of `api` itself would. A nested
 * router answers OPTIONS on its own (200 with an Allow header) for the paths it knows; the API
 * never has, so OPTIONS leaves each one as unanswered and goes on to the API's 404. Errors raised
 * while matching (a malformed %-escape in a parameter) still pass on as before.
 */
export function useResources(api: Router, resources: Router[]): void {
  for (const routes of resources) {
    routes.use((req, _res, next) => next(req.method === 'OPTIONS' ? UNANSWERED : undefined));
    api.use((req, res, next) => {
      routes(req, res, (err?: unknown) => next(err === UNANSWERED ? undefined : err));
    });
  }
}
