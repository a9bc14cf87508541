import { ECS_ENV } from '@ecs-endpoints/contract';
import { LookupError, type CredentialsRoute } from '../errors.ts';
import { safeDecode } from '../router.ts';
import type { CallerVerdict, CredentialsAnswer, DataRequest, Entry, Handler, Reads, Reply } from '../types.ts';

/*
 * Task role credentials (spec §3): by id (v1 query, v2 path), and the id-less compatibility forms
 * /creds, /role/<name> and /role-arn/<arn> that answer the caller at the source address.
 */

export const credentialsV1: Handler = (r, call) => byId(r, call.req, new URLSearchParams(call.query).get('id') ?? '', 'CredentialsV1Request');

export const credentialsV2: Handler = (r, call) => byId(r, call.req, call.params.credid!, 'CredentialsV2Request');

export const creds: Handler = (r, { req }) => then(idlessCaller(r, req), (entry) => {
  authorize(entry, req);
  return then(r.deps.credentials.forContainer(entry, req), (a) => answer(a, entry));
});

export const roleByName: Handler = (r, call) => role(r, call.req, call.path, { name: safeDecode(call.params.name!) });

export const roleByArn: Handler = (r, call) => role(r, call.req, call.path, { arn: safeDecode(call.params.arn!) });

/**
 * Answers in the same turn when nothing has to wait; a promise only to settle an unknown caller or
 * fetch credentials the broker does not have cached.
 */
function then<T, U>(v: T | Promise<T>, f: (v: T) => U | Promise<U>): U | Promise<U> {
  return v instanceof Promise ? v.then(f) : f(v);
}

function byId(r: Reads, req: DataRequest, id: string, route: CredentialsRoute): Reply | Promise<Reply> {
  if (!id) throw new LookupError({ type: 'no-credentials-id', route });
  // Bound to the container it was issued to: the id alone is not enough, the caller must be it.
  const find = () => r.model().byCredentialsId.get(id)?.find((e) => isCaller(r, e, req.remoteIp));
  const entry = find();
  if (entry) return byIdFor(r, req, id, entry, route);
  // A container that started a moment ago may not be in the model yet: look it up once.
  const callers = r.deps.callers;
  if (callers && !callers.known(req.remoteIp)) return callers.settle(req.remoteIp).then(() => byIdFor(r, req, id, find(), route));
  return byIdFor(r, req, id, undefined, route);
}

function byIdFor(r: Reads, req: DataRequest, id: string, entry: Entry | undefined, route: CredentialsRoute): Reply | Promise<Reply> {
  if (!entry) {
    const m = r.model();
    const reason = m.byCredentialsId.has(id) ? 'credentials id of another container' : 'unknown credentials id';
    throw new LookupError({ type: 'credentials-not-found', route, reason }, m.byIp.get(req.remoteIp)?.container.record.id);
  }
  authorize(entry, req, route);
  return then(r.deps.credentials.forContainer(entry, req), (a) => answer(a, entry));
}

async function role(r: Reads, req: DataRequest, path: string, wanted: { arn?: string; name?: string }): Promise<Reply> {
  const entry = await idlessCaller(r, req);
  // A role path is a grant: only a container whose environment names it may use it, so one
  // container cannot ask for the role another one was given.
  if (!namesPath(entry.container.record.env, path)) {
    const reason = `the container's AWS_CONTAINER_CREDENTIALS_RELATIVE_URI/FULL_URI does not name ${path}`;
    throw new LookupError({ type: 'credentials-not-found', reason }, entry.container.record.id);
  }
  authorize(entry, req);
  return answer(await r.deps.credentials.forRole(entry, wanted, req), entry);
}

function answer(a: CredentialsAnswer, entry: Entry): Reply {
  return { status: a.status, body: a.body, containerId: entry.container.record.id, sourceId: a.sourceId, error: a.error };
}

function isCaller(r: Reads, e: Entry, ip: string): boolean {
  return r.model().byIp.get(ip)?.container.namespaceOwnerId === e.container.namespaceOwnerId;
}

/**
 * The caller of an id-less credentials form, which names no secret: its source address must be
 * provably its own (Docker connected, address bound to its port), else it gets nothing.
 */
function idlessCaller(r: Reads, req: DataRequest): Entry | Promise<Entry> {
  const ip = req.remoteIp;
  const callers = r.deps.callers;
  const entry = r.model().byIp.get(ip);
  if (!callers) return vouched(req, entry, OK);
  const v = callers.verify(ip, entry?.container.namespaceOwnerId);
  if (v.ok || !v.wait) return vouched(req, entry, v);
  return callers.settle(ip).then(() => {
    const settled = r.model().byIp.get(ip);
    return vouched(req, settled, callers.verify(ip, settled?.container.namespaceOwnerId));
  });
}

const OK: CallerVerdict = { ok: true };

function vouched(req: DataRequest, entry: Entry | undefined, v: CallerVerdict): Entry {
  if (!entry) throw new LookupError({ type: 'caller-not-in-ecs-mode', api: 'credentials', ip: req.remoteIp });
  if (!v.ok) throw new LookupError({ type: 'caller-unverified', status: v.status, reason: v.reason }, entry.container.record.id);
  return entry;
}

/** AWS_CONTAINER_AUTHORIZATION_TOKEN, when the container has one, must be presented as Authorization. */
function authorize(entry: Entry, req: DataRequest, route?: CredentialsRoute): void {
  const token = entry.container.record.env[ECS_ENV.authorizationToken];
  if (!token || req.headers.authorization === token) return;
  throw new LookupError({ type: 'credentials-not-found', route, reason: 'missing or wrong Authorization token' }, entry.container.record.id);
}

function namesPath(env: Record<string, string>, path: string): boolean {
  const rel = env[ECS_ENV.credentialsRelativeUri];
  let full: string | undefined;
  try {
    const fullUri = env[ECS_ENV.credentialsFullUri];
    full = fullUri ? new URL(fullUri).pathname : undefined;
  } catch {
    full = undefined;
  }
  const same = (p?: string) => p !== undefined && (p === path || safeDecode(p) === safeDecode(path));
  return same(rel) || same(full);
}
