import { createCredentialChain, fromIni, fromSSO } from '@aws-sdk/credential-providers';
import { roleCredentials } from '../sso/oidc.ts';
import { assumeRole, sdkClientConfig } from '../sts.ts';
import type { AwsCredentials } from '../types.ts';
import { fromSdkIdentity, sessionNameFor, type CredentialSource, type ResolveOptions, type SourceDeps } from './source.ts';

type RoleAssumer = NonNullable<NonNullable<Parameters<typeof fromIni>[0]>['roleAssumer']>;

/**
 * A named profile from the AWS config files, resolved by the SDK's own providers: static keys,
 * source_profile + role_arn chains (AssumeRole goes to the configured STS endpoint), SSO (legacy
 * and sso_session), credential_process, web identity. Files are re-read on every fetch.
 */
export class ProfileSource implements CredentialSource {
  readonly perFamily = false;

  constructor(
    readonly id: string,
    readonly profile: string,
    private readonly deps: SourceDeps,
  ) {}

  async resolve({ signal, now }: ResolveOptions): Promise<AwsCredentials> {
    // Signed in from the dashboard: the backend's token, kept in its state directory (the SDK only
    // reads ~/.aws/sso/cache, which is the person's).
    const own = await this.deps.ssoRoleToken?.(this.profile);
    if (own) {
      const c = await roleCredentials(own, this.deps.sts.timeoutMs, signal);
      return fromSdkIdentity(c, now, { accountId: own.accountId });
    }
    let lastRole: { arn: string; account?: string } | undefined;
    const roleAssumer: RoleAssumer = async (source, params) => {
      const creds = await assumeRole(
        this.deps.sts,
        { accessKeyId: source.accessKeyId, secretAccessKey: source.secretAccessKey, ...(source.sessionToken ? { sessionToken: source.sessionToken } : {}) },
        {
          ...params,
          // fromIni's default is aws-sdk-js-<timestamp>; a stable name is easier to find in CloudTrail.
          RoleSessionName: params.RoleSessionName.startsWith('aws-sdk-js-') ? sessionNameFor(this.id) : params.RoleSessionName,
        },
        signal,
      );
      // fromIni resolves the chain innermost first, so the last role assumed is the profile's own.
      lastRole = { arn: params.RoleArn, ...(creds.accountId ? { account: creds.accountId } : {}) };
      return creds;
    };
    const init = {
      profile: this.profile,
      filepath: this.deps.awsFiles.credentials,
      configFilepath: this.deps.awsFiles.config,
      ignoreCache: true,
      // For the SDK's inner SSO / SSO OIDC clients: short timeouts, 2 attempts. Their endpoints follow
      // the SDK's conventions (AWS_ENDPOINT_URL_SSO, services sections), not the STS endpoint.
      clientConfig: sdkClientConfig(this.deps.sts.timeoutMs),
      roleAssumer,
    };
    // fromIni does not pass the file paths on to its SSO provider, so SSO profiles are tried first
    // with explicit paths; for any other profile fromSSO declines (tryNextLink) and fromIni runs.
    const provider = createCredentialChain(fromSSO(init), fromIni(init));
    return fromSdkIdentity(await provider(), now, { roleArn: lastRole?.arn, accountId: lastRole?.account });
  }
}
