import { EventEmitter } from 'node:events';
import { readFileSync, watch, type FSWatcher } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { z } from 'zod';
import { JsonFile, type StateProblem } from '../state/json-file.ts';
import { log } from '../log.ts';
import { PresetError, PresetSet, parsePresetFile, type PresetIssue } from './presets.ts';
import type { Preset, PresetFile } from './schema.ts';

/** What the control API shows about the presets in force. */
export interface PresetsState {
  presets: (Preset & { origin: 'imported' | 'file' })[];
  /** ECS_ENDPOINTS_PRESETS_FILE, when set, and its last error (the last good version stays in force). */
  file?: { path: string; error?: string; issues?: PresetIssue[]; loadedAt?: string };
}

const Stored = z.object({ version: z.literal(1), presets: z.array(z.unknown()) });

/**
 * Presets come from two places: ones imported through the UI or API (kept in the state dir), and
 * optionally a file in the team's repository (ECS_ENDPOINTS_PRESETS_FILE), watched for changes.
 * A bad edit to that file is reported and the last good version stays in force: nothing is lost.
 * On a name clash the repository file wins.
 */
export class PresetStore extends EventEmitter<{ change: [] }> {
  private readonly stored: JsonFile<z.infer<typeof Stored>>;
  private imported: Preset[] = [];
  private fromFile: Preset[] = [];
  private fileState?: PresetsState['file'];
  private watcher?: FSWatcher;
  private set = new PresetSet([]);
  private storedProblem?: StateProblem;

  constructor(
    stateDir: string,
    private readonly filePath?: string,
  ) {
    super();
    this.stored = new JsonFile(join(stateDir, 'presets.json'), Stored, () => ({ version: 1 as const, presets: [] }));
    this.storedProblem = this.stored.problem;
    try {
      this.imported = parsePresetFile(JSON.stringify(this.stored.get()), 'presets.json in the state dir').presets;
    } catch (err) {
      this.storedProblem = { file: this.stored.path, keptAs: this.stored.path, reason: (err as Error).message };
    }
    if (filePath) {
      this.fileState = { path: filePath };
      this.loadFile();
      this.watchFile();
    }
    this.rebuild();
  }

  get problem(): StateProblem | undefined {
    return this.storedProblem;
  }

  get current(): PresetSet {
    return this.set;
  }

  state(): PresetsState {
    const fileNames = new Set(this.fromFile.map((p) => p.name));
    return {
      presets: [
        ...this.fromFile.map((p) => ({ ...p, origin: 'file' as const })),
        ...this.imported.filter((p) => !fileNames.has(p.name)).map((p) => ({ ...p, origin: 'imported' as const })),
      ],
      file: this.fileState ? { ...this.fileState } : undefined,
    };
  }

  /** Replace the imported presets with a preset file's content. Throws PresetError; nothing changes then. */
  import(text: string): PresetFile {
    const file = parsePresetFile(text, 'The imported preset file');
    this.stored.set({ version: 1, presets: file.presets });
    this.imported = file.presets;
    this.rebuild();
    return file;
  }

  /** All presets in force, as one file to share. */
  export(): PresetFile {
    return { $schema: 'https://ecs-endpoints.dev/preset.schema.json', version: 1, presets: this.state().presets.map(({ origin: _o, ...p }) => p) };
  }

  close(): void {
    this.watcher?.close();
  }

  private rebuild(): void {
    this.set = new PresetSet(this.state().presets);
    this.emit('change');
  }

  private loadFile(): void {
    const path = this.filePath!;
    try {
      const file = parsePresetFile(readFileSync(path, 'utf8'), path);
      this.fromFile = file.presets;
      this.fileState = { path, loadedAt: new Date().toISOString() };
      log.info('presets: loaded', { path, presets: file.presets.length });
    } catch (err) {
      const e = err as PresetError & NodeJS.ErrnoException;
      const error = e.code === 'ENOENT' ? `${path} does not exist (yet).` : e.message;
      this.fileState = { ...this.fileState, path, error, issues: e.issues };
      log.warn('presets: file not loaded, keeping the last good version', { path, error });
    }
  }

  private watchFile(): void {
    // Watch the directory: editors replace files (rename), which ends a watch on the file itself.
    const dir = dirname(this.filePath!);
    const name = basename(this.filePath!);
    let timer: NodeJS.Timeout | undefined;
    try {
      this.watcher = watch(dir, (_event, changed) => {
        if (changed !== null && changed !== name) return;
        clearTimeout(timer);
        timer = setTimeout(() => {
          this.loadFile();
          this.rebuild();
        }, 100);
      });
    } catch (err) {
      log.warn('presets: cannot watch the file; restart to pick up changes', { path: this.filePath, error: (err as Error).message });
    }
  }
}
