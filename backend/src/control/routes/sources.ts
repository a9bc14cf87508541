import type { Router } from 'express';
import type { Backend } from '../../backend.ts';
import { sourceBody, takesNothing, takesQuery } from '../input.ts';
import { sourceView, sourceViews } from '../views.ts';
import { resourceRouter } from './router.ts';

/** /sources: list, create, edit, delete and test credential sources. */
export function sourceRoutes(b: Backend): Router {
  const api = resourceRouter();

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

  return api;
}
