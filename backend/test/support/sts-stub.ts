/**
 * A local stand-in for AWS STS (and the SSO portal's GetRoleCredentials), for tests: AWS is out of
 * reach. It speaks STS's query protocol as the SDKs and the AWS CLI send it (form-encoded POST,
 * XML answers in the real shapes, <ErrorResponse> on errors) for AssumeRole, GetSessionToken and
 * GetCallerIdentity, and remembers which keys it issued so GetCallerIdentity answers with the
 * identity the calling keys belong to. Signatures are not checked; the access key id is read from
 * the SigV4 Authorization header.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export type StsStubMode = 'normal' | 'hang' | 'deny';

export interface StsCall {
  /** AssumeRole, GetSessionToken, GetCallerIdentity, GetRoleCredentials (SSO), or whatever Action was sent. */
  action: string;
  /** From the SigV4 Authorization header (undefined for SSO calls, which carry a bearer token). */
  accessKeyId?: string;
  /** The region the request was signed for. */
  region?: string;
  /** The form parameters except Action and Version (SSO: the query parameters). */
  params: Record<string, string>;
}

export interface StsStubOptions {
  /** Default 127.0.0.1. Tests that containers must reach use a link-local address. */
  host?: string;
  /** Default 0 (any free port). */
  port?: number;
  /** Lifetime of issued credentials when the request names none. Default 3600. */
  durationSeconds?: number;
  /** The account of callers the stub does not know. Default 123456789012. */
  accountId?: string;
  /** Clock for Expiration values (tests with an injected clock share it). Default Date.now. */
  now?: () => number;
  /** Which SSO access tokens the portal takes (the SSO OIDC stand-in's live tokens). Default: any. */
  ssoTokenValid?: (token: string) => boolean;
}

export interface StsStub {
  /** http://host:port */
  url: string;
  calls: StsCall[];
  /** How many calls (of one action) arrived. */
  callCount(action?: string): number;
  /** normal: answer; hang: accept and never answer; deny: AccessDenied for everything. */
  setMode(mode: StsStubMode): void;
  /** Issue credentials that expire this many seconds from now, whatever the request asks (undefined: back to normal). */
  setExpiresInSeconds(seconds: number | undefined): void;
  /** Declare who some keys belong to (for keys the stub did not issue), e.g. an aws-cn user. */
  registerKey(accessKeyId: string, arn: string): void;
  close(): Promise<void>;
}

interface Identity {
  arn: string;
  userId: string;
  account: string;
}

const NS = 'https://sts.amazonaws.com/doc/2011-06-15/';

function xml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

function isoSeconds(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');
}

function alnum(n: number): string {
  const chars = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  return [...randomBytes(n)].map((b) => chars[b % chars.length]).join('');
}

function idFor(prefix: string, seed: string): string {
  return prefix + createHash('sha256').update(seed).digest('hex').slice(0, 17).toUpperCase();
}

export async function startStsStub(opts: StsStubOptions = {}): Promise<StsStub> {
  const host = opts.host ?? '127.0.0.1';
  const defaultAccount = opts.accountId ?? '123456789012';
  const defaultDuration = opts.durationSeconds ?? 3600;
  const now = opts.now ?? Date.now;
  const calls: StsCall[] = [];
  const identities = new Map<string, Identity>();
  const sockets = new Set<Socket>();
  let mode: StsStubMode = 'normal';
  let expiresIn: number | undefined;

  const callerOf = (akid: string | undefined): Identity => {
    const known = akid ? identities.get(akid) : undefined;
    if (known) return known;
    return { arn: `arn:aws:iam::${defaultAccount}:user/stub-user`, userId: idFor('AIDA', akid ?? 'anonymous'), account: defaultAccount };
  };

  const issue = (identity: Identity, requestedSeconds: number | undefined) => {
    const accessKeyId = `ASIA${alnum(16)}`;
    identities.set(accessKeyId, identity);
    return {
      accessKeyId,
      secretAccessKey: randomBytes(30).toString('base64').slice(0, 40),
      sessionToken: `IQoJb3JpZ2luX2VjE${randomBytes(96).toString('base64')}`,
      expiration: now() + (expiresIn ?? requestedSeconds ?? defaultDuration) * 1000,
    };
  };

  const credentialsXml = (c: ReturnType<typeof issue>) =>
    `<Credentials><AccessKeyId>${c.accessKeyId}</AccessKeyId><SecretAccessKey>${xml(c.secretAccessKey)}</SecretAccessKey>` +
    `<SessionToken>${xml(c.sessionToken)}</SessionToken><Expiration>${isoSeconds(c.expiration)}</Expiration></Credentials>`;

  const send = (res: ServerResponse, status: number, body: string, contentType = 'text/xml', headers: Record<string, string> = {}) => {
    const requestId = randomUUID();
    res.writeHead(status, { 'Content-Type': contentType, 'x-amzn-RequestId': requestId, 'Content-Length': Buffer.byteLength(body), ...headers });
    res.end(body);
  };

  const stsError = (res: ServerResponse, status: number, code: string, message: string, type: 'Sender' | 'Receiver' = 'Sender') =>
    send(
      res,
      status,
      `<ErrorResponse xmlns="${NS}"><Error><Type>${type}</Type><Code>${code}</Code><Message>${xml(message)}</Message></Error><RequestId>${randomUUID()}</RequestId></ErrorResponse>`,
    );

  const respond = (res: ServerResponse, action: string, result: string) =>
    send(
      res,
      200,
      `<${action}Response xmlns="${NS}"><${action}Result>${result}</${action}Result><ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></${action}Response>`,
    );

  const handleSts = (req: IncomingMessage, res: ServerResponse, body: string) => {
    const form = new URLSearchParams(body);
    const action = form.get('Action') ?? '';
    const auth = req.headers.authorization ?? '';
    const m = /Credential=([^/,\s]+)\/\d{8}\/([^/]+)\//.exec(auth);
    const params: Record<string, string> = {};
    for (const [k, v] of form) if (k !== 'Action' && k !== 'Version') params[k] = v;
    calls.push({ action, accessKeyId: m?.[1], region: m?.[2], params });
    if (mode === 'hang') return; // never answer; close() ends the socket
    const caller = callerOf(m?.[1]);
    if (!m) return stsError(res, 403, 'MissingAuthenticationToken', 'Request is missing Authentication Token');
    if (mode === 'deny') {
      return stsError(res, 403, 'AccessDenied', `User: ${caller.arn} is not authorized to perform: sts:${action} on resource: ${params.RoleArn ?? '*'}`);
    }
    const duration = params.DurationSeconds ? Number(params.DurationSeconds) : undefined;
    switch (action) {
      case 'GetCallerIdentity':
        return respond(res, action, `<Arn>${xml(caller.arn)}</Arn><UserId>${xml(caller.userId)}</UserId><Account>${caller.account}</Account>`);
      case 'GetSessionToken': {
        const c = issue(caller, duration);
        return respond(res, action, credentialsXml(c));
      }
      case 'AssumeRole': {
        const roleArn = params.RoleArn ?? '';
        const session = params.RoleSessionName ?? '';
        const arn = /^arn:(aws[a-z-]*):iam::(\d{12}):role\/(?:[\w+=,.@-]+\/)*([\w+=,.@-]+)$/.exec(roleArn);
        if (!arn) return stsError(res, 400, 'ValidationError', `${roleArn} is invalid`);
        if (!/^[\w+=,.@-]{2,64}$/.test(session)) {
          return stsError(res, 400, 'ValidationError', "1 validation error detected: Value at 'roleSessionName' failed to satisfy constraint");
        }
        const [, partition, account, roleName] = arn;
        const roleId = idFor('AROA', roleArn);
        const identity: Identity = { arn: `arn:${partition}:sts::${account}:assumed-role/${roleName}/${session}`, userId: `${roleId}:${session}`, account: account! };
        const c = issue(identity, duration);
        return respond(
          res,
          action,
          `${credentialsXml(c)}<AssumedRoleUser><AssumedRoleId>${xml(identity.userId)}</AssumedRoleId><Arn>${xml(identity.arn)}</Arn></AssumedRoleUser><PackedPolicySize>6</PackedPolicySize>`,
        );
      }
      default:
        return stsError(res, 400, 'InvalidAction', `Could not find operation ${action} for version 2011-06-15`);
    }
  };

  /** SSO portal: GET /federation/credentials?account_id=…&role_name=… with x-amz-sso_bearer_token. */
  const handleSso = (req: IncomingMessage, res: ServerResponse, url: URL) => {
    const params = Object.fromEntries(url.searchParams);
    calls.push({ action: 'GetRoleCredentials', params });
    if (mode === 'hang') return;
    const token = req.headers['x-amz-sso_bearer_token'];
    if (mode === 'deny' || !token || (opts.ssoTokenValid && !opts.ssoTokenValid(String(token)))) {
      return send(res, 401, JSON.stringify({ message: 'Session token not found or invalid' }), 'application/json', { 'x-amzn-ErrorType': 'UnauthorizedException' });
    }
    const account = params.account_id ?? defaultAccount;
    const role = params.role_name ?? 'Unknown';
    const identity: Identity = {
      arn: `arn:aws:sts::${account}:assumed-role/AWSReservedSSO_${role}_0123456789abcdef/sso-user`,
      userId: `${idFor('AROA', role)}:sso-user`,
      account,
    };
    const c = issue(identity, undefined);
    return send(
      res,
      200,
      JSON.stringify({ roleCredentials: { accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey, sessionToken: c.sessionToken, expiration: c.expiration } }),
      'application/json',
    );
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://stub');
      if (req.method === 'GET' && url.pathname === '/federation/credentials') return handleSso(req, res, url);
      if (req.method !== 'POST') return stsError(res, 400, 'InvalidAction', 'STS expects POST');
      handleSts(req, res, Buffer.concat(chunks).toString('utf8'));
    });
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;

  return {
    url,
    calls,
    callCount: (action) => (action ? calls.filter((c) => c.action === action).length : calls.length),
    setMode: (m) => {
      mode = m;
    },
    setExpiresInSeconds: (n) => {
      expiresIn = n;
    },
    registerKey: (accessKeyId, arn) => {
      identities.set(accessKeyId, { arn, userId: idFor('AIDA', accessKeyId), account: arn.split(':')[4] ?? defaultAccount });
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
