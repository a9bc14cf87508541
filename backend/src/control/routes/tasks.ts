import type { Router } from 'express';
import { z } from 'zod/v4';
import { RunTaskSchema } from '@ecs-endpoints/contract';
import type { Backend } from '../../backend.ts';
import { parseBody, takesNothing, takesQuery } from '../input.ts';
import { resourceRouter } from './router.ts';

const RUN_EXAMPLE = '{"taskDefinition": {…what aws ecs describe-task-definition prints…}, "baseSource": "profile:dev"}';

/** /tasks: run task definitions, watch them, read their logs, stop and remove them. */
export function taskRoutes(b: Backend): Router {
  const api = resourceRouter();

  api.get('/tasks', takesNothing, (_req, res) => {
    res.json(b.tasks.list());
  });

  api.post('/tasks/validate', takesQuery(), (req, res) => {
    const { taskDefinition } = parseBody(req, z.strictObject({ taskDefinition: z.unknown() }), 'The validation request', '{"taskDefinition": {…}}');
    res.json(b.tasks.validate(taskDefinition));
  });

  // What aws ecs describe-task-definition prints, fetched with a source's credentials.
  api.post('/tasks/describe', takesQuery(), async (req, res) => {
    const { taskDefinition, source } = parseBody(req, z.strictObject({ taskDefinition: z.string().min(1), source: z.string().min(1).optional() }), 'The describe request', '{"taskDefinition": "orders:7", "source": "profile:dev"}');
    res.json(await b.tasks.describe(taskDefinition, source));
  });

  api.post('/tasks', takesQuery(), (req, res) => {
    const run = b.tasks.run(parseBody(req, RunTaskSchema, 'The run request', RUN_EXAMPLE));
    res.status(201).location(`/api/tasks/${run.id}`).json(run);
  });

  api.get('/tasks/:id', takesNothing, (req, res) => {
    res.json(b.tasks.get(String(req.params.id)));
  });

  api.post('/tasks/:id/run-again', takesNothing, (req, res) => {
    const run = b.tasks.runAgain(String(req.params.id));
    res.status(201).location(`/api/tasks/${run.id}`).json(run);
  });

  api.post('/tasks/:id/stop', takesNothing, async (req, res) => {
    res.json(await b.tasks.stop(String(req.params.id)));
  });

  api.delete('/tasks/:id', takesNothing, async (req, res) => {
    await b.tasks.remove(String(req.params.id));
    res.status(204).end();
  });

  api.get('/tasks/:id/logs', takesQuery({ container: z.string().min(1), tail: z.string().regex(/^\d{1,5}$/).optional() }, '?container=web'), async (req, res) => {
    const q = req.query as { container: string; tail?: string };
    // JSON, not text/plain: Docker Desktop's transport only carries JSON.
    res.json({ container: q.container, logs: await b.tasks.logs(String(req.params.id), q.container, q.tail ? Number(q.tail) : undefined) });
  });

  return api;
}
