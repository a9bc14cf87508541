import type { AwsCredentials } from './types.ts';

/** The ECS agent's credentials body: exactly these five keys, in this order. */
export interface AgentCredentialsJson {
  RoleArn: string;
  AccessKeyId: string;
  SecretAccessKey: string;
  Token: string;
  Expiration: string;
}

/** `YYYY-MM-DDTHH:MM:SSZ`: UTC, `Z`, no fraction (the form every SDK parses; see spec §12). */
export function formatExpiration(date: Date): string {
  return date.toISOString().replace(/\.\d+Z$/, 'Z');
}

/**
 * The body the agent serves at /v2/credentials/<id>. RoleArn is "" when unknown and Token "" when
 * there is none. Credentials without an expiration (the broker always sets one) get an hour.
 * `JSON.stringify` keeps the key order.
 */
export function toAgentJson(creds: AwsCredentials, now: () => number = Date.now): AgentCredentialsJson {
  return {
    RoleArn: creds.roleArn ?? '',
    AccessKeyId: creds.accessKeyId,
    SecretAccessKey: creds.secretAccessKey,
    Token: creds.sessionToken ?? '',
    Expiration: formatExpiration(creds.expiration ?? new Date(now() + 60 * 60 * 1000)),
  };
}
