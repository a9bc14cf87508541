import type { RequestKind } from '@ecs-endpoints/contract';
import { goJson } from '../gojson.ts';
import type { Version } from './render.ts';
import { JSON_TYPE } from './responses.ts';
import type { DataResponse } from './types.ts';

/*
 * Why a route could not answer, and the agent's status and body for each reason (spec §3.3, §4,
 * §5, §6.5, §8.3). Handlers throw a LookupError; the data plane turns it into the wire answer here
 * and nowhere else.
 */

export type CredentialsRoute = 'CredentialsV1Request' | 'CredentialsV2Request';

/** The v3/v4 handlers, as their error messages name them. */
export type MetadataHandler = 'container metadata' | 'task metadata' | 'container stats' | 'task stats' | 'container associations';

export type Problem =
  | { type: 'no-credentials-id'; route: CredentialsRoute }
  /** Unknown id, another container's id, a wrong token, a role path not granted. Id-less forms have no route. */
  | { type: 'credentials-not-found'; route?: CredentialsRoute; reason: string }
  | { type: 'caller-not-in-ecs-mode'; api: 'credentials' | 'v2'; ip: string }
  /** The caller check would not vouch for the address (docker/caller-identity.ts). */
  | { type: 'caller-unverified'; status: number; reason: string }
  | { type: 'unknown-container'; id: string }
  | { type: 'no-stats'; version: Version; id: string }
  | { type: 'unknown-endpoint-id'; version: 'v3' | 'v4'; handler: MetadataHandler; id: string }
  | { type: 'no-such-association'; version: 'v3' | 'v4'; associationType: string; name: string; containerId: string }
  | { type: 'unknown-fault-endpoint-id'; id: string }
  | { type: 'fault-injection-disabled'; taskArn: string }
  /** A body the agent's fault handlers cannot decode or validate (their message). */
  | { type: 'bad-fault-request'; message: string }
  /** Containers of the task in several network namespaces: the agent's bridge mode. */
  | { type: 'fault-network-mode'; mode: string };

export class LookupError extends Error {
  constructor(
    readonly problem: Problem,
    /** The container the request log should name, if any is known. */
    readonly containerId?: string,
  ) {
    super(problem.type);
  }
}

/** Per v3/v4 handler: an unknown endpoint id's status in v3 and v4, and which lookup the agent does first. */
const UNKNOWN_ID: Record<MetadataHandler, { v3: number; v4: number; lookup: 'container' | 'task' }> = {
  'container metadata': { v3: 500, v4: 404, lookup: 'container' },
  'task metadata': { v3: 500, v4: 404, lookup: 'task' },
  'container stats': { v3: 400, v4: 404, lookup: 'task' },
  'task stats': { v3: 400, v4: 404, lookup: 'task' },
  'container associations': { v3: 400, v4: 400, lookup: 'container' },
};

type Answer = { status: number; body: string; error?: string };

/** The credentials API's error object; HTTPErrorCode has no json tag in the agent, so it is sent. */
function credentials(status: number, code: string, message: string, error = message): Answer {
  return { status, body: goJson({ code, message, HTTPErrorCode: status }), error };
}

/** The fault routes' {"Error": …} (NetworkFaultInjectionResponse). */
export function fault(status: number, message: string, error = message): Answer {
  return { status, body: goJson({ Error: message }), error };
}

/** Metadata and stats errors are bare JSON strings. */
function text(status: number, message: string, error: string): Answer {
  return { status, body: goJson(message), error };
}

function unknownEndpointId(p: Extract<Problem, { type: 'unknown-endpoint-id' }>): Answer {
  const { v3, v4, lookup } = UNKNOWN_ID[p.handler];
  const why = lookup === 'container'
    ? `unable to get container ID from request: unable to get docker ID from v3 endpoint ID: ${p.id}`
    : `unable to get task arn from request: unable to get task Arn from v3 endpoint ID: ${p.id}`;
  return text(p.version === 'v4' ? v4 : v3, `${p.version.toUpperCase()} ${p.handler} handler: ${why}`, 'unknown endpoint id');
}

function answer(p: Problem): Answer {
  switch (p.type) {
    case 'no-credentials-id':
      return credentials(400, 'NoIdInRequest', `${p.route}: No Credential ID in the request`);
    case 'credentials-not-found':
      return credentials(400, 'InvalidIdInRequest', p.route ? `${p.route}: Credentials not found` : 'Credentials not found', p.reason);
    case 'caller-not-in-ecs-mode':
      return p.api === 'credentials'
        ? credentials(400, 'InvalidIdInRequest', `Credentials not found: ${p.ip} is not a container in ECS mode`, 'caller not in ECS mode')
        : text(400, `Unable to get task arn from request: unable to associate '${p.ip}' with task`, 'caller not in ECS mode');
    case 'caller-unverified':
      return credentials(p.status, p.status === 503 ? 'CredentialsUninitialized' : 'InvalidIdInRequest', `Credentials not found: ${p.reason}`, p.reason);
    case 'unknown-container':
      return text(400, `Unable to generate metadata for container '${p.id}'`, 'unknown container');
    case 'no-stats':
      return text(p.version === 'v4' ? 500 : 400, `Unable to get container stats for: ${p.id}`, p.version === 'v2' ? 'no stats' : 'container not running');
    case 'unknown-endpoint-id':
      return unknownEndpointId(p);
    case 'no-such-association':
      return text(400, `${p.version.toUpperCase()} container associations handler: unable to get association '${p.name}' of type '${p.associationType}' for container '${p.containerId}'`, 'no such association');
    case 'unknown-fault-endpoint-id':
      return fault(404, `unable to get task arn from request: unable to get task Arn from v3 endpoint ID: ${p.id}`, 'unknown endpoint id');
    case 'fault-injection-disabled':
      return fault(400, `enableFaultInjection is not enabled for task: ${p.taskArn}`, 'the task is not marked for fault injection');
    case 'bad-fault-request':
      return fault(400, p.message);
    case 'fault-network-mode':
      return fault(400, `${p.mode} mode is not supported. Please use either host or awsvpc mode.`, 'the task\'s containers are in several network namespaces');
  }
}

export function problemResponse(kind: RequestKind, e: LookupError): DataResponse {
  const a = answer(e.problem);
  return { status: a.status, headers: { 'Content-Type': JSON_TYPE }, body: a.body, meta: { kind, containerId: e.containerId, error: a.error } };
}
