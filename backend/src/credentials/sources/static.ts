import { getSessionToken } from '../sts.ts';
import type { AwsCredentials } from '../types.ts';
import { HOUR_MS, type CredentialSource, type ResolveOptions, type SourceDeps } from './source.ts';

export interface StaticKeys {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/**
 * Keys the user entered (kept only in the state dir). Long-term keys are exchanged with
 * GetSessionToken so containers only ever see temporary credentials; keys that already carry a
 * session token are served as they are, with a rolling one-hour expiration.
 */
export class StaticSource implements CredentialSource {
  readonly perFamily = false;

  constructor(
    readonly id: string,
    private readonly keys: StaticKeys,
    private readonly deps: SourceDeps,
  ) {}

  async resolve({ signal, now }: ResolveOptions): Promise<AwsCredentials> {
    const { accessKeyId, secretAccessKey, sessionToken } = this.keys;
    if (sessionToken) return { accessKeyId, secretAccessKey, sessionToken, expiration: new Date(now() + HOUR_MS) };
    return getSessionToken(this.deps.sts, { accessKeyId, secretAccessKey }, signal);
  }
}
