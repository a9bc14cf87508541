import { goJson } from '../gojson.ts';
import type { TaskModel } from '../tasks/types.ts';
import { cleanPath } from './router.ts';
import { renderIntrospectionTask } from './render.ts';

/** The agent version this emulation follows (spec: agent 1.105.1). */
export const AGENT_VERSION = '1.105.1';

const EMPTY_TASK = '{"Arn":"","KnownStatus":"","Family":"","Version":"","Containers":null}';
const AVAILABLE = '{"AvailableCommands":["/v1/metadata","/v1/tasks","/license"]}';

export interface IntrospectionResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Agent introspection (port 51678, spec §9): Go ServeMux semantics, no throttling. */
export function introspect(
  url: string,
  model: TaskModel,
  info: { cluster: string; containerInstanceArn: string; version: string },
): IntrospectionResponse {
  const q = url.indexOf('?');
  const path = q >= 0 ? url.slice(0, q) : url;
  const cleaned = cleanPath(path);
  if (cleaned !== path) return { status: 301, headers: { Location: cleaned + (q >= 0 ? url.slice(q) : '') }, body: '' };
  const json = (status: number, body: string) => ({ status, headers: { 'Content-Type': 'application/json' }, body });

  if (path === '/v1/metadata') {
    return json(200, goJson({ Cluster: info.cluster, ContainerInstanceArn: info.containerInstanceArn, Version: `Amazon ECS Agent - v${AGENT_VERSION} (${info.version})` }));
  }
  if (path === '/v1/tasks') {
    const params = new URLSearchParams(q >= 0 ? url.slice(q + 1) : '');
    const dockerId = params.get('dockerid');
    const taskArn = params.get('taskarn');
    if (dockerId !== null && taskArn !== null) return json(400, EMPTY_TASK);
    if (taskArn !== null) {
      const t = model.byTaskArn.get(taskArn);
      return t ? json(200, goJson(renderIntrospectionTask(t))) : json(404, EMPTY_TASK);
    }
    if (dockerId !== null) {
      // Longer than 12 characters: exact match; otherwise a short-id prefix that must be unique.
      const matches = dockerId.length > 12
        ? [model.byContainerId.get(dockerId)].filter((x) => x !== undefined)
        : [...model.byContainerId.values()].filter((e) => e.container.record.id.startsWith(dockerId));
      if (matches.length > 1) return json(400, EMPTY_TASK);
      return matches[0] ? json(200, goJson(renderIntrospectionTask(matches[0].task))) : json(404, EMPTY_TASK);
    }
    return json(200, goJson({ Tasks: model.tasks.map(renderIntrospectionTask) }));
  }
  if (path === '/license') {
    return {
      status: 200,
      headers: { 'Content-Type': 'text/plain; charset=utf-8' },
      body: 'ECS Endpoints, a local emulation of the Amazon ECS container agent endpoints.\nLicensed under the Apache License, Version 2.0.\n',
    };
  }
  // Everything else answers 200 with the command list; Go sniffs it as text/plain.
  return { status: 200, headers: { 'Content-Type': 'text/plain; charset=utf-8' }, body: AVAILABLE };
}
