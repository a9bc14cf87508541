import type { CredentialSource } from './source.ts';

/** ECS mode without a task role: the container gets metadata but no credentials. */
export class NoneSource implements CredentialSource {
  readonly perFamily = false;
  constructor(readonly id: string) {}

  async resolve(): Promise<null> {
    return null;
  }
}
