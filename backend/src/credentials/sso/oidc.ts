import type { SSOOIDCClient } from '@aws-sdk/client-sso-oidc';
import { lazy } from '../../lazy.ts';
import { redact } from '../../log.ts';
import { sdkClientConfig } from '../sts.ts';
import { SignInError, type SsoSession } from './session.ts';
import type { SsoClientRegistration } from './token-store.ts';

const oidcSdk = lazy(() => import('@aws-sdk/client-sso-oidc'));
const ssoSdk = lazy(() => import('@aws-sdk/client-sso'));

const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';

/** Where the SDK sends SSO OIDC calls for a region (AWS_ENDPOINT_URL_SSO_OIDC when set): for messages. */
export function oidcEndpoint(region: string): string {
  return process.env.AWS_ENDPOINT_URL_SSO_OIDC || `https://oidc.${region}.amazonaws.com`;
}

/** An access token as CreateToken hands it out (times in ms). */
export interface IssuedToken {
  accessToken: string;
  expiresAt: number;
  refreshToken?: string;
}

export interface DeviceAuthorization {
  deviceCode: string;
  userCode: string;
  verificationUri: string;
  verificationUriComplete?: string;
  expiresAt: number;
  intervalSeconds: number;
}

/** A network failure or a timeout: the endpoint did not answer (as opposed to answering no). */
export function unanswered(err: unknown): boolean {
  const e = err as { name?: string; code?: string; $metadata?: { httpStatusCode?: number } };
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError' || e?.code === 'ETIMEDOUT') return true;
  if (e?.$metadata?.httpStatusCode) return false;
  return typeof e?.code === 'string' || /ECONNREFUSED|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH|ECONNRESET|socket hang up/.test(String((err as Error)?.message));
}

export function errorName(err: unknown): string {
  return (err as { name?: string })?.name ?? 'Error';
}

/** A thrown value's message, cleaned for a sentence (and redacted: it goes to the UI and the log). */
export function said(err: unknown): string {
  return redact(String((err as Error)?.message ?? err).replace(/\s+/g, ' ').trim()).slice(0, 300);
}

/** The SSO OIDC calls of a device-authorization sign-in and of renewing its token, for one session's region. */
export class OidcClient {
  private client?: SSOOIDCClient;

  constructor(
    private readonly session: Pick<SsoSession, 'region' | 'startUrl' | 'scopes' | 'sessionName' | 'key'>,
    private readonly timeoutMs: number,
  ) {}

  /** The SDK module and this session's client, both made on first use. */
  private async sdk(): Promise<{ c: SSOOIDCClient; m: Awaited<ReturnType<typeof oidcSdk>> }> {
    const m = await oidcSdk();
    this.client ??= new m.SSOOIDCClient({ region: this.session.region, ...sdkClientConfig(this.timeoutMs) });
    return { c: this.client, m };
  }

  destroy(): void {
    this.client?.destroy();
  }

  /** SignInError for a call that got no answer or an answer that is a refusal of the session's settings. */
  private fail(what: string, err: unknown): SignInError {
    const endpoint = oidcEndpoint(this.session.region);
    const where = this.session.sessionName ? `[sso-session ${this.session.sessionName}]` : 'the profile';
    if (unanswered(err)) {
      return new SignInError(
        'unreachable',
        `IAM Identity Center's sign-in service at ${endpoint} did not answer (${what}: ${said(err)}).`,
        `Check sso_region (${this.session.region}) and sso_start_url (${this.session.startUrl}) in ${where}, and that the backend can reach ${endpoint} (network, proxy, VPN). Nothing was changed.`,
      );
    }
    return new SignInError(
      'refused',
      `IAM Identity Center at ${endpoint} refused ${what} for ${this.session.startUrl} (${errorName(err)}: ${said(err)}).`,
      `Check sso_start_url and sso_region in ${where} against your AWS access portal URL and its region. Nothing was changed.`,
    );
  }

  /** A public client that may use the device grant (and refresh tokens, for sso_session profiles). */
  async register(now: number): Promise<SsoClientRegistration> {
    const refreshable = this.session.sessionName !== undefined;
    try {
      const { c, m } = await this.sdk();
      const out = await c.send(
        new m.RegisterClientCommand({
          clientName: `ecs-endpoints-${now}`,
          clientType: 'public',
          ...(this.session.scopes.length ? { scopes: this.session.scopes } : {}),
          ...(refreshable ? { grantTypes: [DEVICE_GRANT, 'refresh_token'], issuerUrl: this.session.startUrl } : {}),
        }),
      );
      if (!out.clientId || !out.clientSecret) throw new Error('RegisterClient answered without a client');
      const expiresAt = out.clientSecretExpiresAt ? out.clientSecretExpiresAt * 1000 : now + 90 * 86_400_000;
      return { clientId: out.clientId, clientSecret: out.clientSecret, expiresAt: new Date(expiresAt).toISOString(), startUrl: this.session.startUrl, region: this.session.region, refreshable };
    } catch (err) {
      throw this.fail('registering a client', err);
    }
  }

  async startDeviceAuthorization(client: SsoClientRegistration, now: number): Promise<DeviceAuthorization> {
    try {
      const { c, m } = await this.sdk();
      const out = await c.send(new m.StartDeviceAuthorizationCommand({ clientId: client.clientId, clientSecret: client.clientSecret, startUrl: this.session.startUrl }));
      if (!out.deviceCode || !out.userCode || !out.verificationUri) throw new Error('StartDeviceAuthorization answered without a device code');
      return {
        deviceCode: out.deviceCode,
        userCode: out.userCode,
        verificationUri: out.verificationUri,
        ...(out.verificationUriComplete ? { verificationUriComplete: out.verificationUriComplete } : {}),
        expiresAt: now + (out.expiresIn ?? 600) * 1000,
        intervalSeconds: out.interval ?? 5,
      };
    } catch (err) {
      throw this.fail('starting the sign-in', err);
    }
  }

  /** One poll: the token once approved; throws the SDK's error (AuthorizationPendingException while waiting). */
  async pollDeviceToken(client: SsoClientRegistration, deviceCode: string, now: () => number): Promise<IssuedToken> {
    const { c, m } = await this.sdk();
    const out = await c.send(new m.CreateTokenCommand({ clientId: client.clientId, clientSecret: client.clientSecret, grantType: DEVICE_GRANT, deviceCode }));
    return issued(out, now());
  }

  /** A new access token for a refresh token (the refresh token may be replaced too). Throws the SDK's error. */
  async refresh(client: SsoClientRegistration, refreshToken: string, now: () => number): Promise<IssuedToken> {
    const { c, m } = await this.sdk();
    const out = await c.send(new m.CreateTokenCommand({ clientId: client.clientId, clientSecret: client.clientSecret, grantType: 'refresh_token', refreshToken }));
    return issued(out, now());
  }
}

function issued(out: { accessToken?: string; expiresIn?: number; refreshToken?: string }, now: number): IssuedToken {
  if (!out.accessToken) throw new Error('CreateToken answered without an access token');
  return { accessToken: out.accessToken, expiresAt: now + (out.expiresIn ?? 3600) * 1000, ...(out.refreshToken ? { refreshToken: out.refreshToken } : {}) };
}

/** Role credentials from the SSO portal for an access token (AWS_ENDPOINT_URL_SSO honoured by the SDK). */
export async function roleCredentials(
  input: { region: string; accessToken: string; accountId: string; roleName: string },
  timeoutMs: number,
  signal: AbortSignal,
): Promise<{ accessKeyId: string; secretAccessKey: string; sessionToken: string; expiration: Date }> {
  const { SSOClient, GetRoleCredentialsCommand } = await ssoSdk();
  const client = new SSOClient({ region: input.region, ...sdkClientConfig(timeoutMs) });
  try {
    const out = await client.send(new GetRoleCredentialsCommand({ accessToken: input.accessToken, accountId: input.accountId, roleName: input.roleName }), { abortSignal: signal });
    const c = out.roleCredentials;
    if (!c?.accessKeyId || !c.secretAccessKey || !c.sessionToken) throw new Error('GetRoleCredentials returned no credentials');
    return { accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey, sessionToken: c.sessionToken, expiration: new Date(c.expiration ?? Date.now() + 3600_000) };
  } finally {
    client.destroy();
  }
}
