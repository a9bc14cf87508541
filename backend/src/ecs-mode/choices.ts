import { join } from 'node:path';
import { z } from 'zod/v4';
import { JsonFile } from '../state/json-file.ts';

/**
 * ECS mode choices made in the UI, by container id: `on` = attached by the user (not via a label or
 * compose), `off` = switched off by the user (auto-attach by label leaves it alone).
 */
const Schema = z.object({ version: z.literal(1), on: z.array(z.string()), off: z.array(z.string()) });

export class EcsChoices {
  private readonly file: JsonFile<z.infer<typeof Schema>>;

  constructor(stateDir: string) {
    this.file = new JsonFile(join(stateDir, 'ecs-mode.json'), Schema, () => ({ version: 1 as const, on: [], off: [] }));
  }

  get problems() {
    return this.file.problems;
  }

  attachedByUser(id: string): boolean {
    return this.file.get().on.includes(id);
  }

  switchedOff(id: string): boolean {
    return this.file.get().off.includes(id);
  }

  remember(id: string, enabled: boolean): void {
    const c = this.file.get();
    const on = c.on.filter((x) => x !== id);
    const off = c.off.filter((x) => x !== id);
    (enabled ? on : off).push(id);
    this.file.set({ ...c, on, off });
  }

  /** Forget containers that no longer exist (called once Docker has confirmed what lives). */
  prune(live: ReadonlySet<string>): void {
    const c = this.file.get();
    if (c.on.some((id) => !live.has(id)) || c.off.some((id) => !live.has(id))) {
      this.file.set({ ...c, on: c.on.filter((id) => live.has(id)), off: c.off.filter((id) => live.has(id)) });
    }
  }
}
