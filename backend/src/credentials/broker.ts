import { homedir } from 'node:os';
import { join } from 'node:path';
import { BUILTIN_SOURCE_IDS, type SourceTestResult } from '@ecs-endpoints/contract';
import { log } from '../log.ts';
import { timeoutError, toCredentialError, type ErrorContext } from './errors.ts';
import { formatExpiration } from './format.ts';
import type { HostProcessCredentials } from './host-process.ts';
import type { SourceRegistry, SourceRecord } from './registry.ts';
import { SourceFactory } from './source-factory.ts';
import { FakeSource } from './sources/fake.ts';
import { NoneSource } from './sources/none.ts';
import { HOUR_MS, type CredentialSource, type SourceDeps } from './sources/source.ts';
import { getCallerIdentity, stsTarget, type StsSettings } from './sts.ts';
import { CredentialError, type AwsCredentials, type CredentialContext, type CredentialErrorJson } from './types.ts';

const MINUTE_MS = 60 * 1000;

export interface CredentialBrokerOptions {
  registry: SourceRegistry;
  /** ECS_ENDPOINTS_STS_ENDPOINT: LocalStack, FIPS, a VPC endpoint. Unset = the SDK's endpoint for `region`. */
  stsEndpoint?: string;
  region: string;
  /**
   * Where profiles are read from (`config`, `credentials`). When unset: AWS_CONFIG_FILE /
   * AWS_SHARED_CREDENTIALS_FILE if set, else $HOME/.aws.
   */
  awsConfigDir?: string;
  /** Bound on one fetch, STS and base sources included. Default 5000. */
  timeoutMs?: number;
  /** Clock, for tests. */
  now?: () => number;
  /** Refresh in the background when the cached credentials expire within this. Default 30 min. */
  refreshAheadMs?: number;
  /** Never serve cached credentials that expire within this (the SDKs' own refresh window). Default 15 min. */
  minValidityMs?: number;
  /** How long a failed fetch is answered from memory before the next request retries. Default 2000. */
  failureTtlMs?: number;
  /** No refresh sooner than this after the last fetch, however short-lived the credentials (STS protection). Default 30 s. */
  minRefetchIntervalMs?: number;
  /** Docker Desktop: credential_process profiles resolved on the host (profile sources read them there). */
  hostProcesses?: HostProcessCredentials;
  /** The backend's SSO token for a profile (signed in from the dashboard), when newer than the AWS CLI's cache. */
  ssoRoleToken?: SourceDeps['ssoRoleToken'];
}

/** What the UI may know about a source's cache: never a secret. */
export interface SourceStatus {
  /** Expiration of the cached credentials (`YYYY-MM-DDTHH:MM:SSZ`). */
  cachedUntil?: string;
  lastError?: CredentialErrorJson;
  /** When credentials were last fetched successfully. */
  lastRefresh?: string;
}

interface Entry {
  sourceId: string;
  creds?: AwsCredentials;
  fetchedAt?: number;
  inflight?: Promise<AwsCredentials | null>;
  /** The last fetch failed: answered from memory for failureTtlMs. */
  failure?: { error: CredentialError; at: number };
  lastError?: { error: CredentialError; at: number };
}

/** AWS_CONFIG_FILE / AWS_SHARED_CREDENTIALS_FILE / $HOME/.aws, unless a directory is given. */
export function awsFilePaths(awsConfigDir?: string, env: NodeJS.ProcessEnv = process.env): { config: string; credentials: string } {
  if (awsConfigDir) return { config: join(awsConfigDir, 'config'), credentials: join(awsConfigDir, 'credentials') };
  const dir = join(env.HOME || homedir(), '.aws');
  return { config: env.AWS_CONFIG_FILE || join(dir, 'config'), credentials: env.AWS_SHARED_CREDENTIALS_FILE || join(dir, 'credentials') };
}

/**
 * Hands out credentials per source: cached, refreshed ahead of expiry, one fetch in flight per
 * source however many containers ask, every fetch bounded in time. The data plane calls `get` on
 * each credentials request; STS is called only when the cache cannot answer.
 */
export class CredentialBroker {
  private readonly registry: SourceRegistry;
  private readonly sts: StsSettings;
  private readonly awsFiles: { config: string; credentials: string };
  private readonly timeoutMs: number;
  private readonly now: () => number;
  private readonly refreshAheadMs: number;
  private readonly minValidityMs: number;
  private readonly failureTtlMs: number;
  private readonly minRefetchIntervalMs: number;
  private readonly entries = new Map<string, Entry>();
  private readonly generations = new Map<string, number>();
  private readonly sources: SourceFactory;

  constructor(opts: CredentialBrokerOptions) {
    this.registry = opts.registry;
    this.timeoutMs = opts.timeoutMs ?? 5000;
    this.sts = { region: opts.region, timeoutMs: this.timeoutMs, ...(opts.stsEndpoint ? { endpoint: opts.stsEndpoint } : {}) };
    this.awsFiles = awsFilePaths(opts.awsConfigDir);
    this.now = opts.now ?? Date.now;
    this.refreshAheadMs = opts.refreshAheadMs ?? 30 * MINUTE_MS;
    this.minValidityMs = opts.minValidityMs ?? 15 * MINUTE_MS;
    this.failureTtlMs = opts.failureTtlMs ?? 2000;
    this.minRefetchIntervalMs = opts.minRefetchIntervalMs ?? 30 * 1000;
    this.sources = new SourceFactory({
      registry: this.registry,
      sts: this.sts,
      awsFiles: this.awsFiles,
      credentials: (id) => this.get(id),
      ...(opts.hostProcesses ? { hostProcesses: opts.hostProcesses } : {}),
      ...(opts.ssoRoleToken ? { ssoRoleToken: opts.ssoRoleToken } : {}),
    });
  }

  /** The files profiles are read from (for the status page). */
  get awsConfigFiles(): { config: string; credentials: string } {
    return { ...this.awsFiles };
  }

  /**
   * Credentials for a container using `sourceId`, or null for a source that serves none. Throws
   * CredentialError (SourceNotFound, StsTimeout, StsUnreachable, AccessDenied, …) with a remedy.
   */
  async get(sourceId: string, ctx: CredentialContext = {}): Promise<AwsCredentials | null> {
    const { id, source } = this.sources.sourceFor(sourceId);
    if (source instanceof NoneSource) return null;
    return this.getFrom(id, source, ctx, false);
  }

  /**
   * What `get` would answer at once from the cache, without waiting (the data plane's fast path):
   * credentials still servable (starting a refresh ahead, as `get` does), null for a source that
   * serves none, undefined when only `get` can answer (nothing cached, expired, or an error to tell).
   */
  cached(sourceId: string, ctx: CredentialContext = {}): AwsCredentials | null | undefined {
    let found: ReturnType<SourceFactory['sourceFor']>;
    try {
      found = this.sources.sourceFor(sourceId);
    } catch {
      return undefined;
    }
    const { id, source } = found;
    if (source instanceof NoneSource) return null;
    const key = this.keyFor(id, source, ctx);
    const e = this.entries.get(key);
    return e ? this.fromCache(key, e, id, source, ctx, this.now()) : undefined;
  }

  /** Follow aliases (the default source) to the source that does the work. */
  targetId(sourceId: string): string {
    return this.sources.targetId(sourceId);
  }

  /** Cache state for the UI. */
  status(sourceId: string): SourceStatus {
    const id = this.targetId(sourceId);
    let until: number | undefined;
    let refresh: number | undefined;
    let lastError: Entry['lastError'];
    for (const e of this.entries.values()) {
      if (e.sourceId !== id) continue;
      const exp = e.creds?.expiration?.getTime();
      if (exp !== undefined && (until === undefined || exp > until)) until = exp;
      if (e.fetchedAt !== undefined && (refresh === undefined || e.fetchedAt > refresh)) refresh = e.fetchedAt;
      if (e.lastError && (!lastError || e.lastError.at > lastError.at)) lastError = e.lastError;
    }
    return {
      ...(until !== undefined ? { cachedUntil: formatExpiration(new Date(until)) } : {}),
      ...(lastError ? { lastError: lastError.error.toJSON() } : {}),
      ...(refresh !== undefined ? { lastRefresh: formatExpiration(new Date(refresh)) } : {}),
    };
  }

  /** Forget what is cached for a source and for every source built on it (call on edit and delete). */
  invalidate(sourceId: string): void {
    const ids = new Set([sourceId, this.targetId(sourceId), ...this.registry.dependents(sourceId)]);
    for (const id of ids) {
      this.generations.set(id, (this.generations.get(id) ?? 0) + 1);
      this.sources.forget(id);
      for (const [key, e] of this.entries) if (e.sourceId === id) this.entries.delete(key);
    }
  }

  /** The AWS files changed (the host's, mirrored): nothing cached from them may stay. */
  invalidateAll(): void {
    for (const id of new Set([...this.entries.values()].map((e) => e.sourceId))) this.invalidate(id);
  }

  /** New credentials arrived where failures came from (the host ran a credential_process): the next request asks again. */
  retryFailed(): void {
    for (const e of this.entries.values()) delete e.failure;
  }

  /** "Test this source": resolve it, then ask STS who those credentials are (GetCallerIdentity). */
  async test(sourceId: string): Promise<SourceTestResult> {
    let errCtx: ErrorContext = this.errorContext(sourceId);
    try {
      const { id, record, source } = this.sources.sourceFor(sourceId);
      errCtx = this.errorContext(id, record);
      if (source instanceof NoneSource) {
        return {
          ok: false,
          error: `Source "${sourceId}" serves no credentials: containers using it get none.`,
          remedy: 'Nothing to test. Assign a source that serves credentials (a profile, a role, static keys or fake) to give containers credentials.',
        };
      }
      const creds = await this.getFrom(id, source, {}, true);
      if (!creds) throw new CredentialError('InvalidSource', `Source "${sourceId}" returned no credentials.`, 'Check the source settings.');
      const expiration = creds.expiration ? formatExpiration(creds.expiration) : undefined;
      if (source instanceof FakeSource) {
        return { ok: true, ...source.identity({}), ...(expiration ? { expiration } : {}) };
      }
      const identity = await this.bounded(errCtx, (signal) => getCallerIdentity(this.sts, creds, signal));
      return { ok: true, account: identity.account, arn: identity.arn, userId: identity.userId, ...(expiration ? { expiration } : {}) };
    } catch (err) {
      const e = toCredentialError(err, errCtx);
      return { ok: false, error: e.message, remedy: e.remedy };
    }
  }

  // ---------------------------------------------------------------------------------------------

  private async getFrom(id: string, source: CredentialSource, ctx: CredentialContext, ignoreFailure: boolean): Promise<AwsCredentials | null> {
    const key = this.keyFor(id, source, ctx);
    let e = this.entries.get(key);
    if (!e) {
      e = { sourceId: id };
      this.entries.set(key, e);
    }
    const now = this.now();
    const cached = this.fromCache(key, e, id, source, ctx, now);
    if (cached) return cached;
    if (e.inflight) return e.inflight;
    if (!ignoreFailure && e.failure && now - e.failure.at < this.failureTtlMs) throw e.failure.error;
    return this.fetch(key, e, id, source, ctx);
  }

  private keyFor(id: string, source: CredentialSource, ctx: CredentialContext): string {
    return source.perFamily ? `${id}\u0000${ctx.family ?? ''}` : id;
  }

  /** The entry's credentials if they may be served now; a refresh ahead starts when due. */
  private fromCache(key: string, e: Entry, id: string, source: CredentialSource, ctx: CredentialContext, now: number): AwsCredentials | undefined {
    if (!e.creds || !this.servable(e, now)) return undefined;
    if (!e.inflight && this.shouldRefreshAhead(e, now)) this.fetch(key, e, id, source, ctx).catch(() => undefined);
    return e.creds;
  }

  private expiresAt(e: Entry): number {
    return e.creds?.expiration?.getTime() ?? 0;
  }

  /** Cached credentials may be served if the SDKs will not consider them due for refresh right away. */
  private servable(e: Entry, now: number): boolean {
    const remaining = this.expiresAt(e) - now;
    if (remaining > this.minValidityMs) return true;
    // A source that only issues short-lived credentials: serve what was just fetched rather than refetch on every call.
    return e.fetchedAt !== undefined && now - e.fetchedAt < this.minRefetchIntervalMs && remaining > MINUTE_MS;
  }

  private shouldRefreshAhead(e: Entry, now: number): boolean {
    if (e.failure && now - e.failure.at < this.failureTtlMs) return false;
    return this.expiresAt(e) - now < this.refreshAheadMs && (e.fetchedAt === undefined || now - e.fetchedAt >= this.minRefetchIntervalMs);
  }

  /** One fetch for a cache key; concurrent callers share it. */
  private fetch(key: string, e: Entry, id: string, source: CredentialSource, ctx: CredentialContext): Promise<AwsCredentials | null> {
    const generation = this.generations.get(id) ?? 0;
    const current = () => (this.generations.get(id) ?? 0) === generation && this.entries.get(key) === e;
    const errCtx = this.errorContext(id);
    const run = async (): Promise<AwsCredentials | null> => {
      try {
        const raw = await this.bounded(errCtx, (signal) => source.resolve({ ctx, signal, now: this.now }));
        if (raw === null) return null;
        const fetchedAt = this.now();
        const creds: AwsCredentials = {
          accessKeyId: raw.accessKeyId,
          secretAccessKey: raw.secretAccessKey,
          ...(raw.sessionToken ? { sessionToken: raw.sessionToken } : {}),
          expiration: raw.expiration ?? new Date(fetchedAt + HOUR_MS),
          ...(raw.roleArn ? { roleArn: raw.roleArn } : {}),
          ...(raw.accountId ? { accountId: raw.accountId } : {}),
        };
        if (current()) {
          e.creds = creds;
          e.fetchedAt = fetchedAt;
          delete e.failure;
          delete e.lastError;
        }
        log.debug('credentials fetched', { source: id, family: ctx.family, expires: formatExpiration(creds.expiration!) });
        return creds;
      } catch (err) {
        const error = toCredentialError(err, errCtx);
        const at = this.now();
        if (current()) {
          e.failure = { error, at };
          e.lastError = { error, at };
        }
        log.warn('credentials fetch failed', { source: id, code: error.code, message: error.message });
        // Better still-valid credentials than an error: the SDKs will ask again soon.
        if (e.creds && this.expiresAt(e) - at > MINUTE_MS) return e.creds;
        throw error;
      }
    };
    const p = run().finally(() => {
      if (e.inflight === p) delete e.inflight;
    });
    e.inflight = p;
    return p;
  }

  /** Race `fn` against the broker's bound; the signal aborts SDK requests when the bound passes. */
  private async bounded<T>(errCtx: ErrorContext, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const ac = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        reject(timeoutError(errCtx));
        ac.abort();
      }, this.timeoutMs);
    });
    try {
      return await Promise.race([fn(ac.signal), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  private errorContext(id: string, record: SourceRecord | undefined = this.registry.record(id)): ErrorContext {
    const name = record && 'input' in record ? record.input.name : id === BUILTIN_SOURCE_IDS.none ? 'None' : id;
    return {
      label: record?.kind === 'default-chain' ? "The backend's default credentials" : `Source "${name}"`,
      ...(record && 'input' in record && record.input.type === 'profile' ? { profile: record.input.profile } : {}),
      stsTarget: stsTarget(this.sts),
      awsFiles: this.awsFiles,
      timeoutMs: this.timeoutMs,
    };
  }
}
