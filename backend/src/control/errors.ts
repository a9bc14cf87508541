import type { ApiError } from '@ecs-endpoints/contract';
import type { ZodError } from 'zod/v4';
import { CredentialError } from '../credentials/types.ts';
import { SignInError } from '../credentials/sso/session.ts';
import { NetworkError } from '../docker/network.ts';
import { DockerUnavailableError } from '../docker/container-index.ts';
import { FaultControlError } from '../docker/fault/keeper.ts';
import { RecreateError } from '../docker/recreate.ts';
import { DiscoveryConflictError } from '../ecs-mode/discovery.ts';
import { EcsModeError } from '../ecs-mode/service.ts';
import { PresetError } from '../presets/presets.ts';
import { log } from '../log.ts';
import { TaskDefError } from '../taskdefs/parse.ts';
import { DescribeError } from '../taskdefs/describe.ts';
import { TaskRunError } from '../taskdefs/runner.ts';

/** An error the control API answers with: an HTTP status and an ApiError body. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly remedy?: string,
    readonly issues?: { path: string; message: string }[],
  ) {
    super(message);
  }

  body(): ApiError {
    return { error: this.message, ...(this.remedy ? { remedy: this.remedy } : {}), ...(this.issues?.length ? { issues: this.issues } : {}) };
  }
}

/**
 * A 400 from a zod validation error, naming each field and what is wrong with it. `fix` is the
 * remedy's sentence; `noun` names what a key is (a body's field or a query parameter). Strict
 * schemas report an object's unknown keys in one issue: each gets its own here, at its own path,
 * and the remedy starts by saying to remove them.
 */
export function badInput(err: ZodError, what: string, fix: string, noun: 'field' | 'query parameter' = 'field'): HttpError {
  const unknown: string[] = [];
  const issues: { path: string; message: string }[] = [];
  const parts: string[] = [];
  for (const i of err.issues) {
    if (i.code === 'unrecognized_keys') {
      for (const key of i.keys) {
        const path = [...i.path, key].join('.');
        unknown.push(`"${path}"`);
        issues.push({ path, message: `Unknown ${noun} "${path}"` });
        parts.push(`Unknown ${noun} "${path}"`);
      }
    } else {
      const path = i.path.join('.');
      issues.push({ path, message: i.message });
      // Without its full stop: the parts are joined into one sentence.
      const message = i.message.replace(/\.$/, '');
      parts.push(path ? `${path}: ${message}` : message);
    }
  }
  const text = parts.join('; ');
  const remedy = unknown.length
    ? `Remove ${unknown.join(', ')} (${unknown.length === 1 ? `there is no such ${noun}` : `there are no such ${noun}s`}). ${fix}`
    : fix;
  return new HttpError(400, `${what} is not valid: ${text}.`, remedy, issues);
}

const CREDENTIAL_STATUS: Partial<Record<CredentialError['code'], number>> = {
  InvalidSource: 400,
  SourceNotFound: 404,
  BuiltInSource: 409,
  SourceInUse: 409,
};

const ECS_MODE_STATUS: Record<EcsModeError['kind'], number> = { busy: 409, 'cannot-join': 409, 'not-ready': 503, 'follows-owner': 409, gone: 502 };
const RECREATE_STATUS: Record<RecreateError['kind'], number> = { conflict: 409, failed: 500, docker: 502 };

/** Map anything thrown by a route to a status and an ApiError. Never includes a secret: messages are ours. */
export function toHttpError(err: unknown): HttpError {
  if (err instanceof HttpError) return err;
  if (err instanceof CredentialError) {
    return new HttpError(CREDENTIAL_STATUS[err.code] ?? 502, err.message, err.remedy, err.issues);
  }
  if (err instanceof SignInError) return new HttpError(err.status, err.message, err.remedy);
  // A preset file that is not JSON, breaks the schema or holds a secret: the issues name each place.
  if (err instanceof PresetError) return new HttpError(400, err.message, err.remedy, err.issues);
  if (err instanceof TaskDefError) return new HttpError(400, err.message, err.remedy, err.issues);
  if (err instanceof DescribeError) return new HttpError(err.kind === 'not-found' ? 404 : err.kind === 'no-credentials' ? 400 : 502, err.message, err.remedy);
  if (err instanceof TaskRunError) return new HttpError(err.kind === 'not-found' ? 404 : 409, err.message, err.remedy);
  if (err instanceof FaultControlError) return new HttpError(err.kind === 'failed' ? 502 : 404, err.message, err.remedy);
  if (err instanceof RecreateError) return new HttpError(RECREATE_STATUS[err.kind], err.message, err.remedy);
  if (err instanceof DiscoveryConflictError) return new HttpError(409, err.message, err.remedy, [{ path: 'names', message: `"${err.discoveryName}" is held by "${err.heldBy}"` }]);
  if (err instanceof EcsModeError) return new HttpError(ECS_MODE_STATUS[err.kind], err.message, err.remedy);
  if (err instanceof NetworkError) return new HttpError(err.code === 'cannot-join' ? 409 : 502, err.message, err.remedy);
  const e = err as { type?: string; message?: string; status?: number; statusCode?: number };
  // body-parser errors
  if (e.type === 'entity.parse.failed') {
    return new HttpError(400, `The request body is not valid JSON: ${e.message ?? 'parse error'}.`, 'Send a JSON object with Content-Type: application/json.');
  }
  if (e.type === 'entity.too.large') return new HttpError(413, 'The request body is too large (limit 64 kB).', 'Send a smaller JSON body.');
  if (e.type === 'encoding.unsupported' || e.type === 'charset.unsupported') {
    return new HttpError(415, `Unsupported body encoding: ${e.message ?? ''}.`, 'Send UTF-8 JSON.');
  }
  if (err instanceof DockerUnavailableError) {
    return new HttpError(503, 'The Docker Engine is not reachable.', 'Start Docker (or check DOCKER_HOST); ECS Endpoints reconnects by itself.');
  }
  const dockerStatus = e.statusCode;
  if (typeof dockerStatus === 'number') {
    const msg = (err as { json?: { message?: string } }).json?.message ?? e.message ?? 'Docker error';
    if (dockerStatus === 404) return new HttpError(404, `Docker: ${msg}`, 'Reload the list; the container may have been removed.');
    return new HttpError(502, `Docker: ${msg}`, 'Check that the Docker Engine is healthy (docker info) and try again.');
  }
  log.error('control API: unexpected error', { error: e.message ?? String(err) });
  return new HttpError(500, `Internal error: ${e.message ?? String(err)}`, 'Try again; if it persists, check the backend log.');
}
