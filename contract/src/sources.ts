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
