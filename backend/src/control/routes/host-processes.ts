import type { Router } from 'express';
import { HostProcessFailureSchema, HostProcessOutputSchema } from '@ecs-endpoints/contract';
import type { Backend } from '../../backend.ts';
import type { HostProcessCredentials } from '../../credentials/host-process.ts';
import { HttpError } from '../errors.ts';
import { parseBody, requireBody, takesNothing, takesQuery } from '../input.ts';
import { resourceRouter } from './router.ts';

const OUTPUT_EXAMPLE = '{"Version": 1, "AccessKeyId": "…", "SecretAccessKey": "…", "SessionToken": "…", "Expiration": "2026-01-01T12:00:00Z"} or {"error": "…"}';
const PROFILE = /^[\w\-@+.%:/]+$/;

/**
 * Docker Desktop: credential_process profiles, whose programs the dashboard runs on the host. GET
 * says which are due (never a secret); PUT hands over what the host script printed, or its error.
 */
export function hostProcessRoutes(b: Backend): Router {
  const api = resourceRouter();
  const owner = (): HostProcessCredentials => {
    if (b.hostProcesses) return b.hostProcesses;
    throw new HttpError(409, 'This backend runs on the machine itself: credential_process programs run here, through the AWS SDK.', 'Nothing to hand over; only the backend in Docker Desktop needs the dashboard to run them on the host.');
  };

  api.get('/host/aws/processes', takesNothing, async (_req, res) => {
    res.json(b.hostProcesses ? await b.hostProcesses.list() : []);
  });

  api.put('/host/aws/processes/:profile', takesQuery(), (req, res) => {
    const host = owner();
    const profile = String(req.params.profile);
    if (!PROFILE.test(profile)) {
      throw new HttpError(400, `"${profile}" is not a profile name the AWS SDKs read.`, 'Use the profile name as GET /api/host/aws/processes lists it.');
    }
    const body = requireBody(req, OUTPUT_EXAMPLE);
    if (body && typeof body === 'object' && 'error' in body) {
      res.json(host.fail(profile, parseBody(req, HostProcessFailureSchema, 'The host script\'s failure', '{"error": "<its message>"}').error));
      return;
    }
    // Never repeat a value of the body in an answer: it holds the credentials.
    res.json(host.put(profile, parseBody(req, HostProcessOutputSchema, 'The credential_process output', OUTPUT_EXAMPLE)));
  });

  return api;
}
