import { chmodSync, mkdirSync, readFileSync, renameSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { log } from '../log.ts';
import { freeName, removeLeftoverTemps, stamp, writeAtomic } from './files.ts';
import { describeIssues, type RejectedEntry, type Schema } from './list-entries.ts';

// Part of this module's API since before the split; the stores import them from here.
export { describeIssues, listEntries, type RejectedEntry, type Schema } from './list-entries.ts';

export interface StateProblem {
  /** The state file concerned. */
  file: string;
  /** Where its content was kept: the file renamed aside, or the side file of rejected entries. Absent when nothing could be moved. */
  keptAs?: string;
  /** Why, in a few words (the error, or what failed validation). */
  reason: string;
  /** What happened and what the backend does meanwhile, as a sentence for the user. */
  message: string;
  /** What the user can do about it. */
  remedy: string;
}

export interface JsonFileOptions<T> {
  /** Mode of the written file. Owner-only by default: some state files hold secrets. */
  mode?: number;
  /**
   * For a document that is a list of independent entries (see listEntries): split what was read
   * into the valid document and the entries to put aside. Undefined when the document itself is wrong.
   */
  entries?: (raw: unknown) => { value: T; rejected: RejectedEntry[] } | undefined;
}

/**
 * One JSON document in the state dir. Writes are atomic (temp file, fsync, rename) so a crash
 * never leaves half a file. Nothing here throws: the backend must come up (its control API is how
 * the user learns what is wrong), so a file that cannot be read, parsed or validated is moved
 * aside (never overwritten) and reported, and the document starts from its default. When it cannot
 * even be moved, the file is left alone and changes are kept in memory only. Failed writes are
 * reported the same way.
 */
export class JsonFile<T> {
  private value: T;
  private readonly mode: number;
  private loadProblem?: StateProblem;
  private writeProblem?: StateProblem;
  /** Set when what is on disk could not be read nor moved aside: writing would destroy it. */
  private readonly memoryOnly: boolean = false;

  constructor(
    readonly path: string,
    schema: Schema<T>,
    defaults: () => T,
    opts: JsonFileOptions<T> = {},
  ) {
    this.mode = opts.mode ?? 0o600;
    this.value = defaults();
    const dir = dirname(path);
    let dirError: NodeJS.ErrnoException | undefined;
    try {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
    } catch (err) {
      dirError = err as NodeJS.ErrnoException;
    }
    if (!dirError) removeLeftoverTemps(dir);

    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      if (e.code === 'ENOENT' && !dirError) return;
      if (dirError) {
        this.memoryOnly = true;
        this.report({
          file: path,
          reason: dirError.message,
          message: `The state directory ${dir} cannot be used (${dirError.message}); ${this.name} starts empty and changes are kept in memory only.`,
          remedy: remedyFor(dirError, path),
        });
        return;
      }
      this.memoryOnly = !this.putAside('unreadable', e.message, e);
      return;
    }

    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch (err) {
      this.memoryOnly = !this.putAside('corrupt', `not valid JSON (${(err as Error).message})`);
      return;
    }
    const split = opts.entries?.(raw);
    if (split) {
      this.value = split.value;
      this.tightenMode();
      if (split.rejected.length) this.memoryOnly = !this.keepRejected(split.rejected);
      return;
    }
    const parsed = schema.safeParse(raw);
    if (!parsed.success) {
      this.memoryOnly = !this.putAside('corrupt', describeIssues(parsed.error.issues));
      return;
    }
    this.value = parsed.data;
    this.tightenMode();
  }

  /** The first of `problems`. */
  get problem(): StateProblem | undefined {
    return this.problems[0];
  }

  /** What went wrong loading the file, and the last write, if it failed. */
  get problems(): StateProblem[] {
    return [this.loadProblem, this.writeProblem].filter((p): p is StateProblem => p !== undefined);
  }

  get(): T {
    return this.value;
  }

  /** Replace the document and persist it. A failed write is reported (problems), never thrown: the change stays in memory. */
  set(value: T): void {
    this.value = value;
    if (this.memoryOnly) return;
    try {
      writeAtomic(this.path, JSON.stringify(value, null, 2) + '\n', this.mode);
      this.writeProblem = undefined;
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      const first = this.writeProblem?.reason !== e.message;
      this.writeProblem = {
        file: this.path,
        reason: e.message,
        message: `Changes to ${this.name} could not be saved (${e.message}); they are kept in memory until the backend stops.`,
        remedy: remedyFor(e, this.path),
      };
      if (first) log.warn(`state: ${this.writeProblem.message}`, { remedy: this.writeProblem.remedy });
    }
  }

  update(fn: (current: T) => T): T {
    const next = fn(this.value);
    this.set(next);
    return next;
  }

  private get name(): string {
    return basename(this.path);
  }

  private report(problem: StateProblem): void {
    this.loadProblem = problem;
    log.warn(`state: ${problem.message}`, { remedy: problem.remedy });
  }

  /** Rename the file aside as `<file>.<tag>-<time>` and report it. False when it could not be moved. */
  private putAside(tag: 'unreadable' | 'corrupt', reason: string, readError?: NodeJS.ErrnoException): boolean {
    const keptAs = freeName(`${this.path}.${tag}-${stamp()}`);
    try {
      renameSync(this.path, keptAs);
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      this.report({
        file: this.path,
        reason,
        message: `${this.name} could not be ${tag === 'corrupt' ? 'loaded' : 'read'} (${reason}) nor moved aside (${e.message}); the backend runs without its content, leaves the file as it is and keeps changes in memory only.`,
        remedy: remedyFor(readError ?? e, this.path),
      });
      return false;
    }
    const owned = readError?.code === 'EACCES' || readError?.code === 'EPERM';
    this.report({
      file: this.path,
      keptAs,
      reason,
      message: `${this.name} could not be ${tag === 'corrupt' ? 'loaded' : 'read'} (${reason}) and was moved aside as ${keptAs}; it starts empty.`,
      remedy: owned
        ? `The kept copy is probably owned by another user (after a start with sudo): sudo chown -R $(id -u) ${quote(keptAs)} as the user running the backend, then merge it back while the backend is stopped, or delete it.`
        : readError?.code === 'EISDIR'
          ? `A directory was in place of the file; look into ${quote(keptAs)} and remove it.`
          : 'Fix the kept copy and move it back while the backend is stopped, or delete it.',
    });
    return true;
  }

  /** Write the rejected entries to `<name>.rejected-<time>.json`, then the file without them. False when the side file could not be written. */
  private keepRejected(rejected: RejectedEntry[]): boolean {
    const which = rejected.map((r) => `entry ${r.index}${r.id !== undefined ? ` ("${r.id}")` : ''}: ${r.reason}`).join('; ');
    const reason = `${rejected.length === 1 ? 'an entry is' : `${rejected.length} entries are`} invalid: ${which}`;
    const keptAs = freeName(join(dirname(this.path), `${this.name.replace(/\.json$/, '')}.rejected-${stamp()}.json`));
    try {
      writeAtomic(keptAs, JSON.stringify({ file: this.name, rejected }, null, 2) + '\n', 0o600);
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      this.report({
        file: this.path,
        reason,
        message: `${this.name} has invalid entries (${which}) that could not be kept aside (${e.message}); the valid ones loaded, the file is left as it is and changes are kept in memory only.`,
        remedy: remedyFor(e, keptAs),
      });
      return false;
    }
    this.report({
      file: this.path,
      keptAs,
      reason,
      message: `${rejected.length === 1 ? 'An entry' : `${rejected.length} entries`} of ${this.name} could not be loaded and ${rejected.length === 1 ? 'was' : 'were'} moved to ${keptAs} (${which}); the others loaded.`,
      remedy: `Fix those entries and add them again (or delete ${quote(keptAs)}).`,
    });
    this.set(this.value);
    return true;
  }

  /** A file someone created by hand with looser permissions is tightened: it may hold secrets. */
  private tightenMode(): void {
    try {
      if ((statSync(this.path).mode & 0o777) !== this.mode) chmodSync(this.path, this.mode);
    } catch (err) {
      log.warn(`state: cannot set the mode of ${this.path}`, { error: (err as Error).message });
    }
  }
}

function quote(path: string): string {
  return `'${path.replace(/'/g, `'\\''`)}'`;
}

/** What the user can do about a file system error on `path`, as concrete as the error allows. */
function remedyFor(err: NodeJS.ErrnoException, path: string): string {
  const dir = dirname(path);
  switch (err.code) {
    case 'EACCES':
    case 'EPERM':
      return `The backend may not use ${path}; it is probably owned by root after a start with sudo. As the user running the backend: sudo chown -R $(id -u) ${quote(dir)}, then restart the backend.`;
    case 'EISDIR':
      return `${path} is a directory, not a file: remove it (sudo rm -r ${quote(path)}) or move it elsewhere, then restart the backend.`;
    case 'ENOTDIR':
    case 'EEXIST':
      return `Part of ${dir} is a file, not a directory: remove it, or point ECS_ENDPOINTS_STATE_DIR at a directory, then restart the backend.`;
    case 'EROFS':
      return `${dir} is on a read-only file system: make it writable or point ECS_ENDPOINTS_STATE_DIR at a writable directory, then restart the backend.`;
    case 'ENOSPC':
    case 'EDQUOT':
      return `The disk holding ${dir} is full: free some space; the next change is saved again.`;
    default:
      return `${dir} must be a directory the backend can read and write: check it, then restart the backend.`;
  }
}
