import { redact } from '../log.ts';
import { CredentialError } from './types.ts';

/** What the error mapping needs to know to write a useful message and remedy. */
export interface ErrorContext {
  /** "source \"dev\"" or similar, used at the start of messages. */
  label: string;
  /** The AWS profile, for profile sources (SSO and credential_process remedies name it). */
  profile?: string;
  /** Where STS calls go: the configured endpoint, or "STS in <region>". */
  stsTarget: string;
  /** The files profiles are read from, for ProfileNotFound remedies. */
  awsFiles?: { config: string; credentials: string };
  timeoutMs: number;
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'ECONNABORTED',
  'EPROTO',
  'ERR_SSL_WRONG_VERSION_NUMBER',
  'CERT_HAS_EXPIRED',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
]);

const DENIED_CODES = new Set([
  'AccessDenied',
  'AccessDeniedException',
  'InvalidClientTokenId',
  'SignatureDoesNotMatch',
  'ExpiredToken',
  'ExpiredTokenException',
  'UnrecognizedClientException',
  'InvalidAccessKeyId',
  'MissingAuthenticationToken',
  'RegionDisabledException',
]);

function seconds(ms: number): string {
  return `${Math.round(ms / 100) / 10} s`;
}

function clean(message: string): string {
  return redact(message.replace(/\s+/g, ' ').trim()).slice(0, 500);
}

/** Walk `cause` links and SDK wrappers to find a node error code (ECONNREFUSED, …). */
function networkCode(err: unknown): string | undefined {
  let e: unknown = err;
  for (let depth = 0; e && depth < 6; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && NETWORK_CODES.has(code)) return code;
    const errors = (e as { errors?: unknown }).errors;
    if (Array.isArray(errors)) for (const inner of errors) {
      const c = networkCode(inner);
      if (c) return c;
    }
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

export function timeoutError(ctx: ErrorContext): CredentialError {
  return new CredentialError(
    'StsTimeout',
    `${ctx.label}: no answer within ${seconds(ctx.timeoutMs)} from ${ctx.profile ? `${ctx.stsTarget} (or SSO, or the profile's credential_process)` : ctx.stsTarget}.`,
    `Check that ${ctx.stsTarget} is reachable from the backend (network, proxy, VPN, LocalStack running), or raise ECS_ENDPOINTS_STS_TIMEOUT_MS.`,
  );
}

/** Turn whatever a source threw (SDK errors, provider errors, node errors) into a CredentialError. */
export function toCredentialError(err: unknown, ctx: ErrorContext): CredentialError {
  if (err instanceof CredentialError) return err;
  const e = (err ?? {}) as { name?: string; message?: string; Code?: string; code?: string; $metadata?: unknown };
  const name = typeof e.name === 'string' ? e.name : '';
  const message = clean(typeof e.message === 'string' ? e.message : String(err));
  const sdkCode = typeof e.Code === 'string' ? e.Code : name;
  const profile = ctx.profile;
  const ssoLogin = `Run \`aws sso login${profile ? ` --profile ${profile}` : ''}\` on the host, then retry.`;

  if (name === 'TimeoutError' || name === 'AbortError' || (e as { code?: string }).code === 'ETIMEDOUT') {
    return timeoutError(ctx);
  }
  const net = networkCode(err);
  if (net) {
    return new CredentialError(
      'StsUnreachable',
      `${ctx.label}: cannot reach ${ctx.stsTarget} (${net}).`,
      `Check that ${ctx.stsTarget} is reachable from the backend (network, proxy, VPN, LocalStack running) and that ECS_ENDPOINTS_STS_ENDPOINT is right.`,
      { cause: err },
    );
  }
  if (/Could not load credentials from any providers/i.test(message)) {
    return new CredentialError(
      'InvalidSource',
      `${ctx.label}: the backend has no AWS credentials of its own (environment, default profile, SSO, container or instance metadata).`,
      'Give the backend credentials (AWS_PROFILE with the AWS config directory available, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY), or use a profile:<name> source instead.',
      { cause: err },
    );
  }
  if (/configured with invalid SSO|missing required property/i.test(message)) {
    return new CredentialError(
      'InvalidSource',
      `${ctx.label}: the profile's SSO settings are incomplete (${message}).`,
      `Complete the profile on the host with \`aws configure sso${profile ? ` --profile ${profile}` : ''}\`.`,
      { cause: err },
    );
  }
  // SSO: missing or expired token, or the portal refusing it.
  if (
    /sso/i.test(message) && /(expired|invalid|not found|refresh|aws sso login)/i.test(message)
  ) {
    return new CredentialError('SsoSessionExpired', `${ctx.label}: the SSO session has expired or was never started (${message}).`, ssoLogin, { cause: err });
  }
  if (profile && (name === 'UnauthorizedException' || /^Unauthorized|UnauthorizedException|Session token not found or invalid/i.test(message))) {
    return new CredentialError('SsoSessionExpired', `${ctx.label}: the SSO portal refused the cached token (${message}).`, ssoLogin, { cause: err });
  }
  if (/credential_process|Command failed/i.test(message)) {
    return new CredentialError(
      'CredentialProcessFailed',
      `${ctx.label}: the profile's credential_process failed: ${message}`,
      `Check that the credential_process program of profile ${profile ?? ''} exists in the backend's environment and works when run there (inside Docker Desktop the backend cannot run programs installed on the host).`,
      { cause: err },
    );
  }
  if (/multi-factor authentication/i.test(message)) {
    return new CredentialError(
      'InvalidSource',
      `${ctx.label}: the profile needs an MFA code, which the backend cannot ask for.`,
      'Use a profile without mfa_serial, or a static source with session credentials you obtained with MFA.',
      { cause: err },
    );
  }
  if (/Could not resolve credentials using profile|could not be found in shared credentials file|was not found\.?$|Profile .* not found/i.test(message)) {
    const where = ctx.awsFiles ? `${ctx.awsFiles.config} or ${ctx.awsFiles.credentials}` : 'the AWS config files';
    return new CredentialError(
      'ProfileNotFound',
      `${ctx.label}: profile "${profile ?? ''}" is not in ${where}, or has no credentials in it.`,
      `Add the profile on the host (\`aws configure --profile ${profile ?? '<name>'}\` or \`aws configure sso\`), or choose a profile that exists.`,
      { cause: err },
    );
  }
  if (DENIED_CODES.has(sdkCode)) {
    return new CredentialError(
      'AccessDenied',
      `${ctx.label}: ${ctx.stsTarget} refused the request (${sdkCode}: ${message}).`,
      sdkCode === 'AccessDenied' || sdkCode === 'AccessDeniedException'
        ? "Check that the base identity may call sts:AssumeRole on the role and that the role's trust policy (and external ID) allows it."
        : 'Check that the keys are valid and active (not deleted, rotated or expired) and that the clock of the machine is right.',
      { cause: err },
    );
  }
  if (e.$metadata !== undefined) {
    return new CredentialError(
      'StsError',
      `${ctx.label}: ${ctx.stsTarget} answered with an error (${sdkCode || 'error'}: ${message}).`,
      'Check the source settings (role ARN, duration, tags) against what the role allows.',
      { cause: err },
    );
  }
  return new CredentialError('Unknown', `${ctx.label}: ${message || 'unknown error'}`, 'Check the source settings and the backend log, then retry.', { cause: err });
}
