import { mkdirSync, readFileSync, renameSync, writeFileSync, openSync, fsyncSync, closeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { z } from 'zod';

export interface StateProblem {
  file: string;
  keptAs: string;
  reason: string;
}

/**
 * One JSON document in the state dir. Writes are atomic (temp file, fsync, rename) so a crash
 * never leaves half a file; a file that fails to parse or validate is renamed aside (never
 * overwritten) and reported, and the document starts from its default.
 */
export class JsonFile<T> {
  private value: T;
  readonly problem?: StateProblem;

  constructor(
    readonly path: string,
    private readonly schema: z.ZodType<T, z.ZodTypeDef, unknown>,
    defaults: () => T,
    private readonly mode = 0o600,
  ) {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    let raw: string | undefined;
    try {
      raw = readFileSync(path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    if (raw === undefined) {
      this.value = defaults();
      return;
    }
    let reason: string;
    try {
      const parsed = schema.safeParse(JSON.parse(raw));
      if (parsed.success) {
        this.value = parsed.data;
        return;
      }
      reason = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    } catch (err) {
      reason = `not valid JSON (${(err as Error).message})`;
    }
    const keptAs = `${path}.corrupt-${new Date().toISOString().replace(/[:.]/g, '-')}`;
    renameSync(path, keptAs);
    this.problem = { file: path, keptAs, reason };
    this.value = defaults();
  }

  get(): T {
    return this.value;
  }

  /** Replace the document and persist it before returning. */
  set(value: T): void {
    writeAtomic(this.path, JSON.stringify(value, null, 2) + '\n', this.mode);
    this.value = value;
  }

  update(fn: (current: T) => T): T {
    const next = fn(this.value);
    this.set(next);
    return next;
  }
}

export function writeAtomic(path: string, data: string, mode = 0o600): void {
  const tmp = join(dirname(path), `.${process.pid}.${Date.now()}.${Math.random().toString(36).slice(2)}.tmp`);
  writeFileSync(tmp, data, { mode });
  const fd = openSync(tmp, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}
