import { readFile } from 'node:fs/promises';
import { getSSOTokenFromFile, loadSharedConfigFiles } from '@smithy/core/config';
import type { ProfileFileProblem, ProfileView } from '@ecs-endpoints/contract';

type Section = Record<string, string | undefined>;
type Described = Pick<ProfileView, 'kind' | 'state' | 'validUntil' | 'detail' | 'signedInFrom'>;
/** Docker Desktop: a credential_process profile's state, from the credentials the dashboard handed over. */
export type HostProcessState = (profile: string) => Pick<ProfileView, 'state' | 'validUntil' | 'detail'>;

/** The backend's own token for an SSO session (signed in from the dashboard), by cache key and start URL. */
export type KeptSsoToken = (key: string, startUrl: string) => { expiresAt: number; renewable: boolean } | undefined;

/**
 * The profiles of the AWS files, each with its kind, region and state, read with the SDK's own
 * loader (so a profile means here what it means to the SDK): an SSO profile's session from the
 * token cache, a role chain followed to its end (a loop or a missing source is said, not tried).
 * Only names, kinds and times leave this function, never a key. In Docker Desktop a
 * credential_process profile's state is where its credentials from the host stand (`hostProcess`).
 */
export async function describeProfiles(files: { config: string; credentials: string }, now = Date.now(), hostProcess?: HostProcessState, kept?: KeptSsoToken): Promise<ProfileView[]> {
  const { configFile, credentialsFile } = await loadSharedConfigFiles({ filepath: files.credentials, configFilepath: files.config, ignoreCache: true });
  const names = new Set([...Object.keys(configFile), ...Object.keys(credentialsFile)].filter((n) => !n.startsWith('sso-session.') && !n.startsWith('services.')));
  const section = (name: string): Section | undefined =>
    configFile[name] || credentialsFile[name] ? { ...configFile[name], ...credentialsFile[name] } : undefined;
  const out: ProfileView[] = [];
  for (const name of [...names].sort((a, b) => (a === 'default' ? -1 : b === 'default' ? 1 : a.localeCompare(b)))) {
    const p = section(name)!;
    const region = p.region ?? (p.sso_session ? configFile[`sso-session.${p.sso_session}`]?.sso_region : undefined);
    const d = p.credential_process && hostProcess ? { kind: 'process' as const, ...hostProcess(name) } : await describe(name, p, section, configFile, now, kept);
    out.push({ name, ...(region ? { region } : {}), ...d });
  }
  return out;
}

async function describe(
  name: string,
  p: Section,
  section: (name: string) => Section | undefined,
  configFile: Record<string, Section>,
  now: number,
  kept?: KeptSsoToken,
): Promise<Described> {
  if (p.credential_process) return { kind: 'process', state: 'ready' };
  if (p.sso_session || p.sso_start_url) return ssoState(name, p, configFile, now, kept);
  if (p.role_arn) {
    const seen = [name];
    for (let cur = p; cur.source_profile; ) {
      const next = cur.source_profile;
      if (seen.includes(next)) return { kind: 'role', state: 'broken', detail: `Its source_profile chain loops: ${[...seen, next].join(' → ')}. Point one of them at a profile with keys, SSO or a credential_process.` };
      seen.push(next);
      const s = section(next);
      if (!s) return { kind: 'role', state: 'broken', detail: `Its source profile "${next}" does not exist. Add it, or change source_profile.` };
      if (!s.role_arn || s.aws_access_key_id || s.sso_session || s.credential_process) break;
      cur = s;
    }
    if (!p.source_profile && !p.credential_source) return { kind: 'role', state: 'broken', detail: 'It has role_arn but neither source_profile nor credential_source. Add one.' };
    return { kind: 'role', state: 'ready' };
  }
  if (p.aws_access_key_id) return { kind: 'keys', state: 'ready' };
  return { kind: 'none', state: 'broken', detail: 'It holds no credentials (keys, role_arn, SSO or credential_process); only settings such as its region.' };
}

type SsoView = Described;

/** The AWS CLI's view of the session, unless the backend's own token (from the dashboard) is newer. */
async function ssoState(name: string, p: Section, configFile: Record<string, Section>, now: number, kept?: KeptSsoToken): Promise<SsoView> {
  const cli = await sso(name, p, configFile, now);
  const startUrl = p.sso_session ? configFile[`sso-session.${p.sso_session}`]?.sso_start_url : p.sso_start_url;
  const own = startUrl ? kept?.(p.sso_session ?? startUrl, startUrl) : undefined;
  if (cli.state === 'broken' || !own) return cli;
  const cliUntil = cli.validUntil ? Date.parse(cli.validUntil) : 0;
  if (cli.state === 'signed-in' && cliUntil >= own.expiresAt) return cli;
  if (own.expiresAt > now) {
    return { kind: 'sso', state: 'signed-in', validUntil: new Date(own.expiresAt).toISOString(), signedInFrom: 'dashboard', detail: own.renewable ? 'Signed in from the dashboard; the backend renews the session until it ends.' : 'Signed in from the dashboard.' };
  }
  if (own.renewable) return { kind: 'sso', state: 'signed-in', signedInFrom: 'dashboard', detail: 'Signed in from the dashboard; its access token is being renewed.' };
  if (cli.state === 'signed-in') return cli;
  return { kind: 'sso', state: 'expired', validUntil: new Date(own.expiresAt).toISOString(), signedInFrom: 'dashboard', detail: 'The sign-in from the dashboard has ended: sign in again.' };
}

async function sso(name: string, p: Section, configFile: Record<string, Section>, now: number): Promise<SsoView> {
  if (p.sso_session && !configFile[`sso-session.${p.sso_session}`]) {
    return { kind: 'sso', state: 'broken', detail: `Its sso_session "${p.sso_session}" has no [sso-session ${p.sso_session}] section. Run aws configure sso --profile ${name}.` };
  }
  // The token cache is keyed by the session's name (sso_session) or, for legacy profiles, its start URL.
  let token: { expiresAt?: string; refreshToken?: string };
  try {
    token = await getSSOTokenFromFile(p.sso_session ?? p.sso_start_url!);
  } catch {
    return { kind: 'sso', state: 'signed-out', detail: `No SSO session: sign in here, or run aws sso login --profile ${name} on the host.` };
  }
  const until = token.expiresAt ? Date.parse(token.expiresAt) : NaN;
  // An sso_session token with a refresh token is renewed by the SDK when next used.
  if (!(until > now) && p.sso_session && token.refreshToken) return { kind: 'sso', state: 'signed-in', signedInFrom: 'aws-cli', detail: 'Its access token has expired and is renewed when next used.' };
  if (!(until > now)) return { kind: 'sso', state: 'expired', ...(token.expiresAt ? { validUntil: new Date(until).toISOString() } : {}), detail: `The SSO session expired: sign in again here, or run aws sso login --profile ${name} on the host.` };
  return { kind: 'sso', state: 'signed-in', validUntil: new Date(until).toISOString(), signedInFrom: 'aws-cli' };
}

/**
 * Lines of an AWS file that are neither a [section], a name = value pair, a comment nor an
 * indented continuation: the SDKs skip them silently, so a typo loses a setting without a word.
 * The line itself is never repeated (it may hold a secret), only where it is.
 */
export function iniProblems(text: string, file: string, kind: 'config' | 'credentials'): ProfileFileProblem[] {
  const out: ProfileFileProblem[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    const t = line.trim();
    if (!t || t.startsWith('#') || t.startsWith(';')) return;
    const header = /^\[([^\]]+)\]\s*([#;].*)?$/.exec(t);
    if (header) {
      // The SDK reads `default`, `<type> <name>` with one space and a name of [\w-@+.%:/], and in
      // the credentials file any name without spaces; any other section is skipped whole.
      const name = header[1]!;
      if (name === 'default' || (!/\s/.test(name) && kind === 'credentials') || /^(profile|sso-session|services) (["']?)[\w\-@+.%:/]+\2$/.test(name)) return;
      out.push({ file, line: i + 1, message: `Line ${i + 1} of ${file}: the section [${name}] is not one the AWS SDKs read (a profile is [profile name] in config, [name] in credentials, one space, no spaces in the name); everything under it is skipped.` });
      return;
    }
    if (/^[^=\s[][^=]*=/.test(t)) return;
    if (/^\s/.test(line) && t.includes('=')) return;
    out.push({ file, line: i + 1, message: `Line ${i + 1} of ${file} is neither a [section] nor a name = value line; the AWS SDKs skip it.` });
  });
  return out;
}

/** The problems of both files (absent files have none). */
export async function profileFileProblems(files: { config: string; credentials: string }): Promise<ProfileFileProblem[]> {
  const read = (f: string) => readFile(f, 'utf8').catch(() => '');
  const [config, credentials] = await Promise.all([read(files.config), read(files.credentials)]);
  return [...iniProblems(config, files.config, 'config'), ...iniProblems(credentials, files.credentials, 'credentials')];
}
