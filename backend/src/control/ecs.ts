import type { EnableEcsInput, EnableEcsResult } from '@ecs-endpoints/contract';
import type { Backend } from '../app.ts';
import { recreateWithEcsEnvironment } from '../containers/recreate.ts';
import { joinBlocker } from '../docker/network.ts';
import { log } from '../log.ts';
import type { ContainerRecord } from '../tasks/types.ts';
import { HttpError } from './errors.ts';
import { containerView, hasEcsEnvironment, isLabelled } from './views.ts';

/** What POST /api/containers/:id/ecs answers: the contract's result plus a sentence for people. */
export interface EcsChangeResult extends EnableEcsResult {
  message?: string;
}

/** One change at a time per container (by id and name): a double click must not recreate twice. */
const inProgress = new WeakMap<Backend, Set<string>>();

export async function changeEcsMode(b: Backend, r: ContainerRecord, input: EnableEcsInput): Promise<EcsChangeResult> {
  let busy = inProgress.get(b);
  if (!busy) inProgress.set(b, (busy = new Set()));
  if (busy.has(r.id) || busy.has(r.name)) {
    throw new HttpError(409, `ECS mode of "${r.name}" is already being changed.`, 'Wait a moment and reload the list.');
  }
  busy.add(r.id);
  busy.add(r.name);
  try {
    return input.enabled ? await enable(b, r, input.recreate === true) : await disable(b, r);
  } finally {
    busy.delete(r.id);
    busy.delete(r.name);
  }
}

function networkNotReady(b: Backend): HttpError {
  const p = b.problems().find((x) => x.id === 'network' || x.id === 'docker');
  return new HttpError(
    503,
    `The network "${b.config.network}" is not ready${p ? `: ${p.message}` : '.'}`,
    p?.remedy ?? 'Wait until ECS Endpoints has started (see the status), then try again.',
  );
}

async function enable(b: Backend, r: ContainerRecord, recreate: boolean): Promise<EcsChangeResult> {
  const entry = b.model.byContainerId.get(r.id);
  const blocker = joinBlocker(r.networkMode);
  if (blocker) {
    // Already in ECS mode through its namespace owner: nothing to do.
    if (entry) return { container: containerView(b, r) };
    throw new HttpError(409, `Cannot put "${r.name}" in ECS mode. ${blocker}`, blocker);
  }
  if (!b.networkReady) throw networkNotReady(b);
  const hasEnv = hasEcsEnvironment(r);
  if (!hasEnv && recreate) {
    const result = await recreateWithEcsEnvironment(b.index.docker, r.id, {
      network: b.config.network,
      address: b.config.address,
      region: b.config.region,
      launchType: b.config.launchType,
    });
    const fresh = await b.index.refresh(result.id);
    await b.index.refresh(result.oldId).catch(() => undefined);
    b.rememberEcsChoice(result.id, true);
    b.rebuild();
    if (!fresh) throw new HttpError(502, `"${r.name}" was recreated but the new container is gone.`, 'Check docker ps -a and the container\'s logs.');
    log.info('ECS mode on (recreated)', { container: r.name });
    return {
      container: containerView(b, fresh),
      recreatedFrom: result.oldId,
      message: `Recreated "${r.name}" with the ECS environment${result.started ? '' : ' (it was not running, so it was not started)'}; it is in ECS mode.`,
    };
  }
  await b.setEcsMode(r.id, true);
  const now = b.index.get(r.id) ?? r;
  log.info('ECS mode on', { container: r.name, environment: hasEnv });
  return {
    container: containerView(b, now),
    ...(hasEnv
      ? {}
      : {
          message:
            `"${r.name}" is on the network "${b.config.network}", but it has no ECS environment: the AWS SDKs will not look for credentials at ${b.config.address}. ` +
            'Switch ECS mode on with recreate: true to recreate it with the environment, or start it with the variables yourself.',
        }),
  };
}

async function disable(b: Backend, r: ContainerRecord): Promise<EcsChangeResult> {
  const entry = b.model.byContainerId.get(r.id);
  if (entry?.container.via === 'namespace') {
    const owner = b.index.get(entry.container.namespaceOwnerId);
    throw new HttpError(
      409,
      `"${r.name}" is in ECS mode because it shares the network namespace of "${owner?.name ?? entry.container.namespaceOwnerId.slice(0, 12)}".`,
      `Switch ECS mode off for "${owner?.name ?? 'that container'}" instead.`,
    );
  }
  const wasAuto = entry !== undefined && !b.attachedByUser(r.id);
  await b.setEcsMode(r.id, false);
  const now = b.index.get(r.id) ?? r;
  log.info('ECS mode off', { container: r.name });
  let message: string | undefined;
  if (isLabelled(r)) {
    message =
      `"${r.name}" is labelled for ECS mode (ecs-endpoints.enable / ecs-endpoints.preset): it stays out of ECS mode until you switch it on again, ` +
      'but a new container from the same definition (docker compose up after a change, docker run) joins again. Remove the label to keep it out.';
  } else if (wasAuto) {
    message = `"${r.name}" had joined the network by its own configuration (a compose networks: entry or docker run --network): recreating it (docker compose up) puts it back. Remove the network from its definition to keep it out.`;
  }
  return { container: containerView(b, now), ...(message ? { message } : {}) };
}
