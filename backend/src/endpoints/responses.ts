import type { RequestKind } from '@ecs-endpoints/contract';
import type { DataResponse, Reply } from './types.ts';

/*
 * The answers that do not depend on a route: Go's net/http and gorilla/mux ones and tollbooth's,
 * byte for byte (spec §1). Lookup errors are in errors.ts.
 */

export const JSON_TYPE = 'application/json';
export const TEXT_TYPE = 'text/plain; charset=utf-8';

/** Go's server refuses a request line it cannot parse before any handler runs. */
export function malformedEscape(): DataResponse {
  return { status: 400, headers: { 'Content-Type': TEXT_TYPE, Connection: 'close' }, body: '400 Bad Request', meta: { kind: 'other', error: 'malformed percent-encoding in the path' } };
}

/** The outer router redirects before the limiter runs, so no rate-limit headers here. */
export function redirect(location: string): DataResponse {
  return { status: 301, headers: { Location: location }, body: '', meta: { kind: 'other' } };
}

export function refused(message: string, kind: RequestKind): DataResponse {
  return { status: 403, headers: { 'Content-Type': TEXT_TYPE }, body: message + '\n', meta: { kind, error: 'caller not on the managed network' } };
}

/**
 * A container whose first request beat its attach to the managed network: the same request sent
 * again goes by that network. 503, a transient answer (403 would say it is not in ECS mode, and
 * name the wrong remedy); the JS v3 and Python SDKs retry any failed credentials request anyway.
 */
export function rejoin(network: string, kind: RequestKind): DataResponse {
  const body = `This container was attached to the Docker network "${network}" a moment after it started, so this request left by its other network. Send it again: it now reaches ECS Endpoints.\n`;
  return { status: 503, headers: { 'Content-Type': TEXT_TYPE, 'Retry-After': '1' }, body, meta: { kind, error: 'sent before the container was attached to the managed network' } };
}

export function throttled(rateLimit: Record<string, string | string[]>, kind: RequestKind, message = 'You have reached maximum request limit.'): DataResponse {
  return { status: 429, headers: { ...rateLimit, 'Content-Type': TEXT_TYPE }, body: message, meta: { kind, error: 'throttled' } };
}

export function notFound(): DataResponse {
  return {
    status: 404,
    headers: { 'Content-Type': TEXT_TYPE, 'X-Content-Type-Options': 'nosniff' },
    body: '404 page not found\n',
    meta: { kind: 'other', error: 'no such route' },
  };
}

export function methodNotAllowed(kind: RequestKind, containerId: string | undefined): DataResponse {
  return { status: 405, headers: {}, body: '', meta: { kind, containerId } };
}

/** A handler's answer on the wire. */
export function reply(kind: RequestKind, r: Reply): DataResponse {
  return { status: r.status, headers: { 'Content-Type': JSON_TYPE }, body: r.body, meta: { kind, containerId: r.containerId, sourceId: r.sourceId, error: r.error } };
}

export function ok(body: string, containerId: string | undefined): Reply {
  return { status: 200, body, containerId };
}
