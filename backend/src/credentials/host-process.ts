import { EventEmitter } from 'node:events';
import type { HostProcessOutput, HostProcessView, ProfileView } from '@ecs-endpoints/contract';
import { log, redact } from '../log.ts';
import { formatExpiration } from './format.ts';
import { CredentialError, type AwsCredentials } from './types.ts';

const MINUTE_MS = 60 * 1000;

export interface HostProcessOptions {
  now?: () => number;
  /** A profile stays wanted this long after a resolution last asked for it. Default 2 h. */
  wantedForMs?: number;
  /** A failed run is tried again this long after. Default 1 min. */
  retryMs?: number;
  /** Refresh at most this long before expiry (and at half the lifetime for short ones). Default 35 min: ahead of the broker's own refresh. */
  maxLeadMs?: number;
}

interface Entry {
  /** Secrets: memory only, never logged, never in a view. */
  creds?: AwsCredentials;
  /** The process printed no Expiration: valid until the host's AWS files change. */
  noExpiry?: boolean;
  refreshedAt?: number;
  failure?: { message: string; at: number };
  askedAt?: number;
}

/**
 * Docker Desktop: credentials of credential_process profiles, whose programs run on the person's
 * machine, not in the VM. The dashboard (while open) runs the host script for the profiles this
 * says are due and hands over what it printed; profile sources read them from here. Kept in memory
 * only, per profile (the one holding the credential_process, at the root of any role chain).
 * `change`: a profile got usable credentials it did not have (cached failures may be retried).
 */
export class HostProcessCredentials extends EventEmitter<{ change: [] }> {
  private readonly entries = new Map<string, Entry>();
  private readonly now: () => number;
  private readonly wantedForMs: number;
  private readonly retryMs: number;
  private readonly maxLeadMs: number;
  private inUse: () => Promise<string[]> = async () => [];

  constructor(opts: HostProcessOptions = {}) {
    super();
    this.now = opts.now ?? Date.now;
    this.wantedForMs = opts.wantedForMs ?? 120 * MINUTE_MS;
    this.retryMs = opts.retryMs ?? MINUTE_MS;
    this.maxLeadMs = opts.maxLeadMs ?? 35 * MINUTE_MS;
  }

  /** The process profiles that containers' sources use now (wanted even before anything asks). */
  setInUse(fn: () => Promise<string[]>): void {
    this.inUse = fn;
  }

  /** For a resolution: the cached credentials if still usable, else undefined; either way the profile is wanted. */
  credentials(profile: string): AwsCredentials | undefined {
    const e = this.entry(profile);
    e.askedAt = this.now();
    return this.usable(e) ? { ...e.creds! } : undefined;
  }

  /** What the host script printed for a profile. Throws InvalidSource for output the SDK would refuse too. */
  put(profile: string, out: HostProcessOutput): HostProcessView {
    const now = this.now();
    const expiration = out.Expiration === undefined ? undefined : new Date(out.Expiration);
    if (expiration && Number.isNaN(expiration.getTime())) {
      throw new CredentialError('InvalidSource', `The credential_process of profile "${profile}" printed an Expiration that is not a date.`, 'Fix the program so that Expiration is an ISO 8601 time, e.g. 2026-01-01T12:00:00Z.');
    }
    if (expiration && expiration.getTime() <= now) {
      throw new CredentialError('InvalidSource', `The credential_process of profile "${profile}" printed credentials that expired at ${formatExpiration(expiration)}.`, 'Check the program (and the clock of your machine); it must print credentials that are still valid.');
    }
    const e = this.entry(profile);
    const wasUsable = this.usable(e);
    e.creds = {
      accessKeyId: out.AccessKeyId,
      secretAccessKey: out.SecretAccessKey,
      ...(out.SessionToken ? { sessionToken: out.SessionToken } : {}),
      ...(expiration ? { expiration } : {}),
      ...(out.AccountId ? { accountId: out.AccountId } : {}),
    };
    e.noExpiry = !expiration;
    e.refreshedAt = now;
    delete e.failure;
    log.info('credential_process credentials received from the host', { profile, expires: expiration ? formatExpiration(expiration) : 'when the AWS files change' });
    if (!wasUsable) this.emit('change');
    return this.view(profile);
  }

  /** The host script failed for a profile (its one-line message); cached credentials stay while valid. */
  fail(profile: string, message: string): HostProcessView {
    const e = this.entry(profile);
    e.failure = { message: redact(message.replace(/\s+/g, ' ').trim()).slice(0, 500), at: this.now() };
    log.warn('credential_process failed on the host', { profile, message: e.failure.message });
    return this.view(profile);
  }

  /** The host's AWS files changed: credentials that had no expiration came from the old files. */
  filesChanged(): void {
    for (const e of this.entries.values()) if (e.noExpiry) delete e.creds;
  }

  /** Every wanted profile (asked for lately, or used by a container's source) with its state. */
  async list(): Promise<HostProcessView[]> {
    const now = this.now();
    const wanted = new Set(await this.inUse().catch(() => []));
    for (const [name, e] of this.entries) if (e.askedAt !== undefined && now - e.askedAt < this.wantedForMs) wanted.add(name);
    return [...wanted].sort().map((p) => this.view(p));
  }

  view(profile: string): HostProcessView {
    const e = this.entries.get(profile) ?? {};
    const now = this.now();
    const usable = this.usable(e);
    const validUntil = usable && e.creds?.expiration ? { validUntil: e.creds.expiration.toISOString() } : {};
    const refreshedAt = e.refreshedAt !== undefined ? { refreshedAt: new Date(e.refreshedAt).toISOString() } : {};
    if (e.failure && (!usable || e.failure.at >= (e.refreshedAt ?? 0))) {
      const dueAt = e.failure.at + this.retryMs;
      return { profile, state: 'failed', due: now >= dueAt, dueAt: new Date(dueAt).toISOString(), message: e.failure.message, ...validUntil, ...refreshedAt };
    }
    if (!usable) return { profile, state: 'missing', due: true, ...refreshedAt };
    if (e.noExpiry) return { profile, state: 'fresh', due: false, ...refreshedAt };
    const dueAt = this.dueAt(e);
    return { profile, state: now >= dueAt ? 'due' : 'fresh', due: now >= dueAt, dueAt: new Date(dueAt).toISOString(), ...validUntil, ...refreshedAt };
  }

  /** For GET /api/profiles/details: a process profile's state as the person should read it. */
  describe(profile: string): Pick<ProfileView, 'state' | 'validUntil' | 'detail'> {
    const v = this.view(profile);
    const until = v.validUntil ? { validUntil: v.validUntil } : {};
    const at = (iso?: string) => (iso ? formatExpiration(new Date(iso)) : '');
    if (v.state === 'failed') {
      const retry = `It is run again while the ECS Endpoints dashboard is open (next at ${at(v.dueAt)}).`;
      return { state: v.validUntil ? 'ready' : 'broken', ...until, detail: `Its credential_process failed on your machine: ${v.message!.replace(/\.?$/, '.')} ${retry}` };
    }
    if (v.state === 'missing') return { state: 'waiting', detail: 'Needs the ECS Endpoints dashboard open to run its credential_process on your machine.' };
    if (!v.dueAt) return { state: 'ready', detail: 'Refreshed through the dashboard; valid until your AWS files change.' };
    if (v.state === 'due') return { state: 'ready', ...until, detail: `Needs the ECS Endpoints dashboard open to refresh (due at ${at(v.dueAt)}).` };
    return { state: 'ready', ...until, detail: `Refreshed through the dashboard; next refresh due at ${at(v.dueAt)}.` };
  }

  private entry(profile: string): Entry {
    let e = this.entries.get(profile);
    if (!e) this.entries.set(profile, (e = {}));
    return e;
  }

  /** Cached credentials a container can still use for a while (the SDKs refresh a few minutes ahead). */
  private usable(e: Entry): boolean {
    if (!e.creds) return false;
    return e.noExpiry === true || e.creds.expiration!.getTime() - this.now() > MINUTE_MS;
  }

  private dueAt(e: Entry): number {
    const exp = e.creds!.expiration!.getTime();
    const lifetime = exp - (e.refreshedAt ?? this.now());
    return exp - Math.min(this.maxLeadMs, Math.max(0, lifetime / 2));
  }
}
