import { EventEmitter } from 'node:events';
import { buildModel, type ModelPolicy } from './model.ts';
import type { ContainerRecord, IdAllocator, ModelSettings, TaskModel } from './types.ts';

/**
 * The current task model, rebuilt from the container index on every change (coalesced into one
 * rebuild per turn of the event loop). Requests read `current`; nothing on the request path builds.
 */
export class LiveModel extends EventEmitter<{ model: [TaskModel] }> {
  private model: TaskModel;
  private version = 0;
  private scheduled = false;

  constructor(
    private readonly records: () => Iterable<ContainerRecord>,
    private readonly settings: ModelSettings,
    private readonly ids: IdAllocator,
    private readonly policy: ModelPolicy,
  ) {
    super();
    this.model = buildModel([], settings, ids, 0);
  }

  get current(): TaskModel {
    return this.model;
  }

  /** Rebuild once, soon (many events in one turn cost one rebuild). */
  schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    queueMicrotask(() => {
      this.scheduled = false;
      this.rebuild();
    });
  }

  rebuild(): TaskModel {
    this.model = buildModel(this.records(), this.settings, this.ids, ++this.version, this.policy);
    this.emit('model', this.model);
    return this.model;
  }
}
