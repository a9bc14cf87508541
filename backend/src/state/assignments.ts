import { EventEmitter } from 'node:events';
import { join } from 'node:path';
import { z } from 'zod/v4';
import { JsonFile } from './json-file.ts';

const Schema = z.object({ version: z.literal(1), byName: z.record(z.string(), z.string()) });
type Doc = z.infer<typeof Schema>;

/**
 * Which credential source the user assigned to which container. Keyed by container name, not id:
 * `docker compose up` recreates containers under the same name, and the choice should survive it.
 */
export class Assignments extends EventEmitter<{ change: [] }> {
  private readonly file: JsonFile<Doc>;

  constructor(stateDir: string) {
    super();
    this.file = new JsonFile(join(stateDir, 'assignments.json'), Schema, () => ({ version: 1 as const, byName: {} }));
  }

  get problem() {
    return this.file.problem;
  }

  get problems() {
    return this.file.problems;
  }

  get(containerName: string): string | undefined {
    return this.file.get().byName[containerName];
  }

  set(containerName: string, sourceId: string | null): void {
    this.file.update((d) => {
      const byName = { ...d.byName };
      if (sourceId === null) delete byName[containerName];
      else byName[containerName] = sourceId;
      return { ...d, byName };
    });
    this.emit('change');
  }

  /** Drop assignments to a source that was deleted. */
  forgetSource(sourceId: string): void {
    this.file.update((d) => ({ ...d, byName: Object.fromEntries(Object.entries(d.byName).filter(([, s]) => s !== sourceId)) }));
    this.emit('change');
  }

  all(): Record<string, string> {
    return { ...this.file.get().byName };
  }
}
