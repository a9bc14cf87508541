import { lazy } from '../lazy.ts';
import type { SecretCredentials } from './secrets.ts';

const ecsSdk = lazy(() => import('@aws-sdk/client-ecs'));

/**
 * A registered task definition fetched from ECS (DescribeTaskDefinition, tags included) with a
 * chosen source's credentials, so a team can run what it deploys without copying JSON around.
 * The ECS client honours AWS_ENDPOINT_URL_ECS (LocalStack, a stand-in).
 */

export class DescribeError extends Error {
  constructor(
    message: string,
    readonly remedy: string,
    readonly kind: 'not-found' | 'unreachable' | 'no-credentials',
  ) {
    super(message);
  }
}

/** family, family:revision or a task definition ARN (whose region wins). */
export const TASK_DEFINITION_REF = /^(?:arn:aws[a-z-]*:ecs:([a-z0-9-]+):\d{12}:task-definition\/)?([A-Za-z0-9_-]{1,255})(?::(\d+))?$/;

export async function describeTaskDefinition(
  ref: string,
  ctx: { credentials: () => Promise<SecretCredentials | null>; region: string; timeoutMs?: number },
): Promise<{ taskDefinition: unknown; tags?: unknown }> {
  const m = TASK_DEFINITION_REF.exec(ref.trim());
  if (!m) throw new DescribeError(`"${ref}" is not a task definition name.`, 'Give family, family:revision or a task definition ARN (arn:aws:ecs:<region>:<account>:task-definition/<family>:<revision>).', 'not-found');
  const creds = await ctx.credentials();
  if (!creds) throw new DescribeError('Fetching a task definition from ECS needs AWS credentials, and the chosen source serves none.', 'Choose a source with credentials (a profile, SSO…), or paste the definition instead.', 'no-credentials');
  const region = m[1] ?? ctx.region;
  const timeoutMs = ctx.timeoutMs ?? 5000;
  const { ECSClient, DescribeTaskDefinitionCommand } = await ecsSdk();
  const ecs = new ECSClient({ region, credentials: creds, maxAttempts: 2, requestHandler: { connectionTimeout: Math.min(3000, timeoutMs), requestTimeout: timeoutMs } });
  try {
    const out = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: ref.trim(), include: ['TAGS'] }));
    if (!out.taskDefinition) throw new DescribeError(`ECS returned no task definition for "${ref}".`, 'Check the name and revision (aws ecs list-task-definitions).', 'not-found');
    return { taskDefinition: out.taskDefinition, ...(out.tags?.length ? { tags: out.tags } : {}) };
  } catch (err) {
    if (err instanceof DescribeError) throw err;
    const e = err as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
    if (e.name === 'ClientException' || e.$metadata?.httpStatusCode === 400) {
      throw new DescribeError(`ECS (${region}) has no task definition "${ref}" this source may describe: ${e.message ?? e.name}`, 'Check the family, revision and region, and that the source may call ecs:DescribeTaskDefinition.', 'not-found');
    }
    throw new DescribeError(`ECS (${region}) could not be asked for "${ref}": ${e.name ?? 'Error'}: ${e.message ?? ''}`.trim(), 'Check that AWS is reachable from the backend and the region is right; or paste the definition instead.', 'unreachable');
  } finally {
    ecs.destroy();
  }
}
