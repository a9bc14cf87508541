import { LABEL } from '../tasks/model.ts';
import type { ContainerRecord, EffectiveSource } from '../tasks/types.ts';

/** What deciding a container's source needs, each from the room that owns it (wired in compose/rooms.ts). */
export interface EffectiveSourceInputs {
  /** The source the user assigned to a container of this name, if any. */
  assigned(containerName: string): string | undefined;
  /** The preset that applies to the container and the credentials spec it names, if any. */
  presetSpec(record: ContainerRecord): { presetName: string; spec: string } | undefined;
  /** Does this source exist (an assignment may outlive its source)? */
  exists(sourceId: string): boolean;
  /** A spec's source id; throws when it cannot be resolved (reported among the presets' problems). */
  resolveSpec(spec: string): string;
}

/**
 * A container's credential source: its own assignment, else its `ecs-endpoints.source` label
 * (task-definition runs carry their task role's there), else the matching preset's, else the
 * default. Decided when the task model is built, so a credentials request only reads it.
 */
export function effectiveSource(inputs: EffectiveSourceInputs, record: ContainerRecord): EffectiveSource {
  const assigned = inputs.assigned(record.name);
  if (assigned && inputs.exists(assigned)) return { id: assigned, origin: 'assignment' };
  const label = record.labels[LABEL.source];
  if (label) {
    try {
      return { id: inputs.resolveSpec(label), origin: 'label' };
    } catch {
      // An unusable label: the preset or the default applies (the UI shows which).
    }
  }
  const preset = inputs.presetSpec(record);
  if (preset) {
    try {
      return { id: inputs.resolveSpec(preset.spec), origin: 'preset', presetName: preset.presetName };
    } catch {
      // The container falls back to the default source meanwhile.
    }
  }
  return { id: 'default', origin: 'default' };
}
