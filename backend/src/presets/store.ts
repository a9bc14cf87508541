import { EventEmitter } from 'node:events';
import { readFileSync, watch, type FSWatcher } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { JsonFile, listEntries, type StateProblem } from '../state/json-file.ts';
import { log } from '../log.ts';
import { PresetError, PresetSet, parsePresetFile, presetProblem, type PresetIssue } from './presets.ts';
import { PresetFileSchema, type Preset, type PresetFile } from './schema.ts';

/** What the control API shows about the presets in force. */
export interface PresetsState {
  presets: (Preset & { origin: 'imported' | 'file' })[];
  /** ECS_ENDPOINTS_PRESETS_FILE, when set, and its last error (the last good version stays in force). */
  file?: { path: string; error?: string; issues?: PresetIssue[]; loadedAt?: string };
}

/**
 * Presets come from two places: ones imported through the UI or API (kept in the state dir), and
 * optionally a file in the team's repository (ECS_ENDPOINTS_PRESETS_FILE), watched for changes.
 * A bad edit to that file is reported and the last good version stays in force: nothing is lost.
 * On a name clash the repository file wins.
 */
export class PresetStore extends EventEmitter<{ change: [] }> {
  private readonly stored: JsonFile<PresetFile>;
  private imported: Preset[] = [];
  private fromFile: Preset[] = [];
  private fileState?: PresetsState['file'];
  private watcher?: FSWatcher;
  private set = new PresetSet([]);

  constructor(
    stateDir: string,
    private readonly filePath?: string,
  ) {
    super();
    // Preset by preset: an invalid one is moved to a side file at once (before an import could
    // overwrite it), the others stay in force.
    const entries = listEntries(PresetFileSchema, 'presets', presetProblem, 'name');
    this.stored = new JsonFile(join(stateDir, 'presets.json'), PresetFileSchema, () => ({ version: 1 as const, presets: [] }), { entries });
    this.imported = this.stored.get().presets;
    if (filePath) {
      this.fileState = { path: filePath };
      this.loadFile();
      this.watchFile();
    }
    this.rebuild();
  }

  /** presets.json (or some presets in it) kept aside at start, or an import that could not be saved. */
  get problem(): StateProblem | undefined {
    return this.stored.problem;
  }

  get problems(): StateProblem[] {
    return this.stored.problems;
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
      // The folder removed or unmounted: an unhandled 'error' would end the process.
      this.watcher.on('error', (err) => log.warn('presets: stopped watching the file; restart to pick up changes', { path: this.filePath, error: err.message }));
    } catch (err) {
      log.warn('presets: cannot watch the file; restart to pick up changes', { path: this.filePath, error: (err as Error).message });
    }
  }
}
