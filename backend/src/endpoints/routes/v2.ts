import { LookupError } from '../errors.ts';
import { ok } from '../responses.ts';
import type { Entry, Handler, Reads } from '../types.ts';
import { containerBody, primeStats, statsBody, taskBody, taskStatsBody } from './bodies.ts';

/*
 * Task metadata v2 (spec §4): the task is the caller's, found by its source address; a container
 * is named by its Docker id.
 */

function caller(r: Reads, ip: string): Entry {
  const e = r.model().byIp.get(ip);
  if (!e) throw new LookupError({ type: 'caller-not-in-ecs-mode', api: 'v2', ip });
  return e;
}

export const v2TaskMetadata = (withTags: boolean): Handler => (r, { req }) => {
  const e = caller(r, req.remoteIp);
  return ok(taskBody(r, e.task, 'v2', withTags), e.container.record.id);
};

/** Any container by Docker id: the agent does not check it is the caller's. */
export const v2ContainerMetadata: Handler = (r, { req, params }) => {
  const m = r.model();
  const callerId = m.byIp.get(req.remoteIp)?.container.record.id;
  const e = m.byContainerId.get(params.cid!);
  if (!e) throw new LookupError({ type: 'unknown-container', id: params.cid! }, callerId);
  return ok(containerBody(r, e, 'v2'), callerId);
};

export const v2TaskStats: Handler = async (r, { req }) => {
  const e = caller(r, req.remoteIp);
  await primeStats(r, e.task.containers.map((c) => c.record.id));
  return ok(taskStatsBody(r, e.task, 'v2'), e.container.record.id);
};

/** Only a container of the caller's task: the agent's stats engine is keyed by the caller's task. */
export const v2ContainerStats: Handler = async (r, { req, params }) => {
  const e = caller(r, req.remoteIp);
  const id = params.cid!;
  if (!e.task.containers.some((c) => c.record.id === id) || !r.deps.stats.isTracked(id)) {
    throw new LookupError({ type: 'no-stats', version: 'v2', id }, e.container.record.id);
  }
  await primeStats(r, [id]);
  return ok(statsBody(r, id, 'v2'), e.container.record.id);
};
