import { goJson } from '../../gojson.ts';
import { LookupError, type MetadataHandler } from '../errors.ts';
import { ok } from '../responses.ts';
import { safeDecode } from '../router.ts';
import type { Call, Entry, Handler, Reads } from '../types.ts';
import { containerBody, primeStats, statsBody, taskBody, taskStatsBody } from './bodies.ts';

/*
 * Task metadata v3 and v4 (spec §5, §6): the same handlers under three ways of naming the
 * container. `id` is the agent's endpoint id; `name` (/v4/containers/<name>) and `caller` (/v4,
 * /v4/task, …, found by source address) are this emulator's compatibility forms.
 */

export type Naming = 'id' | 'name' | 'caller';

type Version = 'v3' | 'v4';

/** The container the path names, and how to name it in an unknown-id message. */
function find(r: Reads, call: Call, by: Naming): { entry?: Entry; label: string } {
  const m = r.model();
  const ip = call.req.remoteIp;
  if (by === 'caller') return { entry: m.byIp.get(ip), label: ip };
  if (by === 'id') return { entry: m.byEndpointId.get(call.params.id!), label: call.params.id! };
  const name = safeDecode(call.params.container!);
  const matches = m.byName.get(name) ?? [];
  // A name can repeat across tasks (two compose projects with a "web"): prefer the caller's task.
  const own = m.byIp.get(ip)?.task;
  return { entry: matches.length === 1 ? matches[0] : matches.find((e) => e.task === own), label: name };
}

function resolve(r: Reads, call: Call, by: Naming, handler: MetadataHandler): { entry: Entry; v: Version; id: string } {
  const v = call.params.v as Version;
  const { entry, label } = find(r, call, by);
  if (!entry) throw new LookupError({ type: 'unknown-endpoint-id', version: v, handler, id: label });
  return { entry, v, id: entry.container.record.id };
}

export const containerMetadata = (by: Naming): Handler => (r, call) => {
  const { entry, v, id } = resolve(r, call, by, 'container metadata');
  return ok(containerBody(r, entry, v), id);
};

export const taskMetadata = (by: Naming, withTags: boolean): Handler => (r, call) => {
  const { entry, v, id } = resolve(r, call, by, 'task metadata');
  return ok(taskBody(r, entry.task, v, withTags), id);
};

export const containerStats = (by: Naming): Handler => async (r, call) => {
  const { v, id } = resolve(r, call, by, 'container stats');
  if (!r.deps.stats.isTracked(id)) throw new LookupError({ type: 'no-stats', version: v, id }, id);
  await primeStats(r, [id]);
  return ok(statsBody(r, id, v), id);
};

export const taskStats = (by: Naming): Handler => async (r, call) => {
  const { entry, v, id } = resolve(r, call, by, 'task stats');
  await primeStats(r, entry.task.containers.map((c) => c.record.id));
  return ok(taskStatsBody(r, entry.task, v), id);
};

/** No association types exist locally (they were for Elastic Inference / App Mesh). */
export const associations = (by: Naming): Handler => (r, call) => {
  const { id } = resolve(r, call, by, 'container associations');
  return ok(goJson({ Associations: [] }), id);
};

export const association = (by: Naming): Handler => (r, call) => {
  const { v, id } = resolve(r, call, by, 'container associations');
  // As the message has always read: without the name's first segment (an old slip, to be fixed
  // on its own, not in passing).
  const name = call.params.associationName!.split('/').slice(1).join('/');
  throw new LookupError({ type: 'no-such-association', version: v, associationType: call.params.associationType!, name, containerId: id }, id);
};
