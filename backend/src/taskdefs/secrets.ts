import { lazy } from '../lazy.ts';

// Loaded when a task definition first has secrets (about 100 ms and 5–10 MiB each).
const secretsManager = lazy(() => import('@aws-sdk/client-secrets-manager'));
const ssmSdk = lazy(() => import('@aws-sdk/client-ssm'));

/**
 * A task definition's `secrets`, fetched the way the agent does before the containers are created:
 * Secrets Manager (`arn:…:secretsmanager:…:secret:<name>[:<json-key>[:<stage>[:<version-id>]]]`) or
 * SSM Parameter Store (a parameter ARN or name), with the execution role's credentials; or from
 * the run's overrides (offline work). Values go only into the containers' environment: never
 * logged, stored or returned, and errors name the secret, never a value.
 */

export interface SecretRef {
  container: string;
  name: string;
  valueFrom: string;
}

export interface SecretCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface SecretsContext {
  /** The secrets' credentials (the execution role's), fetched once and only when AWS is needed. */
  credentials: () => Promise<SecretCredentials | null>;
  /** For parameter names without an ARN. */
  region: string;
  /** By secret name or valueFrom; these win over AWS. */
  overrides?: Record<string, string>;
  timeoutMs?: number;
}

export class SecretError extends Error {
  constructor(
    message: string,
    readonly remedy: string,
  ) {
    super(message);
  }
}

interface SecretsManagerRef {
  kind: 'secretsmanager';
  region: string;
  secretId: string;
  jsonKey?: string;
  versionStage?: string;
  versionId?: string;
}
interface ParameterRef {
  kind: 'ssm';
  region: string;
  name: string;
}

/** Where a valueFrom points. */
export function parseValueFrom(valueFrom: string, defaultRegion: string): SecretsManagerRef | ParameterRef {
  const arn = /^arn:aws[a-z-]*:(secretsmanager|ssm):([a-z0-9-]+):\d{12}:(.+)$/.exec(valueFrom);
  if (!arn) return { kind: 'ssm', region: defaultRegion, name: valueFrom };
  const [, service, region, resource] = arn as unknown as [string, string, string, string];
  if (service === 'ssm') return { kind: 'ssm', region, name: valueFrom };
  // secret:<name>[:json-key:version-stage:version-id]; the secret id is the ARN up to the name.
  const parts = resource.split(':');
  const secretId = `${valueFrom.slice(0, valueFrom.indexOf(resource))}${parts.slice(0, 2).join(':')}`;
  const [jsonKey, versionStage, versionId] = parts.slice(2);
  return {
    kind: 'secretsmanager',
    region,
    secretId,
    ...(jsonKey ? { jsonKey } : {}),
    ...(versionStage ? { versionStage } : {}),
    ...(versionId ? { versionId } : {}),
  };
}

function clientConfig(region: string, creds: SecretCredentials, timeoutMs: number) {
  return {
    region,
    credentials: creds,
    maxAttempts: 2,
    requestHandler: { connectionTimeout: Math.min(3000, timeoutMs), requestTimeout: timeoutMs },
  };
}

async function fetchOne(ref: SecretsManagerRef | ParameterRef, creds: SecretCredentials, timeoutMs: number): Promise<string | undefined> {
  if (ref.kind === 'ssm') {
    const { SSMClient, GetParameterCommand } = await ssmSdk();
    const ssm = new SSMClient(clientConfig(ref.region, creds, timeoutMs));
    try {
      return (await ssm.send(new GetParameterCommand({ Name: ref.name, WithDecryption: true }))).Parameter?.Value;
    } finally {
      ssm.destroy();
    }
  }
  const { SecretsManagerClient, GetSecretValueCommand } = await secretsManager();
  const sm = new SecretsManagerClient(clientConfig(ref.region, creds, timeoutMs));
  try {
    const out = await sm.send(
      new GetSecretValueCommand({ SecretId: ref.secretId, ...(ref.versionStage ? { VersionStage: ref.versionStage } : {}), ...(ref.versionId ? { VersionId: ref.versionId } : {}) }),
    );
    const text = out.SecretString ?? (out.SecretBinary ? Buffer.from(out.SecretBinary).toString('utf8') : undefined);
    if (text === undefined || !ref.jsonKey) return text;
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch {
      throw new SecretError(`The secret ${ref.secretId} is not JSON, so its key "${ref.jsonKey}" cannot be read.`, 'Drop the JSON key from valueFrom, or store the secret as a JSON object.');
    }
    const v = (doc as Record<string, unknown>)[ref.jsonKey];
    if (v === undefined) throw new SecretError(`The secret ${ref.secretId} has no key "${ref.jsonKey}".`, 'Check the JSON key in valueFrom.');
    return typeof v === 'string' ? v : JSON.stringify(v);
  } finally {
    sm.destroy();
  }
}

/** Every secret's value by container, then by variable name. Throws SecretError naming the first that failed. */
export async function resolveSecrets(refs: SecretRef[], ctx: SecretsContext): Promise<Map<string, Record<string, string>>> {
  const out = new Map<string, Record<string, string>>();
  let creds: SecretCredentials | null | undefined;
  for (const r of refs) {
    let value = ctx.overrides?.[r.valueFrom] ?? ctx.overrides?.[r.name];
    if (value === undefined) {
      creds ??= await ctx.credentials();
      if (!creds) {
        throw new SecretError(
          `The secret ${r.name} of container ${r.container} (${r.valueFrom}) needs AWS credentials, and the task's base source serves none.`,
          'Choose a base source with credentials (a profile, SSO…), or give the secret a local value in the run\'s secret overrides.',
        );
      }
      const ref = parseValueFrom(r.valueFrom, ctx.region);
      try {
        value = await fetchOne(ref, creds, ctx.timeoutMs ?? 5000);
      } catch (err) {
        if (err instanceof SecretError) throw err;
        const e = err as { name?: string; message?: string };
        throw new SecretError(
          `The secret ${r.name} of container ${r.container} could not be fetched from ${ref.kind === 'ssm' ? 'SSM Parameter Store' : 'Secrets Manager'} (${ref.region}): ${e.name ?? 'Error'}: ${e.message ?? ''}`.trim(),
          'Check that the execution role (or the base source) may read it, that the region is right and AWS is reachable; or give a local value in the secret overrides.',
        );
      }
      if (value === undefined) throw new SecretError(`The secret ${r.name} of container ${r.container} has no value.`, 'Give it a value, or a local one in the secret overrides.');
    }
    const forContainer = out.get(r.container) ?? {};
    forContainer[r.name] = value;
    out.set(r.container, forContainer);
  }
  return out;
}
