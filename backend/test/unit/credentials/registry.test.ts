import { readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CredentialBroker, CredentialError, SourceRegistry } from '../../../src/credentials/index.ts';
import { LONG_TERM, tempDir } from './helpers.ts';

function registry(stateDir = tempDir('ecs-state-'), defaultSpec?: string) {
  return { stateDir, reg: new SourceRegistry({ stateDir, ...(defaultSpec ? { defaultSpec } : {}) }) };
}

function errorOf(fn: () => unknown): CredentialError {
  try {
    fn();
  } catch (err) {
    if (err instanceof CredentialError) return err;
    throw err;
  }
  throw new Error('expected a CredentialError');
}

describe('SourceRegistry', () => {
  it('always has the built-ins none, fake and default', () => {
    const { reg } = registry();
    expect(reg.list().map((s) => [s.id, s.type, s.builtIn])).toEqual([
      ['none', 'none', true],
      ['fake', 'fake', true],
      ['default', 'none', true],
    ]);
    for (const v of reg.list()) expect(v.assignedTo).toEqual([]);
  });

  it('persists sources across instances in sources.json with owner-only permissions', () => {
    const { stateDir, reg } = registry();
    const dev = reg.create({ type: 'profile', name: 'Dev account', profile: 'dev' });
    const keys = reg.create({ type: 'static', name: 'My keys', ...LONG_TERM });
    expect(dev.id).toBe('dev-account');
    const file = join(stateDir, 'sources.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const again = new SourceRegistry({ stateDir });
    expect(again.get('dev-account')).toEqual(dev);
    expect(again.get(keys.id)).toEqual(keys);
    expect(again.record(keys.id)).toMatchObject({ kind: 'user', input: { secretAccessKey: LONG_TERM.secretAccessKey } });
  });

  it('never shows a secret in list() or get()', () => {
    const { reg } = registry();
    const v = reg.create({ type: 'static', name: 'Session keys', accessKeyId: 'ASIAEXAMPLE000000001', secretAccessKey: 'very-secret-key', sessionToken: 'very-secret-token' });
    const shown = JSON.stringify([reg.list(), reg.get(v.id)]);
    expect(shown).not.toContain('very-secret-key');
    expect(shown).not.toContain('very-secret-token');
    expect(v.summary).toBe('static ASIA…0001 (session credentials)');
    expect(v.settings).toEqual({ accessKeyId: 'ASIAEXAMPLE000000001', keyType: 'session' });
  });

  it('makes ids unique slugs of the name', () => {
    const { reg } = registry();
    expect(reg.create({ type: 'profile', name: 'Dev', profile: 'a' }).id).toBe('dev');
    expect(reg.create({ type: 'profile', name: 'dev', profile: 'b' }).id).toBe('dev-2');
    expect(reg.create({ type: 'profile', name: 'Fake', profile: 'c' }).id).toBe('fake-2');
    expect(reg.create({ type: 'profile', name: 'Ünïcode  & Co!', profile: 'd' }).id).toBe('unicode-co');
    expect(reg.create({ type: 'profile', name: '!!!', profile: 'e' }).id).toBe('source');
  });

  it('validates input with the contract schema and reports the fields', () => {
    const { reg } = registry();
    const bad = errorOf(() => reg.create({ type: 'assume-role', name: 'x', roleArn: 'not-an-arn', baseSourceId: 'fake' }));
    expect(bad.code).toBe('InvalidSource');
    expect(bad.issues?.map((i) => i.path)).toContain('roleArn');
    expect(errorOf(() => reg.create({ type: 'static', name: 'No secret', accessKeyId: LONG_TERM.accessKeyId })).issues?.[0]?.path).toBe('secretAccessKey');
    expect(errorOf(() => reg.create({ type: 'assume-role', name: 'x', roleName: 'r', baseSourceId: 'missing' })).message).toMatch(/no source "missing"/);
    expect(errorOf(() => reg.create({ type: 'assume-role', name: 'x', roleName: 'r', baseSourceId: 'none' })).message).toMatch(/serves no credentials/);
    expect(reg.list()).toHaveLength(3);
  });

  it('refuses a chain of base sources that loops', () => {
    const { reg } = registry();
    const a = reg.create({ type: 'assume-role', name: 'A', roleName: 'a', baseSourceId: 'fake' });
    const b = reg.create({ type: 'assume-role', name: 'B', roleName: 'b', baseSourceId: a.id });
    const err = errorOf(() => reg.update(a.id, { type: 'assume-role', name: 'A', roleName: 'a', baseSourceId: b.id }));
    expect(err.code).toBe('InvalidSource');
    expect(err.message).toMatch(/leads back/);
  });

  it('lists, and the broker refuses, a loop written into sources.json by hand', async () => {
    const stateDir = tempDir('ecs-state-');
    const loop = (id: string, base: string) => ({ id, type: 'assume-role', name: id, roleName: 'r', baseSourceId: base });
    writeFileSync(join(stateDir, 'sources.json'), JSON.stringify({ version: 1, sources: [loop('a', 'b'), loop('b', 'a')] }));
    const reg = new SourceRegistry({ stateDir });
    expect(reg.list().map((s) => s.summary)).toContain('assume role r in the base account from b');
    const broker = new CredentialBroker({ registry: reg, region: 'us-east-1', awsConfigDir: tempDir(), timeoutMs: 1000 });
    await expect(broker.get('a')).rejects.toMatchObject({ code: 'InvalidSource', message: expect.stringContaining('loops back') });
  });

  it('keeps the stored secret when a static source is edited without one', () => {
    const { reg } = registry();
    const v = reg.create({ type: 'static', name: 'Keys', ...LONG_TERM });
    reg.update(v.id, { type: 'static', name: 'Renamed keys', accessKeyId: LONG_TERM.accessKeyId });
    expect(reg.get(v.id)!.name).toBe('Renamed keys');
    expect(reg.record(v.id)).toMatchObject({ input: { secretAccessKey: LONG_TERM.secretAccessKey } });
    // A different key id without its secret is refused.
    expect(errorOf(() => reg.update(v.id, { type: 'static', name: 'Keys', accessKeyId: 'AKIAOTHERKEY00000001' })).code).toBe('InvalidSource');
    // A new secret replaces the old one.
    reg.update(v.id, { type: 'static', name: 'Keys', accessKeyId: 'AKIAOTHERKEY00000001', secretAccessKey: 'new-secret' });
    expect(reg.record(v.id)).toMatchObject({ input: { accessKeyId: 'AKIAOTHERKEY00000001', secretAccessKey: 'new-secret' } });
  });

  it('protects built-in and derived sources', () => {
    const { reg } = registry();
    for (const id of ['none', 'fake', 'default', reg.resolveSpec('profile:dev')]) {
      expect(errorOf(() => reg.delete(id)).code).toBe('BuiltInSource');
      expect(errorOf(() => reg.update(id, { type: 'none', name: 'x' })).code).toBe('BuiltInSource');
    }
    expect(errorOf(() => reg.delete('missing')).code).toBe('SourceNotFound');
  });

  it('refuses to delete a source another source uses as its base, or the default', () => {
    const { stateDir, reg } = registry();
    const base = reg.create({ type: 'profile', name: 'Base', profile: 'base' });
    const role = reg.create({ type: 'assume-role', name: 'Role', roleArn: 'arn:aws:iam::111122223333:role/r', baseSourceId: base.id });
    const err = errorOf(() => reg.delete(base.id));
    expect(err.code).toBe('SourceInUse');
    expect(err.message).toContain('"Role"');
    expect(err.remedy).toBeTruthy();
    expect(reg.dependents(base.id)).toEqual([role.id]);
    reg.delete(role.id);
    reg.delete(base.id);
    expect(reg.get(base.id)).toBeUndefined();

    const keep = reg.create({ type: 'profile', name: 'Keep', profile: 'keep' });
    const withDefault = new SourceRegistry({ stateDir, defaultSpec: `source:${keep.id}` });
    expect(errorOf(() => withDefault.delete(keep.id)).code).toBe('SourceInUse');
    expect(withDefault.dependents(keep.id)).toEqual(['default']);
  });

  it('keeps a corrupt sources.json aside, reports it and starts empty', () => {
    const stateDir = tempDir('ecs-state-');
    writeFileSync(join(stateDir, 'sources.json'), '{"version": 1, "sources": [ {"id": "x"');
    const reg = new SourceRegistry({ stateDir });
    expect(reg.problem).toMatchObject({ file: join(stateDir, 'sources.json'), reason: expect.stringContaining('not valid JSON') });
    expect(readFileSync(reg.problem!.keptAs!, 'utf8')).toContain('"id": "x"');
    expect(reg.list()).toHaveLength(3);
    reg.create({ type: 'profile', name: 'After', profile: 'p' });
    expect(readdirSync(stateDir).filter((f) => f.startsWith('sources.json.corrupt-'))).toHaveLength(1);

    // A file whose frame does not validate is kept aside too.
    const other = tempDir('ecs-state-');
    writeFileSync(join(other, 'sources.json'), JSON.stringify({ version: 2, sources: [] }));
    expect(new SourceRegistry({ stateDir: other }).problem).toMatchObject({ reason: expect.stringMatching(/^version/), keptAs: expect.stringContaining('sources.json.corrupt-') });
  });

  it('loads the valid sources of a file with bad entries, and moves only the bad ones to an owner-only side file', () => {
    const stateDir = tempDir('ecs-state-');
    const path = join(stateDir, 'sources.json');
    const good = { id: 'dev', type: 'profile', name: 'Dev', profile: 'dev' };
    const keys = { id: 'keys', type: 'static', name: 'Keys', ...LONG_TERM };
    const noSecret = { id: 'k', type: 'static', name: 'k', accessKeyId: LONG_TERM.accessKeyId };
    const twin = { ...keys, name: 'Keys again' };
    writeFileSync(path, JSON.stringify({ version: 1, sources: [good, noSecret, keys, 'nonsense', twin] }));
    const reg = new SourceRegistry({ stateDir });
    expect(reg.list().map((s) => s.id)).toEqual(['none', 'fake', 'default', 'dev', 'keys']);
    expect(reg.record('keys')).toMatchObject({ input: { secretAccessKey: LONG_TERM.secretAccessKey, name: 'Keys' } });
    const p = reg.problem!;
    expect(p.reason).toMatch(/^3 entries are invalid: entry 1 \("k"\): .*secretAccessKey.*; entry 3: .*; entry 4 \("keys"\): repeats id "keys" of an earlier entry$/);
    expect(p.message).toContain('the others loaded');
    expect(p.keptAs).toMatch(/\/sources\.rejected-[^/]+\.json$/);
    expect(statSync(p.keptAs!).mode & 0o777).toBe(0o600);
    const side = JSON.parse(readFileSync(p.keptAs!, 'utf8'));
    expect(side.rejected.map((r: { index: number; entry: unknown }) => [r.index, r.entry])).toEqual([[1, noSecret], [3, 'nonsense'], [4, twin]]);
    // sources.json now holds the valid entries only; the next start is clean.
    expect(JSON.parse(readFileSync(path, 'utf8')).sources).toEqual([good, keys]);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const again = new SourceRegistry({ stateDir });
    expect(again.problem).toBeUndefined();
    expect(again.list().map((s) => s.id)).toContain('keys');
    expect(readdirSync(stateDir).filter((f) => f.startsWith('sources.rejected-'))).toHaveLength(1);
  });

  it('resolves specs', () => {
    const { reg } = registry();
    const mine = reg.create({ type: 'profile', name: 'Mine', profile: 'mine' });
    expect(reg.resolveSpec('none')).toBe('none');
    expect(reg.resolveSpec('fake')).toBe('fake');
    expect(reg.resolveSpec(`source:${mine.id}`)).toBe(mine.id);
    expect(reg.resolveSpec('profile:dev')).toBe('profile:dev');
    expect(reg.resolveSpec('role-arn:arn:aws:iam::111122223333:role/path/r')).toBe('role-arn:arn:aws:iam::111122223333:role/path/r');
    expect(errorOf(() => reg.resolveSpec('source:missing')).code).toBe('SourceNotFound');
    expect(errorOf(() => reg.resolveSpec('role-arn:nope')).code).toBe('InvalidSource');
    expect(errorOf(() => reg.resolveSpec('bogus')).remedy).toMatch(/profile:<name>/);
    // Resolving changes nothing: derived sources are listed when the caller says they are in use, read-only.
    expect(reg.list().map((s) => s.id)).toEqual(['none', 'fake', 'default', mine.id]);
    expect(reg.get('profile:dev')).toMatchObject({ type: 'profile', builtIn: true, summary: 'profile dev' });
    const inUse = ['profile:dev', 'role-arn:arn:aws:iam::111122223333:role/path/r', mine.id, 'source-that-is-gone'];
    expect(reg.list(inUse).map((s) => s.id)).toEqual(['none', 'fake', 'default', mine.id, 'profile:dev', 'role-arn:arn:aws:iam::111122223333:role/path/r']);
  });

  it('derives the default source from ECS_ENDPOINTS_DEFAULT_SOURCE', () => {
    expect(registry(undefined, 'profile:dev').reg.get('default')).toMatchObject({ type: 'profile', summary: 'profile:dev: profile dev' });
    expect(registry(undefined, 'profile:dev').reg.list().map((s) => s.id)).toContain('profile:dev');
    expect(registry(undefined, 'role-arn:arn:aws:iam::111122223333:role/r').reg.record('default')).toMatchObject({ kind: 'alias', target: 'role-arn:arn:aws:iam::111122223333:role/r' });
    const dangling = registry(undefined, 'source:later').reg.get('default');
    expect(dangling!.summary).toMatch(/does not exist/);
    expect(() => registry(undefined, 'nonsense')).toThrow(/ECS_ENDPOINTS_DEFAULT_SOURCE/);
  });
});
