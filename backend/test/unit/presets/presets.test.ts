import { readFileSync, readdirSync, statSync } from 'node:fs';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { PRESET_FILE_MAX_BYTES, PresetError, PresetSet, credentialsSpec, matches, parsePresetFile } from '../../../src/presets/presets.ts';
import { presetJsonSchema } from '../../../src/presets/schema.ts';
import { PresetStore } from '../../../src/presets/store.ts';
import { SourceRegistry } from '../../../src/credentials/registry.ts';
import type { ContainerRecord } from '../../../src/tasks/types.ts';

const example = readFileSync(new URL('../../../../examples/ecs-endpoints.presets.json', import.meta.url), 'utf8');

function rec(p: Partial<ContainerRecord>): ContainerRecord {
  return {
    id: 'x'.repeat(64), name: 'c', image: 'img', imageId: '', created: '', state: 'running', restartCount: 0, restartPolicy: 'no',
    labels: {}, env: {}, networkMode: 'bridge', networks: [], ports: [], mounts: [], logDriver: '', logOptions: {}, cpuShares: 0, nanoCpus: 0, memoryBytes: 0, ...p,
  };
}

function rejects(text: string): PresetError {
  try {
    parsePresetFile(text);
  } catch (err) {
    expect(err).toBeInstanceOf(PresetError);
    return err as PresetError;
  }
  throw new Error('expected the preset file to be rejected');
}

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('preset files', () => {
  it('accepts the example and maps credentials to source specs', () => {
    const f = parsePresetFile(example);
    expect(f.presets.map((p) => p.name)).toEqual(['orders', 'offline']);
    expect(credentialsSpec(f.presets[0]!)).toBe('role-arn:arn:aws:iam::123456789012:role/orders-task?from=profile:dev');
    expect(credentialsSpec(f.presets[1]!)).toBe('fake');
  });

  it.each([
    ['an access key id', { version: 1, presets: [{ name: 'a', description: 'key AKIAABCDEFGHIJKLMNOP' }] }, 'presets.0.description'],
    ['a secret field', { version: 1, presets: [{ name: 'a', credentials: { profile: 'dev', secretAccessKey: 'x' } }] }, 'presets.0.credentials.secretAccessKey'],
    ['a session token field', { version: 1, presets: [{ name: 'a', sessionToken: 'x' }] }, 'presets.0.sessionToken'],
  ])('refuses %s, naming where it is', (_what, doc, path) => {
    const e = rejects(JSON.stringify(doc));
    expect(e.message).toMatch(/secrets/);
    expect(e.issues.map((i) => i.path)).toContain(path);
    expect(e.remedy).toMatch(/profile/);
  });

  it('reports schema problems with their paths, and bad JSON', () => {
    const e = rejects(JSON.stringify({ version: 2, presets: [{ name: 'bad name!', match: {}, credentials: { profile: 'dev', roleArn: 'nope' } }] }));
    const paths = e.issues.map((i) => i.path);
    expect(paths).toContain('version');
    expect(paths).toContain('presets.0.name');
    expect(paths).toContain('presets.0.match');
    expect(paths.some((p) => p.startsWith('presets.0.credentials'))).toBe(true);
    expect(e.issues.find((i) => i.path === 'presets.0.credentials')?.message).toMatch(/must be one of .*"profile"/);
    expect(rejects('{"version":1,').message).toMatch(/not valid JSON/);
    expect(rejects(JSON.stringify({ version: 1, presets: [{ name: 'a' }, { name: 'a' }] })).message).toMatch(/unique/);
  });

  it('matches by label first, then by the first preset whose rules all hold', () => {
    const set = new PresetSet(parsePresetFile(example).presets);
    expect(set.for(rec({ labels: { 'com.docker.compose.service': 'orders' } }))?.name).toBe('orders');
    expect(set.for(rec({ image: 'local-dev/payments:1' }))?.name).toBe('offline');
    expect(set.for(rec({ image: 'local-dev/payments:1', labels: { 'ecs-endpoints.preset': 'orders' } }))?.name).toBe('orders');
    expect(set.for(rec({ image: 'prod/payments:1' }))).toBeUndefined();
    expect(set.for(rec({ labels: { 'ecs-endpoints.preset': 'missing' } }))).toBeUndefined();
  });

  it('refuses a file nested deeper than a preset file can be, before the checks that recurse', () => {
    const deep = (n: number) => '['.repeat(n) + ']'.repeat(n);
    for (const text of [deep(2500), `{"version":1,"presets":[{"name":"a","description":${deep(2500)}}]}`, `{"version":1,"presets":[{"name":"a","match":{"labels":{"k":${'{"k":'.repeat(2500)}1${'}'.repeat(2500)}}}}]}`]) {
      const e = rejects(text);
      expect(e.message).toMatch(/^the preset file is nested more than 10 levels; a preset file is flat JSON/);
      expect(e.remedy).toMatch(/docs\/presets\.md/);
    }
    // The deepest legitimate value (task tags) is well within the limit.
    expect(parsePresetFile(JSON.stringify({ version: 1, presets: [{ name: 'a', task: { tags: { team: 'x' } } }] })).presets).toHaveLength(1);
  });

  it('refuses a file larger than the size limit before parsing it', () => {
    const big = JSON.stringify({ version: 1, presets: [{ name: 'a', description: 'x'.repeat(PRESET_FILE_MAX_BYTES) }] });
    expect(rejects(big).message).toMatch(/^the preset file is too large \(\d+ bytes, at most 1048576\)/);
  });

  it('resolves a role assumed from a profile to a derived source the broker understands', () => {
    const dir = mkdtempSync(join(tmpdir(), 'presets-reg-'));
    dirs.push(dir);
    const reg = new SourceRegistry({ stateDir: dir });
    const id = reg.resolveSpec('role-arn:arn:aws:iam::123456789012:role/orders-task?from=profile:dev');
    const r = reg.record(id);
    expect(r).toMatchObject({ kind: 'derived', input: { type: 'assume-role', roleArn: 'arn:aws:iam::123456789012:role/orders-task', baseSourceId: 'profile:dev' } });
    expect(() => reg.resolveSpec('role-arn:arn:aws:iam::123456789012:role/x?from=none')).toThrow(/cannot be assumed/);
  });

  it('publishes a JSON Schema that is generated from the code (npm run schema)', () => {
    const committed = JSON.parse(readFileSync(new URL('../../../../docs/preset.schema.json', import.meta.url), 'utf8'));
    expect(committed).toEqual(JSON.parse(JSON.stringify(presetJsonSchema())));
    expect(committed.properties.presets.items.additionalProperties).toBe(false);
  });
});

describe('match patterns', () => {
  const byName = (pattern: string, name: string) => matches({ name: 'p', match: { containerName: pattern } }, rec({ name }));

  it.each([
    ['web-*', 'web-1', true],
    ['web-*', 'api-web-1', false],
    ['*', '', true],
    ['**', 'x', true],
    ['web', 'web', true],
    ['web', 'web-1', false],
    ['eb', 'web', false],
    ['*web', 'web', true],
    ['web*', 'web', true],
    ['a*b*c', 'aXXbYYc', true],
    ['a*b*c', 'abc', true],
    ['a*b*c', 'acb', false],
    ['*ab', 'aab', true],
    ['*a*b', 'xaxbxb', true],
    ['*a*b', 'xaxbxbx', false],
    // Only * is special: ? and regex metacharacters match themselves.
    ['web?', 'web1', false],
    ['web?', 'web?', true],
    ['web.1', 'webx1', false],
    ['web.1', 'web.1', true],
    ['a+', 'aa', false],
    ['a+', 'a+', true],
    ['(x)|y', 'y', false],
    ['(x)|y', '(x)|y', true],
    ['[ab]', 'a', false],
    ['^a$', '^a$', true],
    ['my-org/orders:*', 'my-org/orders:1.2', true],
  ])('%s against %s: %s', (pattern, name, expected) => {
    expect(byName(pattern, name)).toBe(expected);
  });

  it('takes pattern × name steps at most, even for patterns a regex backtracks on exponentially', () => {
    const stars = '*a'.repeat(200) + '*b';
    expect(byName(stars, 'a'.repeat(1000))).toBe(false);
    expect(byName(stars, 'a'.repeat(999) + 'b')).toBe(true);
    expect(byName('*a'.repeat(16) + '*b', 'a'.repeat(32))).toBe(false);
    expect(byName('*' + 'a*'.repeat(500), 'a'.repeat(499))).toBe(false);
  }, 10_000);
});

describe('PresetStore', () => {
  it('keeps the last good version of the repository file when an edit breaks it, and reloads good edits', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'presets-store-'));
    dirs.push(dir);
    const file = join(dir, 'ecs-endpoints.presets.json');
    writeFileSync(file, example);
    const store = new PresetStore(join(dir, 'state'), file);
    try {
      expect(store.state().presets.map((p) => [p.name, p.origin])).toEqual([['orders', 'file'], ['offline', 'file']]);
      const changed = () => new Promise<void>((r) => store.once('change', () => r()));
      let next = changed();
      writeFileSync(file, '{"version":1,"presets":[{"name":"x","credentials":{"profile":"dev","token":"abc"}}]}');
      await next;
      expect(store.state().file?.error).toMatch(/secrets/);
      expect(store.state().presets.map((p) => p.name)).toEqual(['orders', 'offline']);
      next = changed();
      writeFileSync(file, JSON.stringify({ version: 1, presets: [{ name: 'only', match: { containerName: 'web*' }, credentials: { fake: true } }] }));
      await next;
      expect(store.state().file?.error).toBeUndefined();
      expect(store.current.for(rec({ name: 'web-1' }))?.name).toBe('only');
    } finally {
      store.close();
    }
  });

  it('persists imported presets, refuses a bad import without losing the good ones, and exports all', () => {
    const dir = mkdtempSync(join(tmpdir(), 'presets-import-'));
    dirs.push(dir);
    const store = new PresetStore(dir);
    store.import(example);
    expect(() => store.import('{"version":1,"presets":[{"name":"k","description":"AKIAABCDEFGHIJKLMNOP"}]}')).toThrow(PresetError);
    const again = new PresetStore(dir);
    expect(again.state().presets.map((p) => [p.name, p.origin])).toEqual([['orders', 'imported'], ['offline', 'imported']]);
    expect(parsePresetFile(JSON.stringify(again.export())).presets).toHaveLength(2);
  });

  it('moves invalid imported presets to a side file at start, before an import can overwrite them; the valid ones stay', () => {
    const dir = mkdtempSync(join(tmpdir(), 'presets-stored-'));
    dirs.push(dir);
    const good = { name: 'good', match: { containerName: 'web*' }, credentials: { fake: true } };
    const badName = { name: 'bad name!', credentials: { fake: true } };
    const leaky = { name: 'leaky', description: 'key AKIAABCDEFGHIJKLMNOP' };
    const deep = { name: 'deep', description: JSON.parse('['.repeat(3000) + ']'.repeat(3000)) };
    writeFileSync(join(dir, 'presets.json'), JSON.stringify({ version: 1, presets: [badName, good, leaky, deep, good] }));
    const store = new PresetStore(dir);
    expect(store.state().presets.map((p) => p.name)).toEqual(['good']);
    const p = store.problem!;
    expect(p.reason).toMatch(/^4 entries are invalid: entry 0 \("bad name!"\): name: .*; entry 2 \("leaky"\): holds secrets .*; entry 3 \("deep"\): nested more than .*; entry 4 \("good"\): repeats name "good"/);
    expect(p.keptAs).toMatch(/\/presets\.rejected-[^/]+\.json$/);
    expect(statSync(p.keptAs!).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(p.keptAs!, 'utf8')).rejected.map((r: { index: number }) => r.index)).toEqual([0, 2, 3, 4]);
    store.import(example);
    expect(JSON.parse(readFileSync(p.keptAs!, 'utf8')).rejected[0].entry).toEqual(badName);
    expect(new PresetStore(dir).problem).toBeUndefined();
  });

  it('keeps aside a stored presets.json whose frame is wrong, so an import does not overwrite it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'presets-stored-'));
    dirs.push(dir);
    const text = JSON.stringify({ version: 2, presets: [{ name: 'future' }] });
    writeFileSync(join(dir, 'presets.json'), text);
    const store = new PresetStore(dir);
    expect(store.problem).toMatchObject({ reason: expect.stringMatching(/^version/), keptAs: expect.stringContaining('presets.json.corrupt-') });
    store.import(example);
    expect(readFileSync(store.problem!.keptAs!, 'utf8')).toBe(text);
    expect(readdirSync(dir).sort()).toEqual(['presets.json', expect.stringMatching(/^presets\.json\.corrupt-/)]);
  });

  it('refuses an import nested too deep (PresetError, a 400 for the API) and keeps what it had', () => {
    const dir = mkdtempSync(join(tmpdir(), 'presets-deep-'));
    dirs.push(dir);
    const store = new PresetStore(dir);
    store.import(example);
    const deep = `{"version":1,"presets":[{"name":"a","task":{"tags":${'{"a":'.repeat(2000)}"x"${'}'.repeat(2000)}}}]}`;
    expect(() => store.import(deep)).toThrow(PresetError);
    expect(() => store.import(deep)).toThrow(/nested more than 10 levels/);
    expect(store.state().presets.map((p) => p.name)).toEqual(['orders', 'offline']);
  });
});
