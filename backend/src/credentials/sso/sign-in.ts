import { EventEmitter } from 'node:events';
import { getSSOTokenFromFile } from '@smithy/core/config';
import type { SsoSignInStart, SsoSignInStatus } from '@ecs-endpoints/contract';
import { log } from '../../log.ts';
import { errorName, OidcClient, oidcEndpoint, said, unanswered, type DeviceAuthorization } from './oidc.ts';
import { SsoRenewal } from './renewal.ts';
import { SignInError, ssoSessionOf, type SsoSession } from './session.ts';
import type { SsoClientRegistration, SsoToken, SsoTokenStore } from './token-store.ts';

const HOUR_MS = 3600_000;
const iso = (ms: number) => new Date(ms).toISOString();

export interface SsoSignInOptions {
  store: SsoTokenStore;
  awsFiles: { config: string; credentials: string };
  /** Bound on each OIDC call. */
  timeoutMs: number;
  now?: () => number;
}

interface Attempt {
  session: SsoSession;
  oidc: OidcClient;
  client: SsoClientRegistration;
  auth: DeviceAuthorization;
  intervalSeconds: number;
  state: SsoSignInStatus['state'];
  message?: string;
  timer?: ReturnType<typeof setTimeout>;
}

/** What a container's profile source needs to get role credentials with the backend's token. */
export interface SsoRoleToken {
  accessToken: string;
  region: string;
  accountId: string;
  roleName: string;
}

/**
 * Signing in to a profile's SSO session from the dashboard: the OIDC device authorization (the
 * person approves in their browser; the backend polls CreateToken as fast as the service allows),
 * the token kept in the state directory and renewed by `SsoRenewal` for its whole session, and
 * for profile sources the token to use when it is newer than the AWS CLI's cache. Emits `change`
 * when a sign-in completes, fails or a token is renewed.
 */
export class SsoSignIn extends EventEmitter<{ change: [] }> {
  private readonly attempts = new Map<string, Attempt>();
  private readonly now: () => number;
  readonly renewal: SsoRenewal;

  constructor(private readonly opts: SsoSignInOptions) {
    super();
    this.now = opts.now ?? Date.now;
    this.renewal = new SsoRenewal(opts.store, opts.timeoutMs, this.now);
    this.renewal.on('change', () => this.emit('change'));
  }

  /** Renew kept tokens from now on (on start: timers for every stored token with a refresh token). */
  resume(): void {
    this.renewal.resume();
  }

  stop(): void {
    for (const a of this.attempts.values()) this.finish(a);
    this.renewal.stop();
  }

  /** Start a device authorization for `profile`; a pending one for it is replaced. Nothing changes when it fails. */
  async start(profile: string): Promise<SsoSignInStart> {
    const session = await ssoSessionOf(this.opts.awsFiles, profile);
    const oidc = new OidcClient(session, this.opts.timeoutMs);
    try {
      let client = this.usableClient(session);
      let auth: DeviceAuthorization;
      try {
        client ??= await this.register(oidc, session);
        auth = await oidc.startDeviceAuthorization(client, this.now());
      } catch (err) {
        // A kept registration the service no longer knows: register again, once.
        if (!(err instanceof SignInError && err.kind === 'refused' && /InvalidClient/.test(err.message) && client)) throw err;
        client = await this.register(oidc, session);
        auth = await oidc.startDeviceAuthorization(client, this.now());
      }
      const old = this.attempts.get(profile);
      if (old) this.finish(old, 'cancelled');
      const attempt: Attempt = { session, oidc, client, auth, intervalSeconds: auth.intervalSeconds, state: 'pending' };
      this.attempts.set(profile, attempt);
      this.poll(attempt);
      log.info('SSO sign-in started', { profile, session: session.key, expires: iso(auth.expiresAt) });
      return {
        verificationUri: auth.verificationUri,
        ...(auth.verificationUriComplete ? { verificationUriComplete: auth.verificationUriComplete } : {}),
        userCode: auth.userCode,
        expiresAt: iso(auth.expiresAt),
      };
    } catch (err) {
      oidc.destroy();
      log.warn('SSO sign-in could not start', { profile, error: (err as Error).message });
      throw err;
    }
  }

  /** Stop waiting for approval of `profile`'s pending sign-in (a no-op when none is pending). */
  cancel(profile: string): void {
    const a = this.attempts.get(profile);
    if (a?.state === 'pending') {
      this.finish(a, 'cancelled');
      this.emit('change');
    }
  }

  async status(profile: string): Promise<SsoSignInStatus> {
    const a = this.attempts.get(profile);
    if (a && a.state !== 'signed-in') {
      const pending = a.state === 'pending'
        ? { verificationUri: a.auth.verificationUri, userCode: a.auth.userCode, ...(a.auth.verificationUriComplete ? { verificationUriComplete: a.auth.verificationUriComplete } : {}) }
        : {};
      return { state: a.state, ...(a.message ? { message: a.message } : {}), ...pending };
    }
    const session = await ssoSessionOf(this.opts.awsFiles, profile);
    const t = this.kept(session);
    if (!t) return { state: 'none' };
    const r = this.renewal.state(session.key);
    const expiresAt = Date.parse(t.expiresAt);
    const renewable = Boolean(t.refreshToken) && !r.permanent;
    if (expiresAt <= this.now() && !renewable) {
      return { state: 'expired', message: `The sign-in for ${session.startUrl} has ended${r.error ? ` (${r.error})` : ''}. Sign in again.` };
    }
    return {
      state: 'signed-in',
      validUntil: t.expiresAt,
      renewable,
      ...(t.renewedAt ? { renewedAt: t.renewedAt } : {}),
      ...(r.error ? { renewError: r.error } : {}),
    };
  }

  /** The backend's token for a session (same start URL and region), for the profiles table. */
  keptToken(key: string, startUrl: string): { expiresAt: number; renewable: boolean } | undefined {
    const t = this.opts.store.token(key);
    if (!t || t.startUrl !== startUrl) return undefined;
    return { expiresAt: Date.parse(t.expiresAt), renewable: Boolean(t.refreshToken) && !this.renewal.state(key).permanent };
  }

  /**
   * The token to get `profile`'s role credentials with, when the backend holds a valid one that
   * expires later than the AWS CLI's cached token (else the SDK's own path, with that cache). An
   * expired token that can be renewed is renewed first; a valid one is used as it is (the timer renews it).
   */
  async roleToken(profile: string): Promise<SsoRoleToken | undefined> {
    let session: SsoSession;
    try {
      session = await ssoSessionOf(this.opts.awsFiles, profile);
    } catch {
      return undefined; // not an SSO profile, or incomplete: the SDK's path says what is wrong
    }
    if (!session.accountId || !session.roleName) return undefined;
    let t = this.kept(session);
    // Expired with a refresh token (the backend was stopped when its renewal was due, or it failed): renew first.
    if (t && Date.parse(t.expiresAt) <= this.now() && t.refreshToken) {
      await this.renewal.renewNow(session.key);
      t = this.kept(session);
    }
    if (!t || Date.parse(t.expiresAt) <= this.now()) return undefined;
    const cached = await getSSOTokenFromFile(session.key).catch(() => undefined);
    const cachedUntil = cached?.expiresAt ? Date.parse(cached.expiresAt) : NaN;
    if (cachedUntil > Date.parse(t.expiresAt)) return undefined;
    return { accessToken: t.accessToken, region: session.region, accountId: session.accountId, roleName: session.roleName };
  }

  private kept(session: SsoSession): SsoToken | undefined {
    const t = this.opts.store.token(session.key);
    return t && t.startUrl === session.startUrl && t.region === session.region ? t : undefined;
  }

  /** The kept registration, if it is for this session's settings and valid for another hour. */
  private usableClient(session: SsoSession): SsoClientRegistration | undefined {
    const c = this.opts.store.client(session.key);
    const fits = c && c.startUrl === session.startUrl && c.region === session.region && c.refreshable === (session.sessionName !== undefined);
    return fits && Date.parse(c.expiresAt) > this.now() + HOUR_MS ? c : undefined;
  }

  private async register(oidc: OidcClient, session: SsoSession): Promise<SsoClientRegistration> {
    const client = await oidc.register(this.now());
    this.opts.store.setClient(session.key, client);
    return client;
  }

  /** Poll CreateToken every `interval` seconds (more after SlowDown) until approved, denied or expired. */
  private poll(a: Attempt): void {
    a.timer = setTimeout(() => void this.pollOnce(a), a.intervalSeconds * 1000);
    a.timer.unref();
  }

  private async pollOnce(a: Attempt): Promise<void> {
    if (a.state !== 'pending') return;
    const { session } = a;
    if (this.now() >= a.auth.expiresAt) return this.end(a, 'expired', 'The sign-in was not approved in time. Start it again and approve it in the browser.');
    try {
      const token = await a.oidc.pollDeviceToken(a.client, a.auth.deviceCode, this.now);
      if (a.state !== 'pending') return;
      const now = this.now();
      this.opts.store.setToken(session.key, {
        startUrl: session.startUrl,
        region: session.region,
        accessToken: token.accessToken,
        expiresAt: iso(token.expiresAt),
        obtainedAt: iso(now),
        ...(token.refreshToken ? { refreshToken: token.refreshToken } : {}),
      });
      this.renewal.restart(session.key);
      log.info('SSO sign-in complete', { profile: session.profile, session: session.key, validUntil: iso(token.expiresAt), renewable: Boolean(token.refreshToken) });
      this.end(a, 'signed-in');
    } catch (err) {
      if (a.state !== 'pending') return;
      const name = errorName(err);
      if (name === 'AuthorizationPendingException') delete a.message;
      else if (name === 'SlowDownException') a.intervalSeconds += 5;
      else if (name === 'ExpiredTokenException') return this.end(a, 'expired', 'The sign-in was not approved in time. Start it again and approve it in the browser.');
      else if (name === 'AccessDeniedException') return this.end(a, 'failed', 'The sign-in was denied in the browser. Start it again to retry.');
      else if (unanswered(err)) a.message = `No answer from ${oidcEndpoint(session.region)} (${said(err)}); still waiting for the approval.`;
      else return this.end(a, 'failed', `The sign-in failed: ${name}: ${said(err)}. Start it again.`);
      this.poll(a);
    }
  }

  private end(a: Attempt, state: Attempt['state'], message?: string): void {
    this.finish(a, state, message);
    if (state !== 'signed-in') log.warn('SSO sign-in ended', { profile: a.session.profile, state, message });
    this.emit('change');
  }

  private finish(a: Attempt, state: Attempt['state'] = a.state, message?: string): void {
    a.state = state;
    if (message) a.message = message;
    else if (state === 'signed-in' || state === 'cancelled') delete a.message;
    clearTimeout(a.timer);
    a.oidc.destroy();
  }
}
