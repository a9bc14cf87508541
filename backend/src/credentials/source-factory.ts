import type { HostProcessCredentials } from './host-process.ts';
import { CredentialError, type AwsCredentials } from './types.ts';
import type { SourceRecord, SourceRegistry } from './registry.ts';
import { AssumeRoleSource } from './sources/assume-role.ts';
import { DefaultChainSource } from './sources/default-chain.ts';
import { FakeSource } from './sources/fake.ts';
import { NoneSource } from './sources/none.ts';
import { ProfileSource } from './sources/profile.ts';
import type { CredentialSource, SourceDeps } from './sources/source.ts';
import { StaticSource } from './sources/static.ts';
import type { StsSettings } from './sts.ts';

type Resolved = { id: string; record: SourceRecord; source: CredentialSource };

/** Role ARNs from /role-arn/<arn> paths are ids too: the memo is emptied past this many. */
const MAX_RESOLVED = 256;

export interface SourceFactoryOptions {
  registry: SourceRegistry;
  sts: StsSettings;
  awsFiles: { config: string; credentials: string };
  /** A base source's credentials: the broker's `get`, so each link of a chain is cached and shared too. */
  credentials: (sourceId: string) => Promise<AwsCredentials | null>;
  /** Docker Desktop: credential_process profiles resolved on the host. */
  hostProcesses?: HostProcessCredentials;
  /** The backend's SSO token for a profile, if it holds a newer one than the AWS CLI's cache. */
  ssoRoleToken?: SourceDeps['ssoRoleToken'];
}

/**
 * From a source id to the CredentialSource that does the work: aliases followed, each kind given
 * what it needs (STS settings, the AWS files, a memo kept per source id, its base's credentials).
 */
export class SourceFactory {
  /** Per source id, what its sources keep between fetches (e.g. SDK providers); dropped by `forget`. */
  private readonly memos = new Map<string, Map<string, unknown>>();
  private readonly resolved = new Map<string, Resolved>();
  private resolvedAt?: object;

  constructor(private readonly opts: SourceFactoryOptions) {}

  /** Follow aliases (the default source) to the source that does the work. */
  targetId(sourceId: string): string {
    let id = sourceId;
    for (let hops = 0; hops < 5; hops++) {
      const r = this.opts.registry.record(id);
      if (r?.kind !== 'alias') return id;
      id = r.target;
    }
    return id;
  }

  /**
   * The source for an id (aliases followed), or CredentialError SourceNotFound. Resolved once per
   * id while the sources stay as they are: every credentials request asks (registry lookups and a
   * new source object each time, for what is nearly always the same answer).
   */
  sourceFor(sourceId: string): Resolved {
    const revision = this.opts.registry.revision();
    if (revision !== this.resolvedAt || this.resolved.size >= MAX_RESOLVED) {
      this.resolved.clear();
      this.resolvedAt = revision;
    }
    let r = this.resolved.get(sourceId);
    if (!r) {
      r = this.resolve(sourceId);
      this.resolved.set(sourceId, r);
    }
    return r;
  }

  private resolve(sourceId: string): Resolved {
    const id = this.targetId(sourceId);
    const record = this.opts.registry.record(id);
    if (!record || record.kind === 'alias') {
      const viaDefault = id !== sourceId;
      throw new CredentialError(
        'SourceNotFound',
        viaDefault ? `Source "${sourceId}" refers to "${id}", which does not exist.` : `There is no source "${sourceId}".`,
        viaDefault
          ? 'Create that source, or change ECS_ENDPOINTS_DEFAULT_SOURCE and restart the backend.'
          : 'Assign the container another source; this one may have been deleted.',
      );
    }
    return { id, record, source: this.make(id, record) };
  }

  /** Drop what sources of `id` memoized (the source was edited or deleted). */
  forget(id: string): void {
    this.memos.delete(id);
    this.resolved.clear();
  }

  private make(id: string, record: Exclude<SourceRecord, { kind: 'alias' }>): CredentialSource {
    if (record.kind === 'default-chain') return new DefaultChainSource(id, this.deps(id));
    const input = record.input;
    switch (input.type) {
      case 'none':
        return new NoneSource(id);
      case 'fake':
        return new FakeSource(id, input.roleArn);
      case 'profile':
        return new ProfileSource(id, input.profile, this.deps(id));
      case 'assume-role':
        return new AssumeRoleSource(id, input, this.deps(id));
      case 'static':
        if (!input.secretAccessKey) {
          throw new CredentialError('InvalidSource', `Source "${id}" has no secret access key.`, 'Edit the source and enter the secret access key.');
        }
        return new StaticSource(
          id,
          { accessKeyId: input.accessKeyId, secretAccessKey: input.secretAccessKey, ...(input.sessionToken ? { sessionToken: input.sessionToken } : {}) },
          this.deps(id),
        );
    }
  }

  private deps(id: string): SourceDeps {
    let memo = this.memos.get(id);
    if (!memo) {
      memo = new Map();
      this.memos.set(id, memo);
    }
    return {
      sts: this.opts.sts,
      awsFiles: this.opts.awsFiles,
      memo,
      baseCredentials: (baseId) => this.baseCredentials(id, baseId),
      ...(this.opts.hostProcesses ? { hostProcesses: this.opts.hostProcesses } : {}),
      ...(this.opts.ssoRoleToken ? { ssoRoleToken: this.opts.ssoRoleToken } : {}),
    };
  }

  private async baseCredentials(id: string, baseId: string): Promise<AwsCredentials | null> {
    // Sources are checked for cycles when saved; a hand-edited sources.json could still hold one.
    const seen = new Set([id]);
    let cur = this.targetId(baseId);
    for (let depth = 0; depth < 20; depth++) {
      if (seen.has(cur)) {
        throw new CredentialError('InvalidSource', `Source "${id}": its chain of base sources loops back to "${cur}".`, 'Edit the sources so that the chain of base sources ends in real credentials.');
      }
      seen.add(cur);
      const r = this.opts.registry.record(cur);
      if (r?.kind !== 'user' || r.input.type !== 'assume-role') break;
      cur = this.targetId(r.input.baseSourceId);
    }
    return this.opts.credentials(baseId);
  }
}
