import type { ContainerRecord, TaskOverrides } from '../tasks/types.ts';
import { PresetFileSchema, PresetSchema, type Preset, type PresetFile } from './schema.ts';

export const PRESET_LABEL = 'ecs-endpoints.preset';

export interface PresetIssue {
  path: string;
  message: string;
}

export class PresetError extends Error {
  constructor(
    message: string,
    readonly issues: PresetIssue[],
    readonly remedy: string,
  ) {
    super(message);
  }
}

/* A preset travels in a repository: anything that looks like a secret is refused outright, with
 * the path to it, before the schema even looks (the schema would only say "unknown key"). */
const SECRET_KEY = /(secret|password|passwd|token|session|private|credential_?process|access_?key)/i;
const SECRET_VALUE: [RegExp, string][] = [
  [/\b(AKIA|ASIA)[A-Z0-9]{16}\b/, 'an AWS access key id'],
  [/^[A-Za-z0-9/+]{40}$/, 'what looks like an AWS secret access key'],
  [/^(IQoJ|FwoG|AQoD)[A-Za-z0-9/+=]{40,}/, 'what looks like an AWS session token'],
];

function findSecrets(value: unknown, path: string[] = []): PresetIssue[] {
  const out: PresetIssue[] = [];
  if (typeof value === 'string') {
    for (const [re, what] of SECRET_VALUE) if (re.test(value)) out.push({ path: path.join('.'), message: `holds ${what}` });
  } else if (Array.isArray(value)) {
    value.forEach((v, i) => out.push(...findSecrets(v, [...path, String(i)])));
  } else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      // `$schema`, `tags`, `labels` and `match` keys are the user's own names: only flag values there.
      const userKeys = path.at(-1) === 'tags' || path.at(-1) === 'labels';
      if (!userKeys && SECRET_KEY.test(k)) out.push({ path: [...path, k].join('.'), message: `"${k}" looks like a secret field` });
      out.push(...findSecrets(v, [...path, k]));
    }
  }
  return out;
}

/* A preset file is a short list of flat objects: its deepest value sits 5 levels down
 * (file → presets → preset → task → tags). The limits keep a hostile file from exhausting the
 * stack (findSecrets and the schema recurse) or the memory before validation says anything. */
export const PRESET_FILE_MAX_BYTES = 1024 * 1024;
export const PRESET_FILE_MAX_DEPTH = 10;

/** Whether `value` nests objects or arrays more than `max` levels deep (iterative: the point is not to overflow the stack). */
function deeperThan(value: unknown, max: number): boolean {
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length) {
    const [v, depth] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (depth > max) return true;
    for (const child of Object.values(v)) stack.push([child, depth + 1]);
  }
  return false;
}

const TOO_DEEP = `nested more than ${PRESET_FILE_MAX_DEPTH} levels; a preset file is flat JSON (a list of presets whose values are at most objects of strings)`;

/** Why one preset, as stored in the state dir, is refused; undefined when it is valid. */
export function presetProblem(raw: unknown): string | undefined {
  if (deeperThan(raw, PRESET_FILE_MAX_DEPTH - 2)) return TOO_DEEP;
  const secrets = findSecrets(raw);
  if (secrets.length) return `holds secrets (${secrets.map((s) => `${s.path || '(root)'} ${s.message}`).join('; ')})`;
  const parsed = PresetSchema.safeParse(raw);
  return parsed.success ? undefined : parsed.error.issues.map((i) => `${i.path.map(String).join('.') || '(root)'}: ${i.message}`).join('; ');
}

/** Refuse a value nested deeper than a preset file can be, before anything recursive touches it. */
export function assertShallow(raw: unknown, origin = 'the preset file'): void {
  if (deeperThan(raw, PRESET_FILE_MAX_DEPTH)) {
    throw new PresetError(`${origin} is ${TOO_DEEP}.`, [], 'Check that this is the preset file; the format is in docs/presets.md and docs/preset.schema.json.');
  }
}

/** Parse and validate a preset file's text. Throws PresetError with every problem and its path. */
export function parsePresetFile(text: string, origin = 'the preset file'): PresetFile {
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > PRESET_FILE_MAX_BYTES) {
    throw new PresetError(`${origin} is too large (${bytes} bytes, at most ${PRESET_FILE_MAX_BYTES}); a preset file is a short list of presets.`, [], 'Check that this is the preset file; the format is in docs/presets.md.');
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new PresetError(`${origin} is not valid JSON: ${(err as Error).message}`, [], 'Check the file with a JSON linter; see docs/presets.md for the format.');
  }
  assertShallow(raw, origin);
  const secrets = findSecrets(raw);
  if (secrets.length) {
    throw new PresetError(
      `${origin} holds secrets, and presets must not (they are shared in repositories).`,
      secrets,
      'Refer to credentials instead: "credentials": {"profile": "dev"} or {"roleArn": "…", "fromProfile": "dev"}; keep keys in a local source ("credentials": {"source": "<id>"}).',
    );
  }
  const parsed = PresetFileSchema.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message }));
    throw new PresetError(
      `${origin} is not a valid preset file: ${issues.map((i) => `${i.path || '(root)'}: ${i.message}`).join('; ')}`,
      issues,
      'Fix the fields named above; the format is in docs/presets.md and docs/preset.schema.json.',
    );
  }
  return parsed.data;
}

/**
 * `*` matches any run of characters; every other character (`?`, `.`, `(` …) only itself. The
 * greedy two-pointer algorithm: on a mismatch, only the last `*` is retried one character further,
 * so the cost is at most pattern × value steps, whatever the pattern (a regex would backtrack
 * exponentially on patterns like `*a*a*a*b`, blocking the event loop).
 */
function glob(pattern: string, value: string | undefined): boolean {
  if (value === undefined) return false;
  let p = 0;
  let v = 0;
  let star = -1;
  let resume = 0;
  while (v < value.length) {
    if (p < pattern.length && pattern[p] === '*') {
      star = p++;
      resume = v;
    } else if (p < pattern.length && pattern[p] === value[v]) {
      p++;
      v++;
    } else if (star >= 0) {
      p = star + 1;
      v = ++resume;
    } else {
      return false;
    }
  }
  while (pattern[p] === '*') p++;
  return p === pattern.length;
}

export function matches(preset: Preset, r: ContainerRecord): boolean {
  const m = preset.match;
  if (!m) return false;
  if (m.containerName !== undefined && !glob(m.containerName, r.name)) return false;
  if (m.composeProject !== undefined && !glob(m.composeProject, r.labels['com.docker.compose.project'])) return false;
  if (m.composeService !== undefined && !glob(m.composeService, r.labels['com.docker.compose.service'])) return false;
  if (m.image !== undefined && !glob(m.image, r.image)) return false;
  for (const [k, v] of Object.entries(m.labels ?? {})) if (r.labels[k] !== v) return false;
  return true;
}

/** The credential source spec (for SourceRegistry.resolveSpec) a preset refers to. */
export function credentialsSpec(preset: Preset): string | undefined {
  const c = preset.credentials;
  if (!c) return undefined;
  if ('none' in c) return 'none';
  if ('fake' in c) return 'fake';
  if ('profile' in c) return `profile:${c.profile}`;
  if ('roleArn' in c) return c.fromProfile ? `role-arn:${c.roleArn}?from=profile:${c.fromProfile}` : `role-arn:${c.roleArn}`;
  return `source:${c.source}`;
}

export function taskOverrides(preset: Preset): TaskOverrides | undefined {
  if (!preset.task) return undefined;
  const { enableFaultInjection, ...task } = preset.task;
  return enableFaultInjection === undefined ? task : { ...task, faultInjection: enableFaultInjection };
}

/**
 * The presets in force: a container picks one by label (ecs-endpoints.preset=<name>), else the
 * first whose match rules all hold, in file order.
 */
export class PresetSet {
  private byName: Map<string, Preset>;

  constructor(readonly presets: Preset[]) {
    this.byName = new Map(presets.map((p) => [p.name, p]));
  }

  get(name: string): Preset | undefined {
    return this.byName.get(name);
  }

  for(r: ContainerRecord): Preset | undefined {
    const named = r.labels[PRESET_LABEL];
    if (named) return this.byName.get(named);
    return this.presets.find((p) => matches(p, r));
  }
}
