/**
 * The ECS environment: the variables the ECS agent gives a task's containers, which ECS mode gives
 * a container (built once, on recreate) and which the backend reads back (the endpoint and
 * credentials ids it serves). One pure module for the backend and the UI.
 */

export const ECS_ENV = {
  credentialsRelativeUri: 'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
  credentialsFullUri: 'AWS_CONTAINER_CREDENTIALS_FULL_URI',
  authorizationToken: 'AWS_CONTAINER_AUTHORIZATION_TOKEN',
  metadataUriV4: 'ECS_CONTAINER_METADATA_URI_V4',
  metadataUri: 'ECS_CONTAINER_METADATA_URI',
  agentUri: 'ECS_AGENT_URI',
  executionEnv: 'AWS_EXECUTION_ENV',
  region: 'AWS_REGION',
  defaultRegion: 'AWS_DEFAULT_REGION',
} as const;

/** The variables ECS mode gives a container, in the order the UI names them. */
export const ECS_ENVIRONMENT = [
  ECS_ENV.credentialsRelativeUri,
  ECS_ENV.metadataUriV4,
  ECS_ENV.metadataUri,
  ECS_ENV.agentUri,
  ECS_ENV.executionEnv,
  ECS_ENV.region,
  ECS_ENV.defaultRegion,
] as const;

/** Set only when the container does not set them already (its own region wins). */
export const UNLESS_SET: ReadonlySet<string> = new Set([ECS_ENV.region, ECS_ENV.defaultRegion]);

export interface EcsEnvironmentSettings {
  /** The endpoint address containers call, e.g. 169.254.170.2. */
  address: string;
  region: string;
  launchType: 'EC2' | 'FARGATE' | 'EXTERNAL';
}

/**
 * The variables to add to a container whose environment is `existing`. The ids are the caller's
 * (random: a v4 UUID for the endpoint, 128 random bits in hex for the credentials id).
 */
export function buildEcsEnvironment(
  existing: Record<string, string>,
  s: EcsEnvironmentSettings,
  ids: { endpointId: string; credentialsId: string },
): Record<string, string> {
  const env: Record<string, string> = {
    [ECS_ENV.metadataUriV4]: `http://${s.address}/v4/${ids.endpointId}`,
    [ECS_ENV.metadataUri]: `http://${s.address}/v3/${ids.endpointId}`,
    [ECS_ENV.agentUri]: `http://${s.address}/api/${ids.endpointId}`,
    [ECS_ENV.credentialsRelativeUri]: `/v2/credentials/${ids.credentialsId}`,
    [ECS_ENV.executionEnv]: `AWS_ECS_${s.launchType}`,
  };
  if (!existing[ECS_ENV.region]) env[ECS_ENV.region] = s.region;
  if (!existing[ECS_ENV.defaultRegion]) env[ECS_ENV.defaultRegion] = existing[ECS_ENV.region] || s.region;
  return env;
}

const ENDPOINT_ID = /\/(?:v4|v3|api)\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\/?$/;

/** The endpoint id in ECS_CONTAINER_METADATA_URI_V4 / _URI / ECS_AGENT_URI, if the container has one. */
export function endpointIdFromEnv(env: Record<string, string>): string | undefined {
  for (const k of [ECS_ENV.metadataUriV4, ECS_ENV.metadataUri, ECS_ENV.agentUri]) {
    const m = env[k] ? ENDPOINT_ID.exec(env[k]) : null;
    if (m) return m[1];
  }
  return undefined;
}

/** The id in AWS_CONTAINER_CREDENTIALS_RELATIVE_URI=/v2/credentials/<id>, if any. */
export function credentialsIdFromEnv(env: Record<string, string>): string | undefined {
  const rel = env[ECS_ENV.credentialsRelativeUri];
  return rel ? /^\/v2\/credentials\/([^/?#]+)$/.exec(rel)?.[1] : undefined;
}

/** Does the container carry the variables the SDKs look for (so it needs no recreate)? */
export function hasEcsEnvironment(env: Record<string, string>): boolean {
  return Boolean(env[ECS_ENV.metadataUriV4] || env[ECS_ENV.credentialsRelativeUri]);
}
