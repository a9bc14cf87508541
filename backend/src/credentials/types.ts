/**
 * Types shared by the credentials room: what a source produces, what the caller tells it about
 * the container asking, and the one error type every failure becomes.
 */

/** Credentials as a source produces them. `secretAccessKey` and `sessionToken` are secrets: never log or return them. */
export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  /** When the credentials stop working. The broker fills one in (an hour ahead) for long-term keys. */
  expiration?: Date;
  /** The role these credentials belong to, shown as RoleArn in the agent's response ("" when unknown). */
  roleArn?: string;
  accountId?: string;
}

/** Who is asking. Only `fake` uses it (to name its role after the task family). */
export interface CredentialContext {
  family?: string;
  containerName?: string;
}

export type CredentialErrorCode =
  /** No source with that id. */
  | 'SourceNotFound'
  /** A connection to STS (or SSO) failed: refused, DNS, reset. */
  | 'StsUnreachable'
  /** STS (or SSO, or a credential_process) did not answer within the broker's bound. */
  | 'StsTimeout'
  /** STS refused: access denied, invalid or expired keys, bad signature. */
  | 'AccessDenied'
  /** STS answered with another error. */
  | 'StsError'
  /** The AWS profile does not exist or has no credentials. */
  | 'ProfileNotFound'
  /** The SSO token is missing or expired. */
  | 'SsoSessionExpired'
  /** The source's settings are invalid or cannot work (e.g. a base source that serves no credentials). */
  | 'InvalidSource'
  /** A profile's credential_process failed or returned something unusable. */
  | 'CredentialProcessFailed'
  /** Built-in and derived sources cannot be edited or deleted. */
  | 'BuiltInSource'
  /** The source cannot be deleted: another source (or the default) uses it. */
  | 'SourceInUse'
  /** Anything else. */
  | 'Unknown';

export interface CredentialErrorJson {
  code: CredentialErrorCode;
  message: string;
  remedy: string;
}

/** A failure with a code for programs and a remedy (one sentence) for people. Never carries a secret. */
export class CredentialError extends Error {
  override readonly name = 'CredentialError';
  /** Per-field problems, for InvalidSource raised by input validation. */
  readonly issues?: { path: string; message: string }[];

  constructor(
    readonly code: CredentialErrorCode,
    message: string,
    readonly remedy: string,
    options: { cause?: unknown; issues?: { path: string; message: string }[] } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    if (options.issues) this.issues = options.issues;
  }

  toJSON(): CredentialErrorJson {
    return { code: this.code, message: this.message, remedy: this.remedy };
  }
}

export function isCredentialError(err: unknown): err is CredentialError {
  return err instanceof CredentialError;
}
