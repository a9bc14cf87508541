import { z } from 'zod/v4';

/**
 * What the host script (packaging/host/aws-paths.sh / .cmd) prints: where the person's AWS files
 * are on the machine Docker Desktop runs on. The UI runs the script and hands this to the backend
 * (PUT /api/host/aws), which reads the files through a read-only bind mount.
 */
export const HostAwsPathsSchema = z.object({
  version: z.literal(1),
  os: z.enum(['darwin', 'linux', 'windows']),
  home: z.string().min(1),
  config: z.string().min(1),
  configExists: z.boolean(),
  credentials: z.string().min(1),
  credentialsExists: z.boolean(),
  ssoCache: z.string().min(1),
  ssoCacheExists: z.boolean(),
});
export type HostAwsPaths = z.infer<typeof HostAwsPathsSchema>;

/** The backend's view of the host's AWS files: where, and whether it could read them. */
export interface HostAwsView {
  paths?: HostAwsPaths;
  /** When the files were last read (ISO time); their profiles are in GET /api/profiles/details. */
  readAt?: string;
  /** Why they could not be read, and what to do. */
  error?: { message: string; remedy: string };
}

/**
 * What a credential_process prints (the AWS CLI's format, version 1), as the host script
 * (packaging/host/aws-credential-process.sh / .cmd) hands it over: PUT /api/host/aws/processes/:profile.
 * Other fields a process may print (CredentialScope, …) are ignored.
 */
export const HostProcessOutputSchema = z.looseObject({
  Version: z.literal(1, { error: 'Version must be 1 (the credential_process output format).' }),
  AccessKeyId: z.string().min(1),
  SecretAccessKey: z.string().min(1),
  SessionToken: z.string().min(1).optional(),
  Expiration: z.string().min(1).optional(),
  AccountId: z.string().min(1).optional(),
});
export type HostProcessOutput = z.infer<typeof HostProcessOutputSchema>;

/** Instead of the output: why the host script failed (its one line on stderr), to show the person. */
export const HostProcessFailureSchema = z.strictObject({ error: z.string().min(1).max(1000) });

/**
 * A credential_process profile resolved on the host (Docker Desktop): never the credentials, only
 * whether the dashboard must run its program. `due`: the UI runs it now (missing, about to expire,
 * or a failure to retry).
 */
export interface HostProcessView {
  profile: string;
  /** fresh: cached and valid; due: valid but to be refreshed; missing: none cached; failed: the last run failed. */
  state: 'fresh' | 'due' | 'missing' | 'failed';
  due: boolean;
  /** When the cached credentials expire (ISO time); absent for none, or ones without Expiration (valid until the files change). */
  validUntil?: string;
  /** When the dashboard should run the program again (ISO time). */
  dueAt?: string;
  /** When the credentials were last handed over. */
  refreshedAt?: string;
  /** The last failure, as the host script said it. */
  message?: string;
}
