import type { HostProcessCredentials } from '../host-process.ts';
import type { SsoRoleToken } from '../sso/sign-in.ts';
import type { StsSettings } from '../sts.ts';
import type { AwsCredentials, CredentialContext } from '../types.ts';

/** What a source gets for one fetch. */
export interface ResolveOptions {
  ctx: CredentialContext;
  /** Aborted when the broker gives up on this fetch (its time bound passed). */
  signal: AbortSignal;
  /** The broker's clock (injectable in tests). */
  now: () => number;
}

/** One kind of credentials source. The broker caches, refreshes and bounds; a source only fetches. */
export interface CredentialSource {
  readonly id: string;
  /** True when the credentials differ per task family (fake): the broker caches per (source, family). */
  readonly perFamily: boolean;
  /** Fresh credentials, or null for a source that serves none. Throws on failure (any error; the broker maps it). */
  resolve(opts: ResolveOptions): Promise<AwsCredentials | null>;
}

/** What sources may use besides their own settings. */
export interface SourceDeps {
  sts: StsSettings;
  /** The AWS config and shared credentials files profiles are read from. */
  awsFiles: { config: string; credentials: string };
  /** Credentials of another source, through the broker (cached, single-flight, bounded). */
  baseCredentials(sourceId: string, signal: AbortSignal): Promise<AwsCredentials | null>;
  /** Scratch space that lives as long as the source's cache entry (cleared on invalidate). */
  memo: Map<string, unknown>;
  /** Docker Desktop: credential_process profiles' credentials, from programs run on the host by the dashboard. */
  hostProcesses?: HostProcessCredentials;
  /** The backend's own SSO token for a profile (signed in from the dashboard), when newer than the AWS CLI's. */
  ssoRoleToken?: (profile: string) => Promise<SsoRoleToken | undefined>;
}

export const HOUR_MS = 60 * 60 * 1000;

/**
 * An SDK credential identity as ours. Long-term keys have no expiration: they are served an hour
 * ahead, and the refresh re-reads their source.
 */
export function fromSdkIdentity(
  c: { accessKeyId: string; secretAccessKey: string; sessionToken?: string; expiration?: Date; accountId?: string },
  now: () => number,
  extra: { roleArn?: string; accountId?: string } = {},
): AwsCredentials {
  const accountId = extra.accountId ?? c.accountId;
  return {
    accessKeyId: c.accessKeyId,
    secretAccessKey: c.secretAccessKey,
    ...(c.sessionToken ? { sessionToken: c.sessionToken } : {}),
    expiration: c.expiration ?? new Date(now() + HOUR_MS),
    ...(extra.roleArn ? { roleArn: extra.roleArn } : {}),
    ...(accountId ? { accountId } : {}),
  };
}

/** A RoleSessionName from a source id: ecs-endpoints-<id>, only allowed characters, at most 64. */
export function sessionNameFor(sourceId: string): string {
  return `ecs-endpoints-${sourceId}`.replace(/[^\w+=,.@-]/g, '-').slice(0, 64);
}
