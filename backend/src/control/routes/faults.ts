import type { Router } from 'express';
import type { Backend } from '../../backend.ts';
import { takesNothing } from '../input.ts';
import { resourceRouter } from './router.ts';

/**
 * /faults: the network faults running in tasks' namespaces (started through the agent's fault
 * routes), and stopping them as the agent's stop route does.
 */
export function faultRoutes(b: Backend): Router {
  const api = resourceRouter();

  api.get('/faults', takesNothing, (_req, res) => {
    res.json(b.faults.list());
  });

  api.get('/faults/:task', takesNothing, (req, res) => {
    res.json(b.faults.task(String(req.params.task)));
  });

  // Every fault of the task.
  api.delete('/faults/:task', takesNothing, async (req, res) => {
    res.json(await b.faults.stop(String(req.params.task)));
  });

  api.delete('/faults/:task/:fault', takesNothing, async (req, res) => {
    res.json(await b.faults.stop(String(req.params.task), String(req.params.fault)));
  });

  return api;
}
