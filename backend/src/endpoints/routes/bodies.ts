import { goJson } from '../../gojson.ts';
import type { Task } from '../../tasks/types.ts';
import { renderContainer, renderTask, type Version } from '../render.ts';
import type { Entry, Reads } from '../types.ts';

/*
 * Metadata and stats bodies shared by v2, v3 and v4. Rendered metadata is cached per model
 * version, so a repeated request costs a map lookup.
 */

export function containerBody(r: Reads, e: Entry, v: Version): string {
  return r.cached(`${v}c|${e.container.record.id}`, () => goJson(renderContainer(e.task, e.container, v, r.deps.render)));
}

export function taskBody(r: Reads, task: Task, v: Version, withTags: boolean): string {
  return r.cached(`${v}t|${task.arn}|${withTags}`, () => goJson(renderTask(task, v, withTags, r.deps.render)));
}

/** Opens (and waits for) the samples of containers whose stats were not asked for lately: only then does a request wait. */
export async function primeStats(r: Reads, ids: string[]): Promise<void> {
  if (ids.some((id) => r.deps.stats.isTracked(id) && !r.deps.stats.get(id))) await r.deps.stats.prime(ids);
}

/** The last sample; before the first one the agent marshals a nil pointer: {} in v4, null before. */
export function statsBody(r: Reads, containerId: string, v: Version): string {
  const s = r.deps.stats.get(containerId);
  if (!s) return v === 'v4' ? '{}' : 'null';
  return v === 'v4' ? s.v4 : s.v3;
}

/** Every container of the task by Docker id, keys sorted as Go sorts a map. */
export function taskStatsBody(r: Reads, task: Task, v: Version): string {
  const ids = task.containers.map((c) => c.record.id).sort();
  let out = '{';
  for (const id of ids) out += (out.length > 1 ? ',' : '') + JSON.stringify(id) + ':' + statsBody(r, id, v);
  return out + '}';
}
