import { readFile } from 'node:fs/promises';
import { isAbsolute } from 'node:path';
import { lazy } from '../lazy.ts';
import { SecretError, type SecretCredentials } from './secrets.ts';

/**
 * A container definition's environmentFiles, read before the containers are created: an S3 object
 * (`arn:aws:s3:::bucket/key.env`, with the execution role's credentials, as the agent does) or,
 * locally, a file: its text handed over by the `ecs-endpoints` command (which reads paths next to
 * the task definition) or, when the backend can see it, an absolute path. The agent's format:
 * VAR=VALUE lines; `#` comments and blank lines ignored. Values are never logged or stored.
 */

export interface EnvFileRef {
  container: string;
  value: string;
}

export interface EnvFilesContext {
  credentials: () => Promise<SecretCredentials | null>;
  region: string;
  /** File texts by the definition's `value`, as the command read them. */
  contents?: Record<string, string>;
  timeoutMs?: number;
}

/** VAR=VALUE lines as the agent reads them. */
export function parseEnvFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    if (eq < 1) continue;
    out[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return out;
}

const s3Sdk = lazy(() => import('@aws-sdk/client-s3'));

const S3_ARN = /^arn:aws[a-z-]*:s3:::([^/]+)\/(.+)$/;

async function fromS3(bucket: string, key: string, creds: SecretCredentials, region: string, timeoutMs: number): Promise<string> {
  // A custom endpoint (LocalStack, MinIO) is addressed path-style: its host has no bucket subdomains.
  const custom = Boolean(process.env.AWS_ENDPOINT_URL_S3 ?? process.env.AWS_ENDPOINT_URL);
  const { S3Client, GetObjectCommand } = await s3Sdk();
  const s3 = new S3Client({ region, credentials: creds, maxAttempts: 2, forcePathStyle: custom, requestHandler: { connectionTimeout: Math.min(3000, timeoutMs), requestTimeout: timeoutMs } });
  try {
    const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return (await out.Body?.transformToString('utf8')) ?? '';
  } finally {
    s3.destroy();
  }
}

async function textOf(ref: EnvFileRef, ctx: EnvFilesContext, creds: () => Promise<SecretCredentials>): Promise<string> {
  const given = ctx.contents?.[ref.value];
  if (given !== undefined) return given;
  const s3 = S3_ARN.exec(ref.value);
  if (s3) {
    try {
      return await fromS3(s3[1]!, s3[2]!, await creds(), ctx.region, ctx.timeoutMs ?? 5000);
    } catch (err) {
      if (err instanceof SecretError) throw err;
      const e = err as { name?: string; message?: string };
      throw new SecretError(
        `The environment file ${ref.value} of container ${ref.container} could not be read from S3: ${e.name ?? 'Error'}: ${e.message ?? ''}`.trim(),
        'Check that the execution role (or the base source) may read it and AWS is reachable; or keep a local copy and run with the ecs-endpoints command, which reads local files.',
      );
    }
  }
  if (isAbsolute(ref.value)) {
    try {
      return await readFile(ref.value, 'utf8');
    } catch (err) {
      throw new SecretError(`The environment file ${ref.value} of container ${ref.container} cannot be read here: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}.`, 'Run the task with the ecs-endpoints command, which reads local files next to the task definition, or use an S3 object.');
    }
  }
  throw new SecretError(`The environment file ${ref.value} of container ${ref.container} is neither an S3 object ARN nor a file this backend can read.`, 'Run the task with the ecs-endpoints command (it reads paths relative to the task definition), or give an arn:aws:s3:::bucket/key ARN.');
}

/** Each container's variables from its files, in order (a variable in an earlier file wins, as on ECS). */
export async function resolveEnvironmentFiles(refs: EnvFileRef[], ctx: EnvFilesContext): Promise<Map<string, Record<string, string>>> {
  const out = new Map<string, Record<string, string>>();
  let creds: SecretCredentials | undefined;
  const credentials = async () => {
    if (creds) return creds;
    const c = await ctx.credentials();
    if (!c) throw new SecretError('Environment files in S3 need AWS credentials, and the task\'s base source serves none.', 'Choose a base source with credentials, or run with local copies through the ecs-endpoints command.');
    creds = c;
    return c;
  };
  for (const ref of refs) {
    const vars = parseEnvFile(await textOf(ref, ctx, credentials));
    out.set(ref.container, { ...vars, ...(out.get(ref.container) ?? {}) });
  }
  return out;
}
