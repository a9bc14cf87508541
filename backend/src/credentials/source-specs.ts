/**
 * Source specs (`none`, `fake`, `default`, `profile:<name>`, `role-arn:<arn>[?from=<spec>]`,
 * `source:<id>`), as ECS_ENDPOINTS_DEFAULT_SOURCE and presets name sources, and the sources derived
 * from them. Pure: which sources exist is the registry's to say.
 */
import { BUILTIN_SOURCE_IDS, type SourceInput } from '@ecs-endpoints/contract';
import { CredentialError } from './types.ts';

/** The source every container falls back to; it follows ECS_ENDPOINTS_DEFAULT_SOURCE. */
export const DEFAULT_SOURCE_ID = 'default';
/** The backend's own default credential chain: the base of `role-arn:<arn>` specs. Never listed. */
export const DEFAULT_CHAIN_ID = '@default-chain';

/** The same rule the contract applies to role ARNs. */
const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/;
export const SPEC_HELP = 'Use none, fake, profile:<name>, role-arn:<arn> or source:<id>.';

function isBuiltinOrDefault(id: string): boolean {
  return id === BUILTIN_SOURCE_IDS.none || id === BUILTIN_SOURCE_IDS.fake || id === DEFAULT_SOURCE_ID;
}

/**
 * The source id for a spec. With `exists`, a `source:<id>` (also as a role's base) must name a
 * source that exists. Throws CredentialError InvalidSource / SourceNotFound.
 */
export function parseSpec(raw: string, exists?: (id: string) => boolean): string {
  const spec = raw.trim();
  if (isBuiltinOrDefault(spec)) return spec;
  const m = /^(source|profile|role-arn):(.*)$/.exec(spec);
  const value = m?.[2]?.trim() ?? '';
  if (!m || !value) throw new CredentialError('InvalidSource', `"${raw}" is not a source spec.`, SPEC_HELP);
  if (m[1] === 'source') {
    if (exists && !exists(value)) {
      throw new CredentialError('SourceNotFound', `There is no source "${value}".`, 'Create the source first, or refer to one that exists (see the Sources list).');
    }
    return value;
  }
  if (m[1] === 'role-arn') return roleSpecId(value, exists);
  return `${m[1]}:${value}`;
}

/** `role-arn:<arn>`, or `role-arn:<arn>?from=<base>` with the base in its canonical form. */
function roleSpecId(value: string, exists?: (id: string) => boolean): string {
  const [arn = '', from] = value.split('?from=');
  if (!ROLE_ARN.test(arn)) {
    throw new CredentialError('InvalidSource', `"${arn}" is not a role ARN.`, 'A role ARN looks like arn:aws:iam::123456789012:role/my-role (a path such as role/service/my-role is allowed).');
  }
  if (from === undefined) return `role-arn:${value}`;
  const base = parseSpec(from, exists);
  if (isBuiltinOrDefault(base)) {
    throw new CredentialError('InvalidSource', `A role cannot be assumed from "${from}".`, 'Assume it from a profile, a source or the backend\'s own identity (role-arn:<arn> alone).');
  }
  return `role-arn:${arn}?from=${base.includes(':') ? base : `source:${base}`}`;
}

/** Ids of sources derived from a spec rather than stored. */
export function isDerivedId(id: string): boolean {
  return id.startsWith('profile:') || id.startsWith('role-arn:');
}

/** The source a derived id stands for, or undefined when the id is not a valid one. */
export function derivedSource(id: string): { id: string; kind: 'derived'; input: SourceInput } | undefined {
  if (id.startsWith('profile:')) {
    const profile = id.slice('profile:'.length);
    return profile ? { id, kind: 'derived', input: { type: 'profile', name: `profile ${profile}`, profile } } : undefined;
  }
  // role-arn:<arn> assumes from the backend's own identity; role-arn:<arn>?from=<spec> from another source.
  const [roleArn = '', from] = id.slice('role-arn:'.length).split('?from=');
  if (!ROLE_ARN.test(roleArn)) return undefined;
  const baseSourceId = from ? parseSpec(from) : DEFAULT_CHAIN_ID;
  const name = from ? `role ${roleArn} from ${from}` : `role ${roleArn}`;
  return { id, kind: 'derived', input: { type: 'assume-role', name, roleArn, baseSourceId } };
}
