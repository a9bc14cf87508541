import type { Router } from 'express';
import type { ProfileDetails } from '@ecs-endpoints/contract';
import type { Backend } from '../../backend.ts';
import { takesNothing } from '../input.ts';
import { listProfiles } from '../profiles.ts';
import { describeProfiles, profileFileProblems } from '../../credentials/profiles.ts';
import { resourceRouter } from './router.ts';

/** /profiles: the AWS profiles the backend reads, and signing in to their SSO sessions from the dashboard. */
export function profileRoutes(b: Backend): Router {
  const api = resourceRouter();

  api.get('/profiles', takesNothing, async (_req, res) => {
    res.json(await listProfiles(b.broker.awsConfigFiles));
  });

  // Each profile with its kind, region and state (SSO session valid until …, or why it cannot work).
  api.get('/profiles/details', takesNothing, async (_req, res) => {
    const files = b.broker.awsConfigFiles;
    const kept = (key: string, startUrl: string) => b.ssoSignIn.keptToken(key, startUrl);
    const host = b.hostProcesses;
    const [profiles, problems] = await Promise.all([describeProfiles(files, Date.now(), host && ((p) => host.describe(p)), kept), profileFileProblems(files)]);
    res.json({ profiles, problems } satisfies ProfileDetails);
  });

  // The OIDC device authorization: what to open in the browser and the code to compare (never a token).
  api.post('/profiles/:name/sign-in', takesNothing, async (req, res) => {
    res.json(await b.ssoSignIn.start(String(req.params.name)));
  });

  api.get('/profiles/:name/sign-in', takesNothing, async (req, res) => {
    res.json(await b.ssoSignIn.status(String(req.params.name)));
  });

  api.delete('/profiles/:name/sign-in', takesNothing, (req, res) => {
    b.ssoSignIn.cancel(String(req.params.name));
    res.status(204).end();
  });

  return api;
}
