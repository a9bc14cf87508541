import * as fs from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod/v4';
import { Assignments } from '../../../src/state/assignments.ts';
import { PersistentIds } from '../../../src/state/ids.ts';
import { JsonFile, type StateProblem } from '../../../src/state/json-file.ts';
import { SourceRegistry } from '../../../src/credentials/registry.ts';
import { PresetStore } from '../../../src/presets/store.ts';
import { LONG_TERM, tempDir } from '../credentials/helpers.ts';

// The tests run as root, which reads and renames files whatever their mode. A non-root backend
// facing a mode-000 file, or a root-owned file in a root-owned dir (after one `sudo npm start`),
// gets EACCES: that is simulated by failing these node:fs calls on the paths listed here.
const fake = vi.hoisted(() => ({ unreadable: new Set<string>(), unmovable: new Set<string>(), opened: [] as [string, unknown, unknown][] }));
vi.mock('node:fs', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:fs')>();
  const eacces = (syscall: string, path: string) => Object.assign(new Error(`EACCES: permission denied, ${syscall} '${path}'`), { code: 'EACCES', syscall, path });
  return {
    ...real,
    readFileSync: (...args: Parameters<typeof real.readFileSync>) => {
      if (fake.unreadable.has(String(args[0]))) throw eacces('open', String(args[0]));
      return real.readFileSync(...args);
    },
    renameSync: (from: fs.PathLike, to: fs.PathLike) => {
      if (fake.unmovable.has(String(from))) throw eacces('rename', String(from));
      real.renameSync(from, to);
    },
    openSync: (...args: Parameters<typeof real.openSync>) => {
      fake.opened.push([String(args[0]), args[1], args[2]]);
      return real.openSync(...args);
    },
  };
});

afterEach(() => {
  fake.unreadable.clear();
  fake.unmovable.clear();
  fake.opened.length = 0;
});

/** Each store over its file: open it, and use it (which must work, from its defaults). */
const stores: Record<string, { file: string; open: (dir: string) => { problem: () => StateProblem | undefined; use: () => void } }> = {
  assignments: {
    file: 'assignments.json',
    open: (dir) => {
      const s = new Assignments(dir);
      return {
        problem: () => s.problem,
        use: () => {
          expect(s.all()).toEqual({});
          s.set('web', 'fake');
          expect(s.get('web')).toBe('fake');
        },
      };
    },
  },
  ids: {
    file: 'ids.json',
    open: (dir) => {
      const s = new PersistentIds(dir);
      return {
        problem: () => s.problem,
        use: () => {
          const id = s.endpointId('c1');
          s.commit(new Set(['c1']), new Set());
          expect(s.endpointId('c1')).toBe(id);
        },
      };
    },
  },
  sources: {
    file: 'sources.json',
    open: (dir) => {
      const r = new SourceRegistry({ stateDir: dir });
      return {
        problem: () => r.problem,
        use: () => {
          expect(r.list().map((s) => s.id)).toEqual(['none', 'fake', 'default']);
          r.create({ type: 'static', name: 'keys', ...LONG_TERM });
          expect(r.record('keys')).toMatchObject({ kind: 'user' });
        },
      };
    },
  },
  presets: {
    file: 'presets.json',
    open: (dir) => {
      const s = new PresetStore(dir);
      return {
        problem: () => s.problem,
        use: () => {
          expect(s.state().presets).toEqual([]);
          s.import(JSON.stringify({ version: 1, presets: [{ name: 'web', match: { containerName: 'web*' }, credentials: { fake: true } }] }));
          expect(s.state().presets.map((p) => p.name)).toEqual(['web']);
        },
      };
    },
  },
};
const each = Object.entries(stores).map(([name, s]) => ({ name, ...s }));

describe('a state file that cannot be read or parsed', () => {
  it.each(each)('$name: a directory in its place is moved aside; the store starts from its defaults and saves again', ({ file, open }) => {
    const dir = tempDir('ecs-state-');
    const path = join(dir, file);
    fs.mkdirSync(path);
    fs.writeFileSync(join(path, 'inside'), 'x');
    const store = open(dir);
    const p = store.problem()!;
    expect(p).toMatchObject({ file: path, reason: expect.stringContaining('EISDIR'), keptAs: expect.stringContaining(`${file}.unreadable-`) });
    expect(p.message).toContain('moved aside');
    expect(fs.readFileSync(join(p.keptAs!, 'inside'), 'utf8')).toBe('x');
    store.use();
    expect(fs.statSync(path).isFile()).toBe(true);
    expect(fs.statSync(path).mode & 0o777).toBe(0o600);
  });

  it.each(each)('$name: a directory in its place that cannot be moved: defaults in memory, the file left alone, the remedy says what to remove', ({ file, open }) => {
    const dir = tempDir('ecs-state-');
    const path = join(dir, file);
    fs.mkdirSync(path);
    fake.unmovable.add(path);
    const store = open(dir);
    const p = store.problem()!;
    expect(p.keptAs).toBeUndefined();
    expect(p.message).toMatch(/nor moved aside .*in memory only/);
    expect(p.remedy).toContain(`is a directory, not a file: remove it (sudo rm -r '${path}')`);
    store.use();
    expect(fs.statSync(path).isDirectory()).toBe(true);
  });

  it.each(each)('$name: an unreadable file (mode 000, EACCES simulated) is moved aside and reported', ({ file, open }) => {
    const dir = tempDir('ecs-state-');
    const path = join(dir, file);
    fs.writeFileSync(path, '{"kept": true}', { mode: 0o000 });
    fake.unreadable.add(path);
    const store = open(dir);
    const p = store.problem()!;
    expect(p).toMatchObject({ file: path, reason: expect.stringContaining('EACCES'), keptAs: expect.stringContaining(`${file}.unreadable-`) });
    expect(p.remedy).toContain('sudo chown -R $(id -u)');
    fake.unreadable.clear();
    expect(fs.readFileSync(p.keptAs!, 'utf8')).toBe('{"kept": true}');
    store.use();
  });

  it.each(each)('$name: a root-owned file in a root-owned dir (EACCES simulated) can be neither read nor moved: the backend still starts', ({ file, open }) => {
    const dir = tempDir('ecs-state-');
    const path = join(dir, file);
    fs.writeFileSync(path, '{"kept": true}');
    fake.unreadable.add(path);
    fake.unmovable.add(path);
    const store = open(dir);
    const p = store.problem()!;
    expect(p.keptAs).toBeUndefined();
    expect(p.message).toMatch(/could not be read .*EACCES.* nor moved aside/);
    expect(p.remedy).toBe(`The backend may not use ${path}; it is probably owned by root after a start with sudo. As the user running the backend: sudo chown -R $(id -u) '${dir}', then restart the backend.`);
    store.use();
    // Never written over: it is the user's data.
    fake.unreadable.clear();
    expect(fs.readFileSync(path, 'utf8')).toBe('{"kept": true}');
  });

  it.each(each)('$name: unparsable JSON is moved aside as corrupt and reported', ({ file, open }) => {
    const dir = tempDir('ecs-state-');
    const path = join(dir, file);
    fs.writeFileSync(path, '{"version": 1,');
    const store = open(dir);
    const p = store.problem()!;
    expect(p).toMatchObject({ file: path, reason: expect.stringContaining('not valid JSON'), keptAs: expect.stringContaining(`${file}.corrupt-`) });
    expect(fs.readFileSync(p.keptAs!, 'utf8')).toBe('{"version": 1,');
    store.use();
  });

  it.each(each)('$name: a state dir that cannot be created (a file in the way) leaves the store working in memory', ({ open }) => {
    const blocker = join(tempDir('ecs-state-'), 'not-a-dir');
    fs.writeFileSync(blocker, '');
    const store = open(join(blocker, 'state'));
    const p = store.problem()!;
    expect(p.message).toMatch(/state directory .* cannot be used .*ENOTDIR/);
    expect(p.remedy).toMatch(/is a file, not a directory.*ECS_ENDPOINTS_STATE_DIR/);
    store.use();
  });
});

const Doc = z.object({ n: z.number() });

describe('JsonFile writes', () => {
  it('reports a write that fails instead of throwing, keeps the value in memory, and clears the problem once a write works', () => {
    const dir = join(tempDir('ecs-state-'), 'state');
    const file = new JsonFile(join(dir, 'doc.json'), Doc, () => ({ n: 0 }));
    expect(file.problem).toBeUndefined();
    fs.rmSync(dir, { recursive: true });
    fs.writeFileSync(dir, 'in the way');
    expect(() => file.set({ n: 1 })).not.toThrow();
    expect(file.get()).toEqual({ n: 1 });
    expect(file.problem).toMatchObject({ file: join(dir, 'doc.json'), reason: expect.stringContaining('ENOTDIR') });
    expect(file.problem!.message).toMatch(/could not be saved .*kept in memory/);
    fs.rmSync(dir);
    fs.mkdirSync(dir);
    file.set({ n: 2 });
    expect(file.problems).toEqual([]);
    expect(JSON.parse(fs.readFileSync(join(dir, 'doc.json'), 'utf8'))).toEqual({ n: 2 });
  });

  it('writes through owner-only temp files with a recognisable name, and leaves none behind', () => {
    const dir = tempDir('ecs-state-');
    const file = new JsonFile(join(dir, 'doc.json'), Doc, () => ({ n: 0 }));
    file.set({ n: 1 });
    const temp = fake.opened.find(([path]) => path.startsWith(join(dir, '.doc.json.')));
    expect(temp).toEqual([expect.stringMatching(/\/\.doc\.json\.\d+-[0-9a-f]+\.ecs-endpoints-tmp$/), 'wx', 0o600]);
    expect(fs.readdirSync(dir)).toEqual(['doc.json']);
    expect(fs.statSync(join(dir, 'doc.json')).mode & 0o777).toBe(0o600);
  });

  it('tightens a looser file it reads to 0600, and writes 0600 over it', () => {
    const dir = tempDir('ecs-state-');
    const path = join(dir, 'sources.json');
    fs.writeFileSync(path, JSON.stringify({ version: 1, sources: [] }), { mode: 0o644 });
    fs.chmodSync(path, 0o644);
    const reg = new SourceRegistry({ stateDir: dir });
    expect(fs.statSync(path).mode & 0o777).toBe(0o600);
    fs.chmodSync(path, 0o644);
    reg.create({ type: 'static', name: 'keys', ...LONG_TERM });
    expect(fs.statSync(path).mode & 0o777).toBe(0o600);
  });

  it.each(each)('$name: leftover temp files of a killed backend (full copies, secrets included) are removed when the store opens', ({ file, open }) => {
    const dir = tempDir('ecs-state-');
    const ours = [`.${file}.4242-0a1b2c3d4e5f.ecs-endpoints-tmp`, '.ids.json.7-abcdef.ecs-endpoints-tmp', '.1234.1718000000000.k3j4h5x9.tmp'];
    const theirs = ['notes.tmp', '.hidden', `${file}.corrupt-2024-01-01T00-00-00-000Z`];
    for (const name of [...ours, ...theirs]) fs.writeFileSync(join(dir, name), JSON.stringify({ version: 1, sources: [{ secretAccessKey: 'x' }] }));
    open(dir).use();
    const left = fs.readdirSync(dir);
    for (const name of ours) expect(left).not.toContain(name);
    for (const name of theirs) expect(left).toContain(name);
  });
});
