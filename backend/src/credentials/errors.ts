import { redact } from '../log.ts';
import { CredentialError, type CredentialErrorCode } from './types.ts';

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

/** What the rules look at in a thrown value. */
interface Thrown {
  err: unknown;
  ctx: ErrorContext;
  name: string;
  /** Cleaned and redacted: safe to put in a message. */
  message: string;
  /** The SDK's error code (`Code`), else the error's name. */
  sdkCode: string;
  code: unknown;
  /** SDK service errors carry response metadata. */
  fromService: boolean;
}

/** One way a failure can look, and the CredentialError it becomes. */
interface Rule {
  when: (t: Thrown) => boolean;
  error: (t: Thrown) => CredentialError;
}

function ssoLogin(profile: string | undefined): string {
  return `Sign in${profile ? ` to ${profile}` : ''} on the Sources tab (AWS profiles), or run \`aws sso login${profile ? ` --profile ${profile}` : ''}\` on the host, then retry.`;
}

/** A CredentialError that keeps what was thrown as its cause. */
function failure(t: Thrown, code: CredentialErrorCode, message: string, remedy: string): CredentialError {
  return new CredentialError(code, message, remedy, { cause: t.err });
}

/** The first rule that matches wins, so the order matters: specific messages before generic codes. */
const RULES: Rule[] = [
  {
    when: (t) => t.name === 'TimeoutError' || t.name === 'AbortError' || t.code === 'ETIMEDOUT',
    error: (t) => timeoutError(t.ctx),
  },
  {
    when: (t) => networkCode(t.err) !== undefined,
    error: (t) =>
      failure(
        t,
        'StsUnreachable',
        `${t.ctx.label}: cannot reach ${t.ctx.stsTarget} (${networkCode(t.err)}).`,
        `Check that ${t.ctx.stsTarget} is reachable from the backend (network, proxy, VPN, LocalStack running) and that ECS_ENDPOINTS_STS_ENDPOINT is right.`,
      ),
  },
  {
    when: (t) => /Could not load credentials from any providers/i.test(t.message),
    error: (t) =>
      failure(
        t,
        'InvalidSource',
        `${t.ctx.label}: the backend has no AWS credentials of its own (environment, default profile, SSO, container or instance metadata).`,
        'Give the backend credentials (AWS_PROFILE with the AWS config directory available, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY), or use a profile:<name> source instead.',
      ),
  },
  {
    when: (t) => /configured with invalid SSO|missing required property/i.test(t.message),
    error: (t) =>
      failure(
        t,
        'InvalidSource',
        `${t.ctx.label}: the profile's SSO settings are incomplete (${t.message}).`,
        `Complete the profile on the host with \`aws configure sso${t.ctx.profile ? ` --profile ${t.ctx.profile}` : ''}\`.`,
      ),
  },
  {
    // SSO: missing or expired token, or the portal refusing it.
    when: (t) => /sso/i.test(t.message) && /(expired|invalid|not found|refresh|aws sso login)/i.test(t.message),
    error: (t) => failure(t, 'SsoSessionExpired', `${t.ctx.label}: the SSO session has expired or was never started (${t.message}).`, ssoLogin(t.ctx.profile)),
  },
  {
    when: (t) => Boolean(t.ctx.profile) && (t.name === 'UnauthorizedException' || /^Unauthorized|UnauthorizedException|Session token not found or invalid/i.test(t.message)),
    error: (t) => failure(t, 'SsoSessionExpired', `${t.ctx.label}: the SSO portal refused the cached token (${t.message}).`, ssoLogin(t.ctx.profile)),
  },
  {
    when: (t) => /credential_process|Command failed/i.test(t.message),
    error: (t) =>
      failure(
        t,
        'CredentialProcessFailed',
        `${t.ctx.label}: the profile's credential_process failed: ${t.message}`,
        `Check that the credential_process program of profile ${t.ctx.profile ?? ''} exists in the backend's environment and works when run there (inside Docker Desktop the backend cannot run programs installed on the host).`,
      ),
  },
  {
    when: (t) => /multi-factor authentication/i.test(t.message),
    error: (t) =>
      failure(
        t,
        'InvalidSource',
        `${t.ctx.label}: the profile needs an MFA code, which the backend cannot ask for.`,
        'Use a profile without mfa_serial, or a static source with session credentials you obtained with MFA.',
      ),
  },
  {
    when: (t) => /Could not resolve credentials using profile|could not be found in shared credentials file|was not found\.?$|Profile .* not found/i.test(t.message),
    error: (t) => {
      const where = t.ctx.awsFiles ? `${t.ctx.awsFiles.config} or ${t.ctx.awsFiles.credentials}` : 'the AWS config files';
      return failure(
        t,
        'ProfileNotFound',
        `${t.ctx.label}: profile "${t.ctx.profile ?? ''}" is not in ${where}, or has no credentials in it.`,
        `Add the profile on the host (\`aws configure --profile ${t.ctx.profile ?? '<name>'}\` or \`aws configure sso\`), or choose a profile that exists.`,
      );
    },
  },
  {
    when: (t) => DENIED_CODES.has(t.sdkCode),
    error: (t) =>
      failure(
        t,
        'AccessDenied',
        `${t.ctx.label}: ${t.ctx.stsTarget} refused the request (${t.sdkCode}: ${t.message}).`,
        t.sdkCode === 'AccessDenied' || t.sdkCode === 'AccessDeniedException'
          ? "Check that the base identity may call sts:AssumeRole on the role and that the role's trust policy (and external ID) allows it."
          : 'Check that the keys are valid and active (not deleted, rotated or expired) and that the clock of the machine is right.',
      ),
  },
  {
    when: (t) => t.fromService,
    error: (t) =>
      failure(
        t,
        'StsError',
        `${t.ctx.label}: ${t.ctx.stsTarget} answered with an error (${t.sdkCode || 'error'}: ${t.message}).`,
        'Check the source settings (role ARN, duration, tags) against what the role allows.',
      ),
  },
];

/** Turn whatever a source threw (SDK errors, provider errors, node errors) into a CredentialError. */
export function toCredentialError(err: unknown, ctx: ErrorContext): CredentialError {
  if (err instanceof CredentialError) return err;
  const e = (err ?? {}) as { name?: unknown; message?: unknown; Code?: unknown; code?: unknown; $metadata?: unknown };
  const name = typeof e.name === 'string' ? e.name : '';
  const t: Thrown = {
    err,
    ctx,
    name,
    message: clean(typeof e.message === 'string' ? e.message : String(err)),
    sdkCode: typeof e.Code === 'string' ? e.Code : name,
    code: e.code,
    fromService: e.$metadata !== undefined,
  };
  const rule = RULES.find((r) => r.when(t));
  return rule ? rule.error(t) : failure(t, 'Unknown', `${ctx.label}: ${t.message || 'unknown error'}`, 'Check the source settings and the backend log, then retry.');
}
