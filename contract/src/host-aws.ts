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
