import { parseKnownFiles } from '@smithy/core/config';

type Section = Record<string, string | undefined>;

/** One role of a source_profile chain, as the AWS SDK would assume it. */
export interface RoleLink {
  roleArn: string;
  sessionName?: string;
  externalId?: string;
  durationSeconds?: number;
  mfaSerial?: string;
}

/** A profile whose credentials come from a credential_process: that profile (`root`), then each role to assume, innermost first. */
export interface ProcessChain {
  root: string;
  roles: RoleLink[];
}

const isStatic = (p: Section) => typeof p.aws_access_key_id === 'string' && typeof p.aws_secret_access_key === 'string';
const isRole = (p: Section) =>
  typeof p.role_arn === 'string' && (typeof p.source_profile === 'string') !== (typeof p.credential_source === 'string');

function link(p: Section): RoleLink {
  const duration = Number.parseInt(p.duration_seconds ?? '', 10);
  return {
    roleArn: p.role_arn!,
    ...(p.role_session_name ? { sessionName: p.role_session_name } : {}),
    ...(p.external_id ? { externalId: p.external_id } : {}),
    ...(Number.isFinite(duration) ? { durationSeconds: duration } : {}),
    ...(p.mfa_serial ? { mfaSerial: p.mfa_serial } : {}),
  };
}

/**
 * Whether a profile's credentials come from a credential_process, directly or at the root of a
 * source_profile role chain, decided in the order the SDK's fromIni decides (a role first; keys end
 * a chain; then web identity, credential_process). Anything else, a loop or a missing profile
 * included, is undefined: the SDK's own path resolves it (and says what is wrong).
 */
export function processChain(profiles: Record<string, Section>, name: string, visited: string[] = []): ProcessChain | undefined {
  const p = profiles[name];
  if (!p || visited.includes(name)) return undefined;
  if (visited.length > 0 && isStatic(p)) return undefined;
  if (isRole(p)) {
    if (typeof p.credential_source === 'string') return undefined;
    const inner = processChain(profiles, p.source_profile!, [...visited, name]);
    return inner && { root: inner.root, roles: [...inner.roles, link(p)] };
  }
  if (isStatic(p) || (p.web_identity_token_file && p.role_arn) || p.credential_source) return undefined;
  return typeof p.credential_process === 'string' ? { root: name, roles: [] } : undefined;
}

/** The chain of a profile in the AWS files (re-read every time, as the SDK path does). */
export async function loadProcessChain(files: { config: string; credentials: string }, profile: string): Promise<ProcessChain | undefined> {
  const profiles = await parseKnownFiles({ filepath: files.credentials, configFilepath: files.config, ignoreCache: true });
  return processChain(profiles, profile);
}

/** The credential_process profiles at the root of some profiles' chains (one read of the files). */
export async function processRoots(files: { config: string; credentials: string }, names: string[]): Promise<string[]> {
  if (names.length === 0) return [];
  const profiles = await parseKnownFiles({ filepath: files.credentials, configFilepath: files.config, ignoreCache: true });
  return [...new Set(names.map((n) => processChain(profiles, n)?.root).filter((r): r is string => r !== undefined))];
}
