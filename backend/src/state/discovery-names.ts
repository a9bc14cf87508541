import { EventEmitter } from 'node:events';
import { join } from 'node:path';
import { z } from 'zod/v4';
import { JsonFile } from './json-file.ts';

const Schema = z.object({ version: z.literal(1), byName: z.record(z.string(), z.array(z.string())) });
type Doc = z.infer<typeof Schema>;

/**
 * The service discovery names a person gave each container, keyed by container name like the
 * assignments: `docker compose up` recreates a container under its name, and the names follow it.
 */
export class DiscoveryNamesStore extends EventEmitter<{ change: [] }> {
  private readonly file: JsonFile<Doc>;

  constructor(stateDir: string) {
    super();
    this.file = new JsonFile(join(stateDir, 'discovery-names.json'), Schema, () => ({ version: 1 as const, byName: {} }));
  }

  get problems() {
    return this.file.problems;
  }

  get(containerName: string): string[] {
    return [...(this.file.get().byName[containerName] ?? [])];
  }

  /** The container whose names include `name`. */
  holder(name: string): string | undefined {
    return Object.entries(this.file.get().byName).find(([, names]) => names.includes(name))?.[0];
  }

  set(containerName: string, names: string[]): void {
    this.file.update((d) => {
      const byName = { ...d.byName };
      if (names.length === 0) delete byName[containerName];
      else byName[containerName] = [...new Set(names)];
      return { ...d, byName };
    });
    this.emit('change');
  }
}
