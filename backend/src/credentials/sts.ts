import type { AssumeRoleCommandInput, STSClient, Credentials as StsCredentials } from '@aws-sdk/client-sts';
import { lazy } from '../lazy.ts';
import type { AwsCredentials } from './types.ts';

const sdk = lazy(() => import('@aws-sdk/client-sts'));

/** Where STS calls go and how long they may take. */
export interface StsSettings {
  /** A full URL (LocalStack, FIPS, VPC endpoint); unset = the SDK's endpoint for the region (China partitions included). */
  endpoint?: string;
  region: string;
  /** The whole-fetch bound; SDK clients get timeouts derived from it. */
  timeoutMs: number;
}

/** Short timeouts and at most 2 attempts, for every SDK client the broker creates (STS, SSO, SSO OIDC). */
export function sdkClientConfig(timeoutMs: number): {
  maxAttempts: number;
  requestHandler: { connectionTimeout: number; requestTimeout: number; throwOnRequestTimeout: boolean };
} {
  return {
    maxAttempts: 2,
    requestHandler: {
      connectionTimeout: Math.max(100, Math.min(3000, Math.floor(timeoutMs * 0.6))),
      requestTimeout: timeoutMs,
      throwOnRequestTimeout: true,
    },
  };
}

/** "http://127.0.0.1:4566" or "STS in us-east-1": for messages. */
export function stsTarget(s: StsSettings): string {
  return s.endpoint ? `STS at ${s.endpoint}` : `STS in ${s.region}`;
}

async function client(s: StsSettings, creds?: AwsCredentials): Promise<STSClient> {
  const { STSClient } = await sdk();
  return new STSClient({
    region: s.region,
    ...(s.endpoint ? { endpoint: s.endpoint } : {}),
    // Only the keys: the expiration is the broker's business (and may come from an injected clock).
    ...(creds
      ? { credentials: { accessKeyId: creds.accessKeyId, secretAccessKey: creds.secretAccessKey, ...(creds.sessionToken ? { sessionToken: creds.sessionToken } : {}) } }
      : {}),
    ...sdkClientConfig(s.timeoutMs),
  });
}

async function withClient<T>(s: StsSettings, creds: AwsCredentials | undefined, fn: (c: STSClient, m: Awaited<ReturnType<typeof sdk>>) => Promise<T>): Promise<T> {
  const c = await client(s, creds);
  try {
    return await fn(c, await sdk());
  } finally {
    c.destroy();
  }
}

function fromSts(c: StsCredentials | undefined, what: string): AwsCredentials {
  if (!c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken) throw new Error(`${what} returned no credentials`);
  return {
    accessKeyId: c.AccessKeyId,
    secretAccessKey: c.SecretAccessKey,
    sessionToken: c.SessionToken,
    ...(c.Expiration ? { expiration: new Date(c.Expiration) } : {}),
  };
}

/** The account of an ARN such as arn:aws:sts::123456789012:assumed-role/x/y. */
export function arnAccount(arn: string | undefined): string | undefined {
  return arn?.split(':')[4] || undefined;
}

export async function assumeRole(
  s: StsSettings,
  base: AwsCredentials,
  input: AssumeRoleCommandInput,
  signal?: AbortSignal,
): Promise<AwsCredentials> {
  return withClient(s, base, async (c, m) => {
    const out = await c.send(new m.AssumeRoleCommand(input), { abortSignal: signal });
    const creds = fromSts(out.Credentials, 'AssumeRole');
    creds.roleArn = input.RoleArn;
    const account = arnAccount(input.RoleArn) ?? arnAccount(out.AssumedRoleUser?.Arn);
    if (account) creds.accountId = account;
    return creds;
  });
}

export async function getSessionToken(s: StsSettings, base: AwsCredentials, signal?: AbortSignal): Promise<AwsCredentials> {
  return withClient(s, base, async (c, m) => {
    const out = await c.send(new m.GetSessionTokenCommand({}), { abortSignal: signal });
    return fromSts(out.Credentials, 'GetSessionToken');
  });
}

export interface CallerIdentity {
  account: string;
  arn: string;
  userId: string;
}

export async function getCallerIdentity(s: StsSettings, creds: AwsCredentials, signal?: AbortSignal): Promise<CallerIdentity> {
  return withClient(s, creds, async (c, m) => {
    const out = await c.send(new m.GetCallerIdentityCommand({}), { abortSignal: signal });
    return { account: out.Account ?? '', arn: out.Arn ?? '', userId: out.UserId ?? '' };
  });
}
