import { CredentialError } from '../types.ts';
import type { AwsCredentials } from '../types.ts';
import { assumeRole, getCallerIdentity } from '../sts.ts';
import { sessionNameFor, type CredentialSource, type ResolveOptions, type SourceDeps } from './source.ts';

export interface AssumeRoleSettings {
  /** A full ARN (a path is allowed), or… */
  roleArn?: string;
  /** …a role name in the base identity's account and partition. */
  roleName?: string;
  baseSourceId: string;
  sessionName?: string;
  externalId?: string;
  durationSeconds?: number;
  tags?: Record<string, string>;
}

export const DEFAULT_DURATION_SECONDS = 3600;

/** A role assumed with the credentials of another source (the base), through STS AssumeRole. */
export class AssumeRoleSource implements CredentialSource {
  readonly perFamily = false;

  constructor(
    readonly id: string,
    private readonly settings: AssumeRoleSettings,
    private readonly deps: SourceDeps,
  ) {}

  async resolve({ signal }: ResolveOptions): Promise<AwsCredentials> {
    const base = await this.deps.baseCredentials(this.settings.baseSourceId, signal);
    if (!base) {
      throw new CredentialError(
        'InvalidSource',
        `Source "${this.id}": its base source "${this.settings.baseSourceId}" serves no credentials, so it cannot assume a role.`,
        'Edit the source and choose a base source that has credentials (a profile, static keys or another role).',
      );
    }
    const roleArn = await this.roleArn(base, signal);
    const s = this.settings;
    const tags = Object.entries(s.tags ?? {}).map(([Key, Value]) => ({ Key, Value }));
    return assumeRole(
      this.deps.sts,
      base,
      {
        RoleArn: roleArn,
        RoleSessionName: s.sessionName ?? sessionNameFor(this.id),
        DurationSeconds: s.durationSeconds ?? DEFAULT_DURATION_SECONDS,
        ...(s.externalId ? { ExternalId: s.externalId } : {}),
        ...(tags.length ? { Tags: tags } : {}),
      },
      signal,
    );
  }

  /** The ARN to assume: as given, or built from the role name and the base identity (asked once per base key). */
  private async roleArn(base: AwsCredentials, signal: AbortSignal): Promise<string> {
    if (this.settings.roleArn) return this.settings.roleArn;
    const name = this.settings.roleName;
    if (!name) {
      throw new CredentialError('InvalidSource', `Source "${this.id}" has neither a role ARN nor a role name.`, 'Edit the source and give a role ARN or a role name.');
    }
    const memoKey = `role-arn:${base.accessKeyId}`;
    const known = this.deps.memo.get(memoKey);
    if (typeof known === 'string') return known;
    const id = await getCallerIdentity(this.deps.sts, base, signal);
    const parts = id.arn.split(':');
    const partition = parts[1] || 'aws';
    const account = id.account || parts[4];
    if (!account) throw new Error(`GetCallerIdentity returned no account for the base source "${this.settings.baseSourceId}"`);
    const arn = `arn:${partition}:iam::${account}:role/${name}`;
    this.deps.memo.set(memoKey, arn);
    return arn;
  }
}
