import { z } from 'zod/v4';

/** Where a container's task-role credentials come from. Secrets appear only in `static` input. */
export const SOURCE_TYPES = ['none', 'fake', 'profile', 'assume-role', 'static'] as const;
export type SourceType = (typeof SOURCE_TYPES)[number];

const sourceName = z
  .string()
  .trim()
  .min(1, 'Give the source a name.')
  .max(64, 'Keep the name under 64 characters.');

const roleArn = z
  .string()
  .trim()
  .regex(
    /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/,
    'A role ARN looks like arn:aws:iam::123456789012:role/my-role (a path such as role/service/my-role is allowed).',
  );

const roleName = z
  .string()
  .trim()
  .regex(/^[\w+=,.@-]{1,64}$/, 'A role name has 1-64 letters, digits or + = , . @ _ -.');

const tagKey = z.string().min(1).max(128);

/** What the user enters for each source type. */
export const SourceInputSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('none'), name: sourceName }),
  z.object({
    type: z.literal('fake'),
    name: sourceName,
    /** Shown as RoleArn in the credentials response; defaults to a role named after the container's task family. */
    roleArn: roleArn.optional(),
  }),
  z.object({
    type: z.literal('profile'),
    name: sourceName,
    profile: z.string().trim().min(1, 'Name the AWS profile (see ~/.aws/config).'),
  }),
  z.object({
    type: z.literal('assume-role'),
    name: sourceName,
    /** Either a full ARN or a role name in the base identity's account. */
    roleArn: roleArn.optional(),
    roleName: roleName.optional(),
    /** Id of the source whose credentials call sts:AssumeRole. */
    baseSourceId: z.string().min(1, 'Choose the source that assumes the role.'),
    sessionName: z
      .string()
      .regex(/^[\w+=,.@-]{2,64}$/, 'A session name has 2-64 letters, digits or + = , . @ _ -.')
      .optional(),
    externalId: z.string().min(2).max(1224).optional(),
    durationSeconds: z.number().int().min(900).max(43200).optional(),
    tags: z.record(tagKey, z.string().max(256)).optional(),
  }),
  z.object({
    type: z.literal('static'),
    name: sourceName,
    accessKeyId: z.string().trim().regex(/^[A-Z0-9]{16,128}$/, 'An access key id is 16-128 upper-case letters and digits (AKIA…/ASIA…).'),
    /** Omitted on edit to keep the stored secret. */
    secretAccessKey: z.string().min(1).optional(),
    sessionToken: z.string().min(1).optional(),
  }),
]).refine((s) => s.type !== 'assume-role' || Boolean(s.roleArn) !== Boolean(s.roleName), {
  path: ['roleArn'],
  message: 'Give either a role ARN or a role name, not both.',
  // Only on input that is otherwise valid: an ARN that fails its own check is reported as that.
  when: (payload) => payload.issues.length === 0,
});
export type SourceInput = z.infer<typeof SourceInputSchema>;

/** A source as the API shows it: never a secret. */
export interface SourceView {
  id: string;
  name: string;
  type: SourceType;
  /** One line a person can read: "profile dev", "assume arn:…:role/x from dev", "static AKIA…WXYZ". */
  summary: string;
  /** Non-secret settings, as entered. */
  settings: Record<string, string | number | Record<string, string> | undefined>;
  builtIn: boolean;
  /** Ids of containers assigned to this source. */
  assignedTo: string[];
}

export interface SourceTestResult {
  ok: boolean;
  account?: string;
  arn?: string;
  userId?: string;
  expiration?: string;
  error?: string;
  /** What to do about the error. */
  remedy?: string;
}

/** Ids of the two sources that always exist. */
export const BUILTIN_SOURCE_IDS = { none: 'none', fake: 'fake' } as const;

/** A profile from the AWS files the backend reads (the person's, in Docker Desktop read from their machine). */
export interface ProfileView {
  name: string;
  /** keys: access keys; role: role_arn from a source profile; sso: IAM Identity Center; process: credential_process. */
  kind: 'keys' | 'role' | 'sso' | 'process' | 'none';
  region?: string;
  /**
   * ready: usable as it is; signed-in / expired / signed-out: an SSO profile's session; waiting: a
   * credential_process (Docker Desktop) whose program has not yet run on the host; broken: cannot be resolved.
   */
  state: 'ready' | 'signed-in' | 'expired' | 'signed-out' | 'waiting' | 'broken';
  /** Until when an SSO session (or a credential_process' credentials, in Docker Desktop) is valid (ISO time). */
  validUntil?: string;
  /** Why, for expired, signed-out and broken, and what to do. */
  detail?: string;
  /** SSO: whose sign-in is in use, the dashboard's (kept and renewed by the backend) or the AWS CLI's token cache. */
  signedInFrom?: 'dashboard' | 'aws-cli';
}

/** POST /api/profiles/:name/sign-in: what the person opens and confirms (never the device code or a token). */
export interface SsoSignInStart {
  /** The page to open in the host's browser, the code filled in when the service offers it. */
  verificationUri: string;
  verificationUriComplete?: string;
  /** The code the page shows, to compare with the one here. */
  userCode: string;
  /** When the sign-in stops waiting for approval (ISO time). */
  expiresAt: string;
}

/** GET /api/profiles/:name/sign-in: the profile's sign-in from the dashboard. */
export interface SsoSignInStatus {
  /** none: never started; pending: waiting for approval; signed-in; failed, expired (not approved in time), cancelled. */
  state: 'none' | 'pending' | 'signed-in' | 'failed' | 'expired' | 'cancelled';
  /** What happened and what to do, for failed and expired (and a pending poll that did not get an answer). */
  message?: string;
  /** While pending: what to open and compare. */
  verificationUri?: string;
  verificationUriComplete?: string;
  userCode?: string;
  /** signed-in: until when the access token is valid (renewed ahead of that when renewable). */
  validUntil?: string;
  /** signed-in: whether the backend renews the token itself (an sso_session profile). */
  renewable?: boolean;
  /** The last renewal, and why the last one failed if it did (the token is kept until it expires). */
  renewedAt?: string;
  renewError?: string;
}

/** A line of an AWS file the SDKs would skip (never its text: it may hold a secret). */
export interface ProfileFileProblem {
  file: string;
  line: number;
  message: string;
}

/** GET /api/profiles/details */
export interface ProfileDetails {
  profiles: ProfileView[];
  problems: ProfileFileProblem[];
}
