import type { fromIni } from '@aws-sdk/credential-providers';
import { credentialProviders } from '../sdk-providers.ts';
import { loadProcessChain, type ProcessChain } from '../process-chain.ts';
import { roleCredentials } from '../sso/oidc.ts';
import { assumeRole, sdkClientConfig } from '../sts.ts';
import { CredentialError, type AwsCredentials } from '../types.ts';
import { fromSdkIdentity, sessionNameFor, type CredentialSource, type ResolveOptions, type SourceDeps } from './source.ts';

type RoleAssumer = NonNullable<NonNullable<Parameters<typeof fromIni>[0]>['roleAssumer']>;

/**
 * A named profile from the AWS config files, resolved by the SDK's own providers: static keys,
 * source_profile + role_arn chains (AssumeRole goes to the configured STS endpoint), SSO (legacy
 * and sso_session), credential_process, web identity. Files are re-read on every fetch.
 * In Docker Desktop a credential_process (directly, or at the root of a role chain) runs on the
 * host, not here: its credentials come from what the dashboard handed over (`hostProcesses`), and
 * the chain's roles are assumed from them.
 */
export class ProfileSource implements CredentialSource {
  readonly perFamily = false;

  constructor(
    readonly id: string,
    readonly profile: string,
    private readonly deps: SourceDeps,
  ) {}

  async resolve(opts: ResolveOptions): Promise<AwsCredentials> {
    // Signed in from the dashboard: the backend's token, kept in its state directory (the SDK only
    // reads ~/.aws/sso/cache, which is the person's).
    const own = await this.deps.ssoRoleToken?.(this.profile);
    if (own) {
      const c = await roleCredentials(own, this.deps.sts.timeoutMs, opts.signal);
      return fromSdkIdentity(c, opts.now, { accountId: own.accountId });
    }
    if (this.deps.hostProcesses) {
      const chain = await loadProcessChain(this.deps.awsFiles, this.profile);
      if (chain) return this.fromHost(chain, opts);
    }
    return this.fromSdk(opts);
  }

  private async fromHost(chain: ProcessChain, { signal, now }: ResolveOptions): Promise<AwsCredentials> {
    const host = this.deps.hostProcesses!;
    let creds = host.credentials(chain.root);
    if (!creds) {
      const via = chain.root === this.profile ? 'its credential_process' : `the credential_process of its source profile "${chain.root}"`;
      const failed = host.view(chain.root).message;
      throw new CredentialError(
        'CredentialProcessFailed',
        `Profile "${this.profile}" gets its credentials from ${via}, which runs on your machine: it needs the ECS Endpoints dashboard open to refresh.${failed ? ` Its last run failed: ${failed}` : ''}`,
        failed
          ? `Make the program work on your machine (e.g. sign in again), with the ECS Endpoints tab open in Docker Desktop.`
          : 'Open the ECS Endpoints tab in Docker Desktop: it runs the program on your machine and hands its credentials to the backend.',
      );
    }
    let role: { arn: string; account?: string } | undefined;
    for (const link of chain.roles) {
      if (link.mfaSerial) {
        throw new CredentialError('InvalidSource', `Profile "${this.profile}": the role ${link.roleArn} needs an MFA code (mfa_serial), which the backend cannot ask for.`, 'Use a profile without mfa_serial, or a static source with session credentials you obtained with MFA.');
      }
      creds = await assumeRole(
        this.deps.sts,
        creds,
        {
          RoleArn: link.roleArn,
          RoleSessionName: link.sessionName ?? sessionNameFor(this.id),
          ...(link.externalId ? { ExternalId: link.externalId } : {}),
          ...(link.durationSeconds ? { DurationSeconds: link.durationSeconds } : {}),
        },
        signal,
      );
      role = { arn: link.roleArn, ...(creds.accountId ? { account: creds.accountId } : {}) };
    }
    return fromSdkIdentity(creds, now, { roleArn: role?.arn, accountId: role?.account });
  }

  private async fromSdk({ signal, now }: ResolveOptions): Promise<AwsCredentials> {
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
    const { createCredentialChain, fromIni, fromSSO } = await credentialProviders();
    const provider = createCredentialChain(fromSSO(init), fromIni(init));
    return fromSdkIdentity(await provider(), now, { roleArn: lastRole?.arn, accountId: lastRole?.account });
  }
}
