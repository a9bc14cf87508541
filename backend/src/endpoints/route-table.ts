import { RouteTable, type Route } from './router.ts';
import { taskProtection } from './routes/agent-api.ts';
import { faultInjection } from './routes/fault.ts';
import { creds, credentialsV1, credentialsV2, roleByArn, roleByName } from './routes/credentials.ts';
import { v2ContainerMetadata, v2ContainerStats, v2TaskMetadata, v2TaskStats } from './routes/v2.ts';
import { association, associations, containerMetadata, containerStats, taskMetadata, taskStats, type Naming } from './routes/v3v4.ts';
import type { Reads } from './types.ts';

/*
 * Every data-plane route, in the agent's registration order (spec §2), with this emulator's
 * id-less compatibility forms where they cannot be mistaken for the agent's routes. Parameters
 * are raw path segments; `{id}` may be empty, as in the agent (an unknown id, not a 404).
 */

const V = '{v:v3|v4}';
const ID = '{id:[^/]*}';
/** One or more non-empty segments: a trailing slash matches no route. */
const SEGMENTS = '[^/]+(?:/[^/]+)*';

/** The id-less words answer for the caller unless some container's endpoint id is that word. */
const idless = (r: Reads, path: string) => !r.model().byEndpointId.has(path.split('/')[2]!);

/** The v3/v4 metadata and stats routes under one way of naming the container. */
function metadata(prefix: string, by: Naming, when?: Route['when']): Route[] {
  const routes: Route[] = [
    { pattern: prefix, kind: 'metadata', handler: containerMetadata(by), when },
    { pattern: `${prefix}/task`, kind: 'metadata', handler: taskMetadata(by, false), when },
    { pattern: `${prefix}/taskWithTags`, kind: 'metadata', handler: taskMetadata(by, true), when },
    { pattern: `${prefix}/stats`, kind: 'stats', handler: containerStats(by), when },
    { pattern: `${prefix}/task/stats`, kind: 'stats', handler: taskStats(by), when },
  ];
  if (by === 'caller') return routes;
  return [
    ...routes,
    { pattern: `${prefix}/associations/{associationType}`, kind: 'metadata', handler: associations(by) },
    { pattern: `${prefix}/associations/{associationType}/{associationName:${SEGMENTS}}`, kind: 'metadata', handler: association(by) },
  ];
}

const ROUTES: Route[] = [
  { pattern: '/v1/credentials', kind: 'credentials', handler: credentialsV1 },
  { pattern: '/v2/credentials/{credid:.*}', kind: 'credentials', handler: credentialsV2 },
  { pattern: '/v2/metadata/{cid:.+}', kind: 'metadata', handler: v2ContainerMetadata },
  { pattern: '/v2/metadata', kind: 'metadata', handler: v2TaskMetadata(false) },
  { pattern: '/v2/metadataWithTags', kind: 'metadata', handler: v2TaskMetadata(true) },
  { pattern: '/v2/metadata/', kind: 'metadata', handler: v2TaskMetadata(false) },
  { pattern: '/v2/metadataWithTags/', kind: 'metadata', handler: v2TaskMetadata(true) },
  { pattern: '/v2/stats/{cid:.+}', kind: 'stats', handler: v2ContainerStats },
  { pattern: '/v2/stats', kind: 'stats', handler: v2TaskStats },
  { pattern: '/v2/stats/', kind: 'stats', handler: v2TaskStats },

  // /v4, /v4/task, /v4/taskWithTags, /v4/stats, /v4/task/stats: the caller by source address.
  ...metadata(`/${V}`, 'caller', idless),
  { pattern: `/${V}/{word:task|taskWithTags|stats}/{rest:.*}`, kind: 'other', handler: null, when: idless },
  // /v4/containers/<name>[/…]: a container by ECS or Docker name; nothing else lives there.
  ...metadata(`/${V}/containers/{container}`, 'name'),
  { pattern: `/${V}/containers/{container}/{rest:.*}`, kind: 'other', handler: null },
  ...metadata(`/${V}/${ID}`, 'id'),

  { pattern: `/api/${ID}/task-protection/v1/state`, methods: ['GET', 'PUT'], kind: 'protection', handler: taskProtection },
  {
    pattern: `/api/${ID}/fault/v1/{fault:network-blackhole-port|network-latency|network-packet-loss}/{action:start|stop|status}`,
    methods: ['POST'], kind: 'fault', handler: faultInjection, limited: true,
  },

  // The older local emulator's id-less credential forms, for the caller at the source address.
  { pattern: '/creds', kind: 'credentials', handler: creds },
  { pattern: '/role/{name}', kind: 'credentials', handler: roleByName },
  { pattern: `/role-arn/{arn:[^/]+.*}`, kind: 'credentials', handler: roleByArn },
];

export const routeTable = new RouteTable(ROUTES);
