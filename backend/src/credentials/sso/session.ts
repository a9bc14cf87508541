import { loadSharedConfigFiles } from '@smithy/core/config';

/** Why a sign-in cannot start or did not finish; `status` is what the control API answers with. */
export class SignInError extends Error {
  override readonly name = 'SignInError';
  constructor(
    readonly kind: 'unknown-profile' | 'not-sso' | 'incomplete' | 'unreachable' | 'refused',
    message: string,
    readonly remedy: string,
  ) {
    super(message);
  }

  get status(): number {
    return { 'unknown-profile': 404, 'not-sso': 400, incomplete: 400, unreachable: 502, refused: 502 }[this.kind];
  }
}

/** What signing in to a profile's SSO session needs, read from the AWS files with the SDK's loader. */
export interface SsoSession {
  profile: string;
  /** How the SDK keys the token cache: the sso_session name, or the start URL of a legacy profile. */
  key: string;
  /** Set for [sso-session] profiles, whose tokens can be renewed with a refresh token. */
  sessionName?: string;
  startUrl: string;
  region: string;
  scopes: string[];
  accountId?: string;
  roleName?: string;
}

type Section = Record<string, string | undefined>;

/** The SSO session of `profile`, or SignInError saying what is missing and how to add it. */
export async function ssoSessionOf(files: { config: string; credentials: string }, profile: string): Promise<SsoSession> {
  const { configFile, credentialsFile } = await loadSharedConfigFiles({ filepath: files.credentials, configFilepath: files.config, ignoreCache: true });
  if (!configFile[profile] && !credentialsFile[profile]) {
    throw new SignInError('unknown-profile', `There is no profile "${profile}" in ${files.config} or ${files.credentials}.`, 'Choose a profile from the list (GET /api/profiles/details), or add it with aws configure sso.');
  }
  const p: Section = { ...configFile[profile], ...credentialsFile[profile] };
  const configure = `Run aws configure sso --profile ${profile} on the host.`;
  const base = { profile, ...(p.sso_account_id ? { accountId: p.sso_account_id } : {}), ...(p.sso_role_name ? { roleName: p.sso_role_name } : {}) };
  if (p.sso_session) {
    const s: Section | undefined = configFile[`sso-session.${p.sso_session}`];
    if (!s) throw new SignInError('incomplete', `Profile "${profile}" names the sso_session "${p.sso_session}", but there is no [sso-session ${p.sso_session}] section.`, configure);
    if (!s.sso_start_url || !s.sso_region) {
      throw new SignInError('incomplete', `The [sso-session ${p.sso_session}] section lacks ${!s.sso_start_url ? 'sso_start_url' : 'sso_region'}.`, configure);
    }
    const scopes = (s.sso_registration_scopes ?? 'sso:account:access').split(',').map((x) => x.trim()).filter(Boolean);
    return { ...base, key: p.sso_session, sessionName: p.sso_session, startUrl: s.sso_start_url, region: s.sso_region, scopes };
  }
  if (p.sso_start_url) {
    if (!p.sso_region) throw new SignInError('incomplete', `Profile "${profile}" has sso_start_url but no sso_region.`, configure);
    return { ...base, key: p.sso_start_url, startUrl: p.sso_start_url, region: p.sso_region, scopes: [] };
  }
  throw new SignInError('not-sso', `Profile "${profile}" is not an SSO profile (it has neither sso_session nor sso_start_url).`, 'Only SSO (IAM Identity Center) profiles are signed in to; other profiles are used as they are.');
}
