import { createHash } from 'node:crypto';
import { arnAccount } from '../sts.ts';
import type { AwsCredentials, CredentialContext } from '../types.ts';
import { HOUR_MS, type CredentialSource, type ResolveOptions } from './source.ts';

export const FAKE_ACCOUNT_ID = '000000000000';
const FAKE_LIFETIME_MS = 6 * HOUR_MS;

function roleNameFor(family: string | undefined): string {
  const base = (family ?? '').replace(/[^\w+=,.@-]/g, '-').replace(/^-+|-+$/g, '') || 'local';
  return `${base.slice(0, 64 - '-task-role'.length)}-task-role`;
}

/**
 * Deterministic, clearly fake credentials for offline and LocalStack work. No network at all.
 * The same (source id, family) always gets the same keys; the expiration rolls (six hours ahead).
 */
export class FakeSource implements CredentialSource {
  readonly perFamily = true;
  constructor(
    readonly id: string,
    private readonly roleArn?: string,
  ) {}

  /** The fake identity for a family, without credentials: for "Test this source". */
  identity(ctx: CredentialContext = {}): { account: string; arn: string; userId: string } {
    const arn = this.roleArnFor(ctx);
    const h = this.hash(ctx, 'role');
    return { account: arnAccount(arn) ?? FAKE_ACCOUNT_ID, arn, userId: `AROAFAKE${h.slice(0, 12).toUpperCase()}:${this.id}` };
  }

  async resolve({ ctx, now }: ResolveOptions): Promise<AwsCredentials> {
    const h = this.hash(ctx, 'keys');
    const roleArn = this.roleArnFor(ctx);
    return {
      accessKeyId: `ASIAFAKE${h.slice(0, 12).toUpperCase()}`,
      secretAccessKey: `FAKE/secret/${h.slice(12, 40)}`,
      sessionToken: `FAKE-SESSION-TOKEN-not-valid-on-AWS-${this.hash(ctx, 'token')}`,
      expiration: new Date(now() + FAKE_LIFETIME_MS),
      roleArn,
      accountId: arnAccount(roleArn) ?? FAKE_ACCOUNT_ID,
    };
  }

  private roleArnFor(ctx: CredentialContext): string {
    return this.roleArn ?? `arn:aws:iam::${FAKE_ACCOUNT_ID}:role/${roleNameFor(ctx.family)}`;
  }

  private hash(ctx: CredentialContext, purpose: string): string {
    return createHash('sha256').update(`${purpose}\0${this.id}\0${ctx.family ?? ''}`).digest('hex');
  }
}
