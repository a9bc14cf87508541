import type { Problem } from '@ecs-endpoints/contract';
import type { ContainerRecord } from '../tasks/types.ts';
import { LABEL } from '../tasks/model.ts';
import { credentialsSpec } from './presets.ts';
import type { PresetStore } from './store.ts';

/** A preset file that failed to load, presets whose credentials cannot resolve, labels naming no preset. */
export function presetProblems(store: PresetStore, resolveSpec: (spec: string) => string, records: Iterable<ContainerRecord>): Problem[] {
  const out: Problem[] = [];
  const st = store.state();
  if (st.file?.error) {
    out.push({ id: 'presets-file', severity: 'warning', message: `Presets from ${st.file.path} were not (re)loaded: ${st.file.error}`, remedy: st.file.loadedAt ? 'The last good version stays in force; fix the file and save it again.' : 'Fix the file and save it; it is reloaded automatically.' });
  }
  store.problems.forEach((problem, i) => out.push({ id: `presets-state${i ? `-${i}` : ''}`, severity: 'warning', message: problem.message, remedy: problem.remedy }));
  for (const preset of st.presets) {
    const spec = credentialsSpec(preset);
    if (!spec) continue;
    try {
      resolveSpec(spec);
    } catch (err) {
      out.push({ id: `preset-${preset.name}`, severity: 'warning', message: `Preset "${preset.name}": ${(err as Error).message}`, remedy: (err as { remedy?: string }).remedy ?? 'Fix the preset\'s credentials.' });
    }
  }
  for (const r of records) {
    const named = r.labels[LABEL.preset];
    if (named && !store.current.get(named)) {
      out.push({ id: `preset-label-${r.id}`, severity: 'warning', message: `Container "${r.name}" asks for preset "${named}", which does not exist.`, remedy: 'Import the team\'s preset file, or fix the ecs-endpoints.preset label.' });
    }
  }
  return out;
}
