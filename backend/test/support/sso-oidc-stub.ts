/**
 * A local stand-in for IAM Identity Center's sign-in service (SSO OIDC), for tests: the REST-JSON
 * calls the SDK's SSOOIDCClient sends (RegisterClient, StartDeviceAuthorization, CreateToken with
 * the device-code and refresh-token grants), and the verification page a person opens, with an
 * Approve button. Reached through the SDK's standard AWS_ENDPOINT_URL_SSO_OIDC. Tokens are short-
 * lived if asked (tokenSeconds), polls faster than `interval` get SlowDownException, and
 * `accepts(token)` lets the SSO portal stand-in (sts-stub's ssoTokenValid) honour only live tokens.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface SsoOidcStubOptions {
  /** Lifetime of access tokens. Default 3600. */
  tokenSeconds?: number;
  /** The polling interval it asks for. Default 1. */
  intervalSeconds?: number;
  /** How long a device authorization waits for approval. Default 600. */
  deviceSeconds?: number;
  /** Start URLs it knows; others get InvalidRequestException. Default: any. */
  startUrls?: string[];
}

export interface OidcCall {
  action: 'RegisterClient' | 'StartDeviceAuthorization' | 'CreateToken';
  grantType?: string;
  at: number;
}

interface Device {
  deviceCode: string;
  userCode: string;
  clientId: string;
  expiresAt: number;
  state: 'pending' | 'approved' | 'denied' | 'used';
  lastPoll?: number;
}

export interface SsoOidcStub {
  url: string;
  calls: OidcCall[];
  /** The user codes of device authorizations, in order. */
  userCodes(): string[];
  /** Approve (as the person would on the page). */
  approve(userCode: string): void;
  deny(userCode: string): void;
  /** Polls answered SlowDownException (a client that ignores `interval`). */
  slowDowns: number;
  /** Access tokens issued so far, in order (index 0: the sign-in's, then each refresh's). */
  issued: string[];
  /** Whether the portal should take this access token: issued here and not expired. Records which was used. */
  accepts(token: string): boolean;
  /** Indexes into `issued` of the tokens accepted, in order. */
  used: number[];
  /** normal; hang: accept connections and never answer; revoke-refresh: refresh tokens are refused (InvalidGrantException). */
  setMode(mode: 'normal' | 'hang' | 'revoke-refresh'): void;
  close(): Promise<void>;
}

const token = (prefix: string) => `${prefix}${randomBytes(24).toString('base64url')}`;

export async function startSsoOidcStub(opts: SsoOidcStubOptions = {}): Promise<SsoOidcStub> {
  const tokenSeconds = opts.tokenSeconds ?? 3600;
  const interval = opts.intervalSeconds ?? 1;
  const calls: OidcCall[] = [];
  const clients = new Map<string, string>();
  const devices = new Map<string, Device>();
  const accessTokens = new Map<string, { expiresAt: number; index: number }>();
  const refreshTokens = new Map<string, string>();
  const issued: string[] = [];
  const used: number[] = [];
  const sockets = new Set<Socket>();
  let mode: 'normal' | 'hang' | 'revoke-refresh' = 'normal';
  let url = '';
  const stub = { slowDowns: 0 };

  const json = (res: ServerResponse, status: number, body: unknown, errorType?: string) => {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), ...(errorType ? { 'x-amzn-ErrorType': errorType } : {}) });
    res.end(text);
  };
  const fail = (res: ServerResponse, status: number, type: string, error: string, description: string) => json(res, status, { error, error_description: description }, type);
  const html = (res: ServerResponse, body: string) => {
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    res.end(`<!doctype html><html><head><title>SSO stand-in</title></head><body>${body}</body></html>`);
  };
  const byUserCode = (code: string) => [...devices.values()].find((d) => d.userCode === code);

  const issue = (clientId: string) => {
    const accessToken = token('aoa');
    const refreshToken = token('aor');
    accessTokens.set(accessToken, { expiresAt: Date.now() + tokenSeconds * 1000, index: issued.length });
    issued.push(accessToken);
    refreshTokens.set(refreshToken, clientId);
    return { accessToken, tokenType: 'Bearer', expiresIn: tokenSeconds, refreshToken };
  };

  const createToken = (res: ServerResponse, b: Record<string, string>) => {
    if (clients.get(b.clientId ?? '') !== b.clientSecret) return fail(res, 401, 'InvalidClientException', 'invalid_client', 'Unknown client');
    if (b.grantType === 'refresh_token') {
      if (mode === 'revoke-refresh' || refreshTokens.get(b.refreshToken ?? '') !== b.clientId) return fail(res, 400, 'InvalidGrantException', 'invalid_grant', 'Invalid refresh token provided');
      refreshTokens.delete(b.refreshToken!);
      return json(res, 200, issue(b.clientId!));
    }
    const d = devices.get(b.deviceCode ?? '');
    if (!d || d.clientId !== b.clientId || d.state === 'used') return fail(res, 400, 'InvalidGrantException', 'invalid_grant', 'Invalid device code provided');
    const now = Date.now();
    if (now > d.expiresAt) return fail(res, 400, 'ExpiredTokenException', 'expired_token', 'Device code has expired');
    const tooSoon = d.lastPoll !== undefined && now - d.lastPoll < interval * 1000 - 100;
    d.lastPoll = now;
    if (tooSoon) {
      stub.slowDowns++;
      return fail(res, 400, 'SlowDownException', 'slow_down', 'Client is polling too quickly');
    }
    if (d.state === 'denied') return fail(res, 400, 'AccessDeniedException', 'access_denied', 'Access denied');
    if (d.state === 'pending') return fail(res, 400, 'AuthorizationPendingException', 'authorization_pending', 'Authorization pending');
    d.state = 'used';
    return json(res, 200, issue(b.clientId!));
  };

  const api = (req: IncomingMessage, res: ServerResponse, path: string, b: Record<string, string>) => {
    if (path === '/client/register') {
      calls.push({ action: 'RegisterClient', at: Date.now() });
      const clientId = token('client-');
      const clientSecret = token('secret-');
      clients.set(clientId, clientSecret);
      return json(res, 200, { clientId, clientSecret, clientIdIssuedAt: Math.floor(Date.now() / 1000), clientSecretExpiresAt: Math.floor(Date.now() / 1000) + 90 * 86400 });
    }
    if (path === '/device_authorization') {
      calls.push({ action: 'StartDeviceAuthorization', at: Date.now() });
      if (clients.get(b.clientId ?? '') !== b.clientSecret) return fail(res, 401, 'InvalidClientException', 'invalid_client', 'Unknown client');
      if (opts.startUrls && !opts.startUrls.includes(b.startUrl ?? '')) return fail(res, 400, 'InvalidRequestException', 'invalid_request', 'Invalid start URL');
      const userCode = `${randomBytes(2).toString('hex').toUpperCase()}-${randomBytes(2).toString('hex').toUpperCase()}`;
      const deviceCode = token('device-');
      devices.set(deviceCode, { deviceCode, userCode, clientId: b.clientId!, expiresAt: Date.now() + (opts.deviceSeconds ?? 600) * 1000, state: 'pending' });
      return json(res, 200, {
        deviceCode, userCode, verificationUri: `${url}/verify`, verificationUriComplete: `${url}/verify?user_code=${userCode}`, expiresIn: opts.deviceSeconds ?? 600, interval,
      });
    }
    if (path === '/token') {
      calls.push({ action: 'CreateToken', grantType: b.grantType, at: Date.now() });
      return createToken(res, b);
    }
    return fail(res, 404, 'UnknownOperationException', 'unknown', `No route ${req.method} ${path}`);
  };

  const page = (res: ServerResponse, u: URL, form: URLSearchParams) => {
    const code = u.searchParams.get('user_code') ?? form.get('user_code') ?? '';
    const d = byUserCode(code);
    if (u.pathname === '/verify/approve' && d) {
      d.state = 'approved';
      return html(res, `<h1>Request approved</h1><p>You can close this window.</p>`);
    }
    if (!d) return html(res, `<h1>Enter the code</h1><form method="get" action="/verify"><input name="user_code" aria-label="Code"><button>Next</button></form>`);
    return html(res, `<h1>Allow ECS Endpoints to access your data?</h1><p>Code: <strong>${d.userCode}</strong></p>` +
      `<form method="post" action="/verify/approve"><input type="hidden" name="user_code" value="${d.userCode}"><button type="submit">Approve</button></form>`);
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const u = new URL(req.url ?? '/', 'http://stub');
      const text = Buffer.concat(chunks).toString('utf8');
      if (u.pathname.startsWith('/verify')) return page(res, u, new URLSearchParams(text));
      if (mode === 'hang') return;
      let body: Record<string, string> = {};
      try {
        body = text ? (JSON.parse(text) as Record<string, string>) : {};
      } catch {
        return fail(res, 400, 'InvalidRequestException', 'invalid_request', 'Body is not JSON');
      }
      api(req, res, u.pathname, body);
    });
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return Object.assign(stub, {
    url,
    calls,
    issued,
    used,
    userCodes: () => [...devices.values()].map((d) => d.userCode),
    approve: (code: string) => {
      const d = byUserCode(code);
      if (!d) throw new Error(`no device authorization with code ${code}`);
      d.state = 'approved';
    },
    deny: (code: string) => {
      byUserCode(code)!.state = 'denied';
    },
    accepts: (t: string) => {
      const a = accessTokens.get(t);
      if (!a || a.expiresAt <= Date.now()) return false;
      used.push(a.index);
      return true;
    },
    setMode: (m: 'normal' | 'hang' | 'revoke-refresh') => {
      mode = m;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  });
}
