import { randomBytes, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { z } from 'zod/v4';
import type { IdAllocator } from '../tasks/types.ts';
import { JsonFile } from './json-file.ts';

const IdsSchema = z.object({
  endpoints: z.record(z.string(), z.string()),
  tasks: z.record(z.string(), z.string()),
});
type Ids = z.infer<typeof IdsSchema>;

/**
 * Endpoint and task ids, persisted so they survive backend restarts (an app that read its
 * ECS_CONTAINER_METADATA_URI_V4 keeps working). Ids of containers and tasks that are gone are
 * pruned after each model rebuild.
 */
export class PersistentIds implements IdAllocator {
  private readonly file: JsonFile<Ids>;
  private dirty = false;

  constructor(stateDir: string) {
    this.file = new JsonFile(join(stateDir, 'ids.json'), IdsSchema, () => ({ endpoints: {}, tasks: {} }));
  }

  get problem() {
    return this.file.problem;
  }

  get problems() {
    return this.file.problems;
  }

  endpointId(containerId: string, declared?: string): string {
    const ids = this.file.get();
    const current = ids.endpoints[containerId];
    if (declared && current !== declared) {
      ids.endpoints[containerId] = declared;
      this.dirty = true;
      return declared;
    }
    if (current) return current;
    const id = randomUUID();
    ids.endpoints[containerId] = id;
    this.dirty = true;
    return id;
  }

  taskId(taskKey: string): string {
    const ids = this.file.get();
    const current = ids.tasks[taskKey];
    if (current) return current;
    const id = randomBytes(16).toString('hex');
    ids.tasks[taskKey] = id;
    this.dirty = true;
    return id;
  }

  /** Forget ids of containers and tasks that no longer exist, and persist any change. */
  commit(liveContainers: Set<string>, liveTasks: Set<string>): void {
    const ids = this.file.get();
    for (const id of Object.keys(ids.endpoints)) if (!liveContainers.has(id)) { delete ids.endpoints[id]; this.dirty = true; }
    for (const key of Object.keys(ids.tasks)) if (!liveTasks.has(key)) { delete ids.tasks[key]; this.dirty = true; }
    if (this.dirty) {
      this.file.set(ids);
      this.dirty = false;
    }
  }
}
