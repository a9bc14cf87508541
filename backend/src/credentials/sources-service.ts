import { EventEmitter } from 'node:events';
import type { SourceTestResult, SourceView } from '@ecs-endpoints/contract';
import type { Assignments } from '../state/assignments.ts';
import type { CredentialBroker } from './broker.ts';
import type { SourceRegistry } from './registry.ts';
import { CredentialError } from './types.ts';

/**
 * Every change to credential sources and assignments, each with what it invalidates (cached
 * credentials of the source and of everything built on it, assignments to a deleted source), and
 * one `change` event after it, on which the task model is rebuilt and the UI told.
 */
export class SourcesService extends EventEmitter<{ change: [] }> {
  constructor(
    private readonly registry: SourceRegistry,
    private readonly broker: CredentialBroker,
    private readonly assignments: Assignments,
  ) {
    super();
  }

  /** The listed sources; `inUse` are the ids presets and containers use now (derived ones are listed only then). */
  list(inUse: Iterable<string> = []): SourceView[] {
    return this.registry.list(inUse);
  }

  get(id: string): SourceView | undefined {
    return this.registry.get(id);
  }

  create(input: unknown): SourceView {
    const created = this.registry.create(input);
    this.emit('change');
    return created;
  }

  update(id: string, input: unknown): SourceView {
    const updated = this.registry.update(id, input);
    this.broker.invalidate(id);
    this.emit('change');
    return updated;
  }

  delete(id: string): void {
    this.registry.delete(id);
    this.broker.invalidate(id);
    this.assignments.forgetSource(id);
    this.emit('change');
  }

  /** Assign a source to containers of this name (null: back to the preset or default). */
  assign(containerName: string, sourceId: string | null): void {
    if (sourceId !== null && !this.registry.get(sourceId)) {
      const ids = this.registry.list().map((s) => s.id);
      throw new CredentialError('InvalidSource', `There is no source "${sourceId}".`, `Choose one of: ${ids.join(', ')} (GET /api/sources), or create it first.`, {
        issues: [{ path: 'sourceId', message: `There is no source "${sourceId}".` }],
      });
    }
    this.assignments.set(containerName, sourceId);
    this.emit('change');
  }

  test(id: string): Promise<SourceTestResult> {
    if (!this.registry.get(id)) throw new CredentialError('SourceNotFound', `There is no source "${id}".`, 'Reload the list of sources; it may have been deleted.');
    return this.broker.test(id);
  }
}
