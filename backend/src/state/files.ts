import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, openSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { log } from '../log.ts';

// The file system side of JsonFile: atomic writes, leftover temp files, names for kept-aside copies.

/** Temp files are named `.<file>.<pid>-<random>.ecs-endpoints-tmp`, so leftovers of a killed process are recognised at the next start. */
const TEMP_SUFFIX = '.ecs-endpoints-tmp';
const TEMP_FILE = /^\..+\.\d+-[0-9a-f]+\.ecs-endpoints-tmp$/;
/** The temp files versions before 0.1.0 left (`.<pid>.<ms>.<random>.tmp`). */
const LEGACY_TEMP_FILE = /^\.\d+\.\d+\.[0-9a-z]+\.tmp$/;

/** Write to a temp file (created owner-only, fsynced) and rename it over `path`. Throws; the temp file is removed on failure. */
export function writeAtomic(path: string, data: string, mode: number): void {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}-${randomBytes(6).toString('hex')}${TEMP_SUFFIX}`);
  let fd: number | undefined;
  try {
    // wx: a fresh file, so `mode` applies (it is ignored when a file already exists).
    fd = openSync(tmp, 'wx', mode);
    writeFileSync(fd, data);
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(tmp, path);
  } catch (err) {
    try {
      if (fd !== undefined) closeSync(fd);
      rmSync(tmp, { force: true });
    } catch {
      // The first error is the one to report.
    }
    throw err;
  }
}

/** Temp files of a process killed mid-write: full copies of state files (secrets included). Ours are written synchronously, so none is in flight. */
export function removeLeftoverTemps(dir: string): void {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (err) {
    log.warn(`state: cannot list ${dir} to remove leftover temp files`, { error: (err as Error).message });
    return;
  }
  for (const name of names) {
    if (!TEMP_FILE.test(name) && !LEGACY_TEMP_FILE.test(name)) continue;
    try {
      rmSync(join(dir, name), { force: true });
    } catch (err) {
      log.warn(`state: cannot remove the leftover temp file ${join(dir, name)}`, { error: (err as Error).message });
    }
  }
}

/** The time, for kept-aside names: no `:` (not allowed in names on some file systems). */
export function stamp(): string {
  return new Date().toISOString().replace(/[:.]/g, '-');
}

/** `path`, or `path-2`, `path-3`…: renaming onto an existing kept copy would destroy it. */
export function freeName(path: string): string {
  if (!existsSync(path)) return path;
  for (let n = 2; ; n++) if (!existsSync(`${path}-${n}`)) return `${path}-${n}`;
}
