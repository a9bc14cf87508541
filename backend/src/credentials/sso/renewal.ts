import { EventEmitter } from 'node:events';
import { log } from '../../log.ts';
import { errorName, OidcClient, said } from './oidc.ts';
import type { SsoTokenStore } from './token-store.ts';

const MINUTE_MS = 60_000;
const iso = (ms: number) => new Date(ms).toISOString();

/** Answers that mean the refresh token (or the client) will never work again: sign in anew. */
const FINAL = new Set(['InvalidGrantException', 'ExpiredTokenException', 'InvalidClientException', 'UnauthorizedClientException', 'AccessDeniedException']);

interface RenewalState {
  failures: number;
  error?: string;
  /** The refresh token or the client is refused for good: no more attempts. */
  permanent?: boolean;
}

/**
 * When a token of `life` ms obtained at `obtainedAt` is renewed: at 80% of its life, but at least
 * 10 minutes before it expires, and never before half of it (so short-lived tokens are renewed
 * in time without a refresh storm).
 */
export function renewAt(obtainedAt: number, expiresAt: number): number {
  const life = expiresAt - obtainedAt;
  return obtainedAt + Math.max(0.5 * life, Math.min(0.8 * life, life - 10 * MINUTE_MS));
}

/** After `failures` failed renewals in a row: 5 s, 10 s, 20 s, … up to 5 minutes. */
export function retryDelay(failures: number): number {
  return Math.min(5000 * 2 ** (failures - 1), 5 * MINUTE_MS);
}

/**
 * Renews the backend's SSO tokens that have a refresh token (sso_session profiles) ahead of their
 * expiry with a timer of its own, whether or not anyone has a page open or a container asks. A
 * failed renewal keeps the token until it expires and is retried with backoff; a refused refresh
 * token stops renewal, and the status says to sign in again.
 */
export class SsoRenewal extends EventEmitter<{ change: [] }> {
  private readonly timers = new Map<string, ReturnType<typeof setTimeout>>();
  private readonly states = new Map<string, RenewalState>();
  private readonly inflight = new Map<string, Promise<void>>();
  private stopped = false;

  constructor(
    private readonly store: SsoTokenStore,
    private readonly timeoutMs: number,
    private readonly now: () => number,
  ) {
    super();
  }

  resume(): void {
    this.stopped = false;
    for (const key of this.store.keys()) this.schedule(key);
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }

  state(key: string): RenewalState {
    return this.states.get(key) ?? { failures: 0 };
  }

  /** A new token was obtained for `key`: forget past failures and renew it in its time. */
  restart(key: string): void {
    this.states.delete(key);
    this.schedule(key);
  }

  /** Renew now (one renewal at a time per token); resolves when done, whatever the outcome. */
  renewNow(key: string): Promise<void> {
    let p = this.inflight.get(key);
    if (!p) {
      p = this.renew(key).finally(() => this.inflight.delete(key));
      this.inflight.set(key, p);
    }
    return p;
  }

  private schedule(key: string): void {
    clearTimeout(this.timers.get(key));
    this.timers.delete(key);
    const t = this.store.token(key);
    const s = this.state(key);
    if (this.stopped || !t?.refreshToken || s.permanent) return;
    const at = s.failures ? this.now() + retryDelay(s.failures) : renewAt(Date.parse(t.obtainedAt), Date.parse(t.expiresAt));
    const timer = setTimeout(() => void this.renewNow(key), Math.max(0, at - this.now()));
    timer.unref();
    this.timers.set(key, timer);
  }

  private async renew(key: string): Promise<void> {
    const t = this.store.token(key);
    const client = this.store.client(key);
    if (!t?.refreshToken) return;
    if (!client || Date.parse(client.expiresAt) <= this.now()) {
      this.states.set(key, { failures: 1, permanent: true, error: 'the client registration that renews it has expired' });
      this.emit('change');
      return;
    }
    const oidc = new OidcClient({ region: t.region, startUrl: t.startUrl, scopes: [], sessionName: key, key }, this.timeoutMs);
    try {
      const out = await oidc.refresh(client, t.refreshToken, this.now);
      // Signed in again meanwhile: that token is newer.
      if (this.store.token(key)?.accessToken !== t.accessToken) return;
      const now = this.now();
      this.store.setToken(key, { ...t, accessToken: out.accessToken, expiresAt: iso(out.expiresAt), obtainedAt: iso(now), refreshToken: out.refreshToken ?? t.refreshToken, renewedAt: iso(now) });
      this.states.delete(key);
      log.info('SSO token renewed', { session: key, validUntil: iso(out.expiresAt) });
    } catch (err) {
      const name = errorName(err);
      const failures = this.state(key).failures + 1;
      const permanent = FINAL.has(name);
      const error = `${name}: ${said(err)}`;
      this.states.set(key, { failures, error, ...(permanent ? { permanent } : {}) });
      log.warn('SSO token renewal failed', { session: key, error, retry: permanent ? 'no (sign in again)' : `in ${retryDelay(failures) / 1000} s` });
    } finally {
      oidc.destroy();
      this.schedule(key);
      this.emit('change');
    }
  }
}
