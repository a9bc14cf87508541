import { credentialProviders } from '../sdk-providers.ts';
import { assumeRole, sdkClientConfig } from '../sts.ts';
import type { AwsCredentials } from '../types.ts';
import { fromSdkIdentity, sessionNameFor, type CredentialSource, type ResolveOptions, type SourceDeps } from './source.ts';

/**
 * The backend's own default credential chain (environment, AWS_PROFILE / default profile, SSO,
 * credential_process, web identity, container or instance metadata). Used as the base of
 * `role-arn:<arn>` specs; not offered to users as a source of its own.
 */
export class DefaultChainSource implements CredentialSource {
  readonly perFamily = false;

  constructor(
    readonly id: string,
    private readonly deps: SourceDeps,
  ) {}

  async resolve({ signal, now }: ResolveOptions): Promise<AwsCredentials> {
    const { fromNodeProviderChain } = await credentialProviders();
    const provider = fromNodeProviderChain({
      filepath: this.deps.awsFiles.credentials,
      configFilepath: this.deps.awsFiles.config,
      ignoreCache: true,
      clientConfig: sdkClientConfig(this.deps.sts.timeoutMs),
      timeout: Math.min(1000, this.deps.sts.timeoutMs),
      maxRetries: 0,
      roleAssumer: (source, params) =>
        assumeRole(
          this.deps.sts,
          source,
          { ...params, RoleSessionName: params.RoleSessionName.startsWith('aws-sdk-js-') ? sessionNameFor(this.id) : params.RoleSessionName },
          signal,
        ),
    });
    return fromSdkIdentity(await provider(), now);
  }
}
