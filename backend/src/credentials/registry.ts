import { join } from 'node:path';
import { z } from 'zod/v4';
import { BUILTIN_SOURCE_IDS, SourceInputSchema, type SourceInput, type SourceView } from '@ecs-endpoints/contract';
import { JsonFile, describeIssues, listEntries, type StateProblem } from '../state/json-file.ts';
import { DEFAULT_CHAIN_ID, DEFAULT_SOURCE_ID, SPEC_HELP, derivedSource, isDerivedId, parseSpec } from './source-specs.ts';
import { aliasView, inputView } from './source-views.ts';
import { CredentialError } from './types.ts';

// Defined with the specs that name them; exported here too, for the registry's users.
export { DEFAULT_CHAIN_ID, DEFAULT_SOURCE_ID } from './source-specs.ts';

const RESERVED_IDS = new Set<string>([BUILTIN_SOURCE_IDS.none, BUILTIN_SOURCE_IDS.fake, DEFAULT_SOURCE_ID]);

/** A source as stored in sources.json: the user's input plus its id. Static sources hold their secret here, and only here. */
export type StoredSource = SourceInput & { id: string };

const StoredSourceSchema = z
  .intersection(z.object({ id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/) }), SourceInputSchema)
  .refine((s) => s.type !== 'static' || Boolean(s.secretAccessKey), 'a static source needs its secretAccessKey');

const SourcesDocSchema = z.object({
  version: z.literal(1),
  sources: z.array(StoredSourceSchema),
});
type SourcesDoc = z.infer<typeof SourcesDocSchema>;

/** Everything the broker needs to know about a source id. Holds secrets: never send it to the API. */
export type SourceRecord =
  | { id: string; kind: 'builtin' | 'user' | 'derived'; input: SourceInput }
  | { id: string; kind: 'alias'; spec: string; target: string }
  | { id: string; kind: 'default-chain' };

export interface SourceRegistryOptions {
  stateDir: string;
  /** ECS_ENDPOINTS_DEFAULT_SOURCE: none, fake, profile:<name>, role-arn:<arn>, source:<id>. Default none. */
  defaultSpec?: string;
}

function slug(name: string): string {
  const s = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 48)
    .replace(/-+$/g, '');
  return s || 'source';
}

function invalid(err: z.ZodError): CredentialError {
  const issues = err.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
  return new CredentialError(
    'InvalidSource',
    `The source is not valid: ${issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; ')}`,
    'Correct the fields named and save again.',
    { issues },
  );
}

/**
 * The credential sources: built-ins (`none`, `fake`), the `default` alias that follows
 * ECS_ENDPOINTS_DEFAULT_SOURCE, sources derived from specs (`profile:dev`, `role-arn:…`), and the
 * user's own, persisted in `<stateDir>/sources.json` (mode 0600, the only place secrets are kept).
 */
export class SourceRegistry {
  readonly defaultSpec: string;
  private readonly defaultTarget: string;
  private readonly file: JsonFile<SourcesDoc>;

  constructor(opts: SourceRegistryOptions) {
    const path = join(opts.stateDir, 'sources.json');
    // Entry by entry: one bad source is put aside alone, the others stay usable.
    const entries = listEntries(SourcesDocSchema, 'sources', (s) => {
      const parsed = StoredSourceSchema.safeParse(s);
      return parsed.success ? undefined : describeIssues(parsed.error.issues);
    }, 'id');
    // Owner-only (JsonFile also tightens a looser file it reads): static sources hold secrets.
    this.file = new JsonFile(path, SourcesDocSchema, () => ({ version: 1 as const, sources: [] }), { mode: 0o600, entries });
    this.defaultSpec = (opts.defaultSpec ?? 'none').trim() || 'none';
    try {
      this.defaultTarget = parseSpec(this.defaultSpec);
    } catch (err) {
      const e = err as CredentialError;
      throw new CredentialError(e.code, `ECS_ENDPOINTS_DEFAULT_SOURCE: ${e.message}`, e.remedy);
    }
    if (this.defaultTarget === DEFAULT_SOURCE_ID) {
      throw new CredentialError('InvalidSource', 'ECS_ENDPOINTS_DEFAULT_SOURCE cannot refer to the default source itself.', SPEC_HELP);
    }
  }

  /** Changes (a new object) with every change to the sources: what was resolved before may be stale. */
  revision(): object {
    return this.file.get();
  }

  /** sources.json (or some of its entries) kept aside at start, or a change that could not be saved. */
  get problem(): StateProblem | undefined {
    return this.file.problem;
  }

  get problems(): StateProblem[] {
    return this.file.problems;
  }

  /** The id the `default` source currently stands for (it may not exist for `source:<id>`). */
  get defaultTargetId(): string {
    return this.defaultTarget;
  }

  /**
   * Every source a person can choose or see, without secrets: the stored ones, and the derived
   * ones (`profile:dev`, `role-arn:…`) among `inUse` (what presets and containers use) and the
   * default's target. `assignedTo` is left empty for the caller to fill.
   */
  list(inUse: Iterable<string> = []): SourceView[] {
    const ids = [
      BUILTIN_SOURCE_IDS.none,
      BUILTIN_SOURCE_IDS.fake,
      DEFAULT_SOURCE_ID,
      ...this.file.get().sources.map((s) => s.id),
      ...[...new Set([...inUse, this.defaultTarget])].filter((id) => this.record(id)?.kind === 'derived').sort(),
    ];
    return ids.map((id) => this.get(id)).filter((v): v is SourceView => v !== undefined);
  }

  /** One source as the API shows it, or undefined. */
  get(id: string): SourceView | undefined {
    const r = this.record(id);
    if (!r || r.kind === 'default-chain') return undefined;
    if (r.kind === 'alias') return aliasView(r, (id) => this.record(id));
    return inputView(r.id, r.input, r.kind, (id) => this.record(id));
  }

  /** Everything about a source id, secrets included: for the broker only. */
  record(id: string): SourceRecord | undefined {
    if (id === BUILTIN_SOURCE_IDS.none) return { id, kind: 'builtin', input: { type: 'none', name: 'None' } };
    if (id === BUILTIN_SOURCE_IDS.fake) return { id, kind: 'builtin', input: { type: 'fake', name: 'Fake' } };
    if (id === DEFAULT_SOURCE_ID) return { id, kind: 'alias', spec: this.defaultSpec, target: this.defaultTarget };
    if (id === DEFAULT_CHAIN_ID) return { id, kind: 'default-chain' };
    if (isDerivedId(id)) return derivedSource(id);
    const stored = this.file.get().sources.find((s) => s.id === id);
    if (!stored) return undefined;
    const { id: _id, ...input } = stored;
    return { id, kind: 'user', input };
  }

  /** Create a user source. The id is a slug of the name, made unique. */
  create(input: unknown): SourceView {
    const parsed = SourceInputSchema.safeParse(input);
    if (!parsed.success) throw invalid(parsed.error);
    const value = parsed.data;
    if (value.type === 'static' && !value.secretAccessKey) {
      throw new CredentialError('InvalidSource', 'A static source needs its secret access key.', 'Enter the secret access key that belongs to the access key id.', {
        issues: [{ path: 'secretAccessKey', message: 'Enter the secret access key.' }],
      });
    }
    const id = this.uniqueId(slug(value.name));
    this.checkBase(id, value);
    const stored = { ...value, id } as StoredSource;
    this.file.update((doc) => ({ ...doc, sources: [...doc.sources, stored] }));
    return this.get(id)!;
  }

  /** Replace a user source's settings (its id stays). A static source edited without a secret keeps the stored one. */
  update(id: string, input: unknown): SourceView {
    const current = this.editable(id, 'edit');
    const parsed = SourceInputSchema.safeParse(input);
    if (!parsed.success) throw invalid(parsed.error);
    let value = parsed.data;
    if (value.type === 'static' && !value.secretAccessKey) {
      const prev = current.input;
      if (prev.type !== 'static' || prev.accessKeyId !== value.accessKeyId || !prev.secretAccessKey) {
        throw new CredentialError('InvalidSource', 'A new access key id needs its secret access key.', 'Enter the secret access key that belongs to the access key id.', {
          issues: [{ path: 'secretAccessKey', message: 'Enter the secret access key.' }],
        });
      }
      value = { ...value, secretAccessKey: prev.secretAccessKey, ...(prev.sessionToken ? { sessionToken: prev.sessionToken } : {}) };
    }
    this.checkBase(id, value);
    const stored = { ...value, id } as StoredSource;
    this.file.update((doc) => ({ ...doc, sources: doc.sources.map((s) => (s.id === id ? stored : s)) }));
    return this.get(id)!;
  }

  /** Delete a user source, unless another source (or the default) uses it. */
  delete(id: string): void {
    this.editable(id, 'delete');
    const users = this.file.get().sources.filter((s) => s.type === 'assume-role' && s.baseSourceId === id);
    if (users.length) {
      throw new CredentialError(
        'SourceInUse',
        `Source "${id}" is the base of ${users.map((s) => `"${s.name}"`).join(', ')}.`,
        'Change or delete the sources that assume roles with it first.',
      );
    }
    if (this.defaultTarget === id) {
      throw new CredentialError(
        'SourceInUse',
        `Source "${id}" is the default source (ECS_ENDPOINTS_DEFAULT_SOURCE=${this.defaultSpec}).`,
        'Change ECS_ENDPOINTS_DEFAULT_SOURCE and restart the backend first.',
      );
    }
    this.file.update((doc) => ({ ...doc, sources: doc.sources.filter((s) => s.id !== id) }));
  }

  /**
   * The source id for a spec (as used by ECS_ENDPOINTS_DEFAULT_SOURCE and presets): `none`, `fake`,
   * `default`, `profile:<name>`, `role-arn:<arn>` (assumed from the backend's default credential chain)
   * or `source:<id>`. Throws CredentialError InvalidSource / SourceNotFound. Changes nothing.
   */
  resolveSpec(spec: string): string {
    return parseSpec(spec, (id) => this.get(id) !== undefined);
  }

  /**
   * A spec a role can be assumed from: `default` followed to its target, stored sources as
   * `source:<id>`; `fake` and `none` as they are (they serve no real credentials to assume from).
   * Throws CredentialError InvalidSource / SourceNotFound.
   */
  baseSpec(spec: string): string {
    let id = this.resolveSpec(spec);
    if (id === DEFAULT_SOURCE_ID) id = this.defaultTarget;
    if (id === BUILTIN_SOURCE_IDS.none || id === BUILTIN_SOURCE_IDS.fake || isDerivedId(id)) return id;
    if (id === DEFAULT_CHAIN_ID) {
      throw new CredentialError('InvalidSource', 'The default source is the backend\'s own credential chain, which a task role cannot be assumed from here.', 'Choose a profile or a source as the base.');
    }
    return `source:${id}`;
  }

  /** Ids whose credentials depend on `id`: sources using it as base (transitively) and `default` if it points there. */
  dependents(id: string): string[] {
    const out = new Set<string>();
    const visit = (target: string) => {
      for (const s of this.file.get().sources) {
        if (s.type === 'assume-role' && s.baseSourceId === target && !out.has(s.id)) {
          out.add(s.id);
          visit(s.id);
        }
      }
      if (this.defaultTarget === target) out.add(DEFAULT_SOURCE_ID);
    };
    visit(id);
    out.delete(id);
    return [...out];
  }

  /** The AWS profiles behind some sources: their own, or their bases' (aliases and assume-role followed). */
  profilesBehind(ids: Iterable<string>): string[] {
    const out = new Set<string>();
    for (const start of ids) {
      let id: string | undefined = start;
      for (let hops = 0; id !== undefined && hops < 20; hops++) {
        const r = this.record(id);
        if (r?.kind === 'alias') {
          id = r.target;
          continue;
        }
        if (!r || !('input' in r)) break;
        if (r.input.type === 'profile') out.add(r.input.profile);
        id = r.input.type === 'assume-role' ? r.input.baseSourceId : undefined;
      }
    }
    return [...out];
  }

  private editable(id: string, what: 'edit' | 'delete'): { id: string; kind: 'user'; input: SourceInput } {
    const r = this.record(id);
    if (!r) throw new CredentialError('SourceNotFound', `There is no source "${id}".`, 'Reload the list of sources; it may have been deleted.');
    if (r.kind !== 'user') {
      throw new CredentialError(
        'BuiltInSource',
        `Source "${id}" is built in and cannot be ${what === 'edit' ? 'edited' : 'deleted'}.`,
        what === 'edit' ? 'Create a source of your own with the settings you want.' : 'Nothing to do: built-in sources always exist.',
      );
    }
    return { id: r.id, kind: 'user', input: r.input };
  }

  private uniqueId(base: string): string {
    const taken = (id: string) => RESERVED_IDS.has(id) || this.file.get().sources.some((s) => s.id === id);
    if (!taken(base)) return base;
    for (let n = 2; ; n++) {
      const id = `${base.slice(0, 44)}-${n}`;
      if (!taken(id)) return id;
    }
  }

  /** An assume-role source's base must exist, serve credentials and not lead back to the source. */
  private checkBase(id: string, value: SourceInput): void {
    if (value.type !== 'assume-role') return;
    const issue = (message: string, remedy: string) =>
      new CredentialError('InvalidSource', message, remedy, { issues: [{ path: 'baseSourceId', message }] });
    let current: string = value.baseSourceId;
    for (let depth = 0; depth < 20; depth++) {
      if (current === id) throw issue('The base source leads back to this source.', 'Choose a base source that does not assume a role with this one.');
      const r = this.record(current);
      if (!r) throw issue(`There is no source "${current}".`, 'Choose an existing base source.');
      if (r.kind === 'alias') {
        current = r.target;
        continue;
      }
      if (r.kind === 'default-chain') return;
      if (r.input.type === 'none') {
        throw issue(`Source "${current}" serves no credentials, so it cannot assume a role.`, 'Choose a base source that has credentials (a profile, static keys or another role).');
      }
      if (r.input.type !== 'assume-role') return;
      current = r.input.baseSourceId;
    }
    throw issue('The chain of base sources is too long.', 'Choose a base source closer to real credentials.');
  }
}
