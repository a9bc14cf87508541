import type { Router } from 'express';
import { z } from 'zod/v4';
import { HostAwsPathsSchema } from '@ecs-endpoints/contract';
import type { Backend } from '../../backend.ts';
import { HttpError } from '../errors.ts';
import { parseBody, takesNoBody, takesNothing, takesQuery } from '../input.ts';
import type { LiveHub } from '../live.ts';
import { statusView } from '../views.ts';
import { resourceRouter } from './router.ts';

const MAX_REQUEST_LOG_LIMIT = 1000;

/** `?limit=` of GET /api/requests: 200 when absent, else a whole number from 1 to the maximum. */
function requestLogLimit(raw: unknown): number {
  if (raw === undefined) return 200;
  if (typeof raw !== 'string' || !/^\d+$/.test(raw) || Number(raw) < 1 || Number(raw) > MAX_REQUEST_LOG_LIMIT) {
    throw new HttpError(400, `limit must be a whole number from 1 to ${MAX_REQUEST_LOG_LIMIT}, not "${String(raw)}".`, 'For example GET /api/requests?limit=50.');
  }
  return Number(raw);
}

/** /status, /host/aws, /requests and /events (live updates). */
export function miscRoutes(b: Backend, live: LiveHub): Router {
  const api = resourceRouter();

  api.get('/status', takesNothing, (_req, res) => {
    res.json(statusView(b));
  });

  api.get('/requests', takesQuery({ limit: z.unknown().optional() }, 'GET /api/requests?limit=50'), takesNoBody, (req, res) => {
    res.json(b.requests.list(requestLogLimit(req.query.limit)));
  });

  api.get('/host/aws', takesNothing, (_req, res) => {
    res.json(b.hostAws?.view() ?? {});
  });

  // What the host script printed (the UI runs it with ddClient.extension.host.cli.exec).
  api.put('/host/aws', takesQuery(), async (req, res) => {
    const paths = parseBody(req, HostAwsPathsSchema.strict(), 'The host\'s AWS paths', 'the output of the aws-paths host script');
    if (!b.hostAws) {
      throw new HttpError(409, 'This backend runs on the machine itself and reads ~/.aws directly.', 'Nothing to do; in a container, mount the folder: -v ~/.aws:/home/node/.aws:ro.');
    }
    res.json(await b.hostAws.use(paths));
  });

  // The token may come in the query (EventSource sends no headers); the guard checks it.
  api.get('/events', takesQuery({ token: z.unknown().optional() }, 'GET /api/events?token=<token>'), takesNoBody, live.handle);

  return api;
}
