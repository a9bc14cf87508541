import { randomBytes, randomUUID } from 'node:crypto';
import type Docker from 'dockerode';
import { buildEcsEnvironment, type EcsEnvironmentSettings } from '@ecs-endpoints/contract';
import { log } from '../log.ts';
import { joinBlocker } from './network.ts';
import { createOptions, endpointConfig, parseEnv } from './recreate-options.ts';

/**
 * Why a container could not be recreated; `remedy` says what to do. `kind`: the container's state
 * is in the way (conflict), the rollback failed (failed), or the Engine refused (docker).
 */
export class RecreateError extends Error {
  constructor(
    message: string,
    readonly remedy: string,
    readonly kind: 'conflict' | 'failed' | 'docker' = 'docker',
  ) {
    super(message);
  }
}

export type EcsEnvSettings = EcsEnvironmentSettings;

// Still exported from here, where the tests (and any caller) have always found it.
export { createOptions } from './recreate-options.ts';

export interface RecreateSettings extends EcsEnvSettings {
  /** The managed network the new container joins. */
  network: string;
  /** Stop timeout when the container has none of its own (seconds). Default 10. */
  stopTimeoutSeconds?: number;
}

export interface RecreateResult {
  id: string;
  oldId: string;
  name: string;
  /** Whether the new container was started (only if the old one was running). */
  started: boolean;
}

/** The variables ECS mode gives a container, with fresh ids. Everything else in `existing` is kept. */
export function ecsEnvironment(existing: Record<string, string>, s: EcsEnvSettings): Record<string, string> {
  // 128 random bits: the credentials id is what a container proves itself with (with its address).
  return buildEcsEnvironment(existing, s, { endpointId: randomUUID(), credentialsId: randomBytes(16).toString('hex') });
}

function dockerMessage(err: unknown): string {
  const e = err as { json?: { message?: string }; message?: string };
  return (e.json?.message ?? e.message ?? String(err)).trim();
}

/** What the stages of one recreation share. */
interface Recreation {
  docker: Docker;
  old: Docker.Container;
  info: Docker.ContainerInspectInfo;
  s: RecreateSettings;
  /** Without Docker's leading slash. */
  name: string;
  /** The old container's name while the new one takes over its own. */
  asideName: string;
  wasRunning: boolean;
}

/** Where the swap was when it failed: what the rollback must undo, and what the error says. */
type SwapStage = 'stop' | 'rename' | 'rename-new' | 'start';

/**
 * Recreate a container with its configuration preserved plus the ECS environment, on the managed
 * network, labelled ecs-endpoints.managed=true. The new container is created (under a temporary
 * name) before the old one is touched; then the old one is stopped and renamed, the new one takes
 * its name and starts, and only once it runs is the old one removed. If anything fails after the
 * old one was stopped, the new one is removed and the old one gets its name back and is started
 * again. Volumes are kept (anonymous ones are mounted into the new container by name).
 */
export async function recreateWithEcsEnvironment(docker: Docker, containerId: string, s: RecreateSettings): Promise<RecreateResult> {
  const old = docker.getContainer(containerId);
  const info = await inspectRecreatable(old, s.network);
  const name = info.Name.replace(/^\//, '');
  const imageRef = await imageAsRun(docker, info);
  const env = ecsEnvironment(Object.fromEntries(parseEnv(info.Config.Env)), s);
  const suffix = randomBytes(3).toString('hex');
  const r: Recreation = { docker, old, info, s, name, asideName: `${name}-ecs-old-${suffix}`, wasRunning: info.State.Running };

  // 1. Create the new container, untouched old one still running: a bad configuration fails here.
  const created = await createCopy(r, env, imageRef, `${name}-ecs-new-${suffix}`);
  const removeNew = () => created.remove({ force: true }).catch((e: unknown) => log.warn('recreate: could not remove the new container', { name, error: dockerMessage(e) }));
  try {
    await connectNetworks(r, created);
  } catch (err) {
    await removeNew();
    throw new RecreateError(`Cannot connect the copy of "${name}" to its networks: ${dockerMessage(err)}`, 'Nothing was changed. Check the networks exist (docker network ls) and try again.', 'docker');
  }

  // 2. Swap: stop and rename the old one, give the new one the name, start it.
  await swapOrRestore(r, created, removeNew);

  // 3. The new one runs (or was created, for a stopped original): the old one can go. Volumes stay.
  await old.remove({ force: true, v: false }).catch((e: unknown) => log.warn('recreate: could not remove the old container', { name: r.asideName, error: dockerMessage(e) }));
  log.info('container recreated with the ECS environment', { name, old: info.Id.slice(0, 12), new: created.id.slice(0, 12) });
  return { id: created.id, oldId: info.Id, name, started: r.wasRunning };
}

/** Inspect the container and refuse the states a recreation would harm or cannot handle. */
async function inspectRecreatable(old: Docker.Container, network: string): Promise<Docker.ContainerInspectInfo> {
  let info: Docker.ContainerInspectInfo;
  try {
    info = await old.inspect();
  } catch (err) {
    throw new RecreateError(`Cannot inspect the container: ${dockerMessage(err)}`, 'Reload the list; the container may have been removed.', 'conflict');
  }
  const name = info.Name.replace(/^\//, '');
  const blocker = joinBlocker(info.HostConfig.NetworkMode ?? '');
  if (blocker) throw new RecreateError(`Cannot put "${name}" in ECS mode. ${blocker}`, blocker, 'conflict');
  if (info.HostConfig.AutoRemove) {
    throw new RecreateError(
      `"${name}" was started with --rm, so stopping it would remove it: it cannot be recreated safely.`,
      `Start it again with the ECS environment yourself (docker run --network ${network} -e AWS_CONTAINER_CREDENTIALS_RELATIVE_URI=… ), or without --rm, then switch ECS mode on.`,
      'conflict',
    );
  }
  if (info.State.Paused) throw new RecreateError(`"${name}" is paused.`, `Unpause it (docker unpause ${name}) and try again.`, 'conflict');
  if (info.State.Restarting) throw new RecreateError(`"${name}" is restarting.`, 'Wait until it runs (or stop it) and try again.', 'conflict');
  return info;
}

/** The image as it was: if the tag has moved since, the exact image the container runs. */
async function imageAsRun(docker: Docker, info: Docker.ContainerInspectInfo): Promise<string> {
  try {
    const img = await docker.getImage(info.Config.Image).inspect();
    return img.Id !== info.Image ? info.Image : info.Config.Image;
  } catch {
    return info.Image;
  }
}

/** The copy under a temporary name; nothing is changed yet, so a failure needs no rollback. */
async function createCopy(r: Recreation, env: Record<string, string>, imageRef: string, tempName: string): Promise<Docker.Container> {
  try {
    return await r.docker.createContainer(createOptions(r.info, env, imageRef, tempName));
  } catch (err) {
    throw new RecreateError(`Cannot create a copy of "${r.name}" with the ECS environment: ${dockerMessage(err)}`, 'Nothing was changed. Fix the cause and try again.', 'docker');
  }
}

/** The old container's other networks (the primary one was given at create), then the managed one if it was on neither. */
async function connectNetworks(r: Recreation, created: Docker.Container): Promise<void> {
  const { info, docker } = r;
  const primary = info.HostConfig.NetworkMode && info.HostConfig.NetworkMode !== 'default' ? info.HostConfig.NetworkMode : 'bridge';
  for (const [net, ep] of Object.entries(info.NetworkSettings?.Networks ?? {})) {
    if (net === primary) continue;
    await docker.getNetwork(net).connect({ Container: created.id, EndpointConfig: endpointConfig(net, ep, info.Id) });
  }
  if (!info.NetworkSettings?.Networks?.[r.s.network] && primary !== r.s.network) {
    await docker.getNetwork(r.s.network).connect({ Container: created.id });
  }
}

/** The swap; on failure, the new container is removed, the original restored, and a RecreateError thrown. */
async function swapOrRestore(r: Recreation, created: Docker.Container, removeNew: () => Promise<unknown>): Promise<void> {
  // Advanced by swap as it goes, read by the rollback.
  const at: { stage: SwapStage } = { stage: 'stop' };
  try {
    await swap(r, created, at);
  } catch (err) {
    const reason = dockerMessage(err);
    log.warn('recreate failed; restoring the original container', { name: r.name, stage: at.stage, error: reason });
    await removeNew();
    const restored = await restoreOriginal(r, at.stage);
    throw swapError(r, at.stage, reason, restored);
  }
}

/** Stop and rename the old one, give the new one the name, start it (if the old one ran). */
async function swap({ old, info, s, name, asideName, wasRunning }: Recreation, created: Docker.Container, at: { stage: SwapStage }): Promise<void> {
  if (wasRunning) await old.stop({ t: (info.Config as { StopTimeout?: number }).StopTimeout ?? s.stopTimeoutSeconds ?? 10 });
  at.stage = 'rename';
  await old.rename({ name: asideName });
  at.stage = 'rename-new';
  await created.rename({ name });
  if (!wasRunning) return;
  at.stage = 'start';
  await created.start();
  const now = await created.inspect();
  if (!now.State.Running && now.State.ExitCode !== 0) {
    throw new Error(`it exited at once with code ${now.State.ExitCode}${now.State.Error ? ` (${now.State.Error})` : ''}`);
  }
}

/** Give the old container its name back (if it was renamed) and start it again (if it ran). False when that failed. */
async function restoreOriginal({ old, name, wasRunning }: Recreation, stage: SwapStage): Promise<boolean> {
  try {
    if (stage !== 'stop' && stage !== 'rename') await old.rename({ name });
    if (wasRunning) await old.start().catch((e: unknown) => {
      if (!/already (started|running)/i.test(dockerMessage(e))) throw e;
    });
    return true;
  } catch (e) {
    log.error('recreate: could not restore the original container', { name, error: dockerMessage(e) });
    return false;
  }
}

function swapError({ name, asideName, wasRunning }: Recreation, stage: SwapStage, reason: string, restored: boolean): RecreateError {
  return new RecreateError(
    `Recreating "${name}" failed (${stage === 'start' ? 'the new container did not start' : `at ${stage}`}): ${reason}`,
    restored
      ? `The original container was restored${wasRunning ? ' and started again' : ''}. Fix the cause (for example a port another container holds) and try again.`
      : `The original container is kept as "${stage === 'rename-new' || stage === 'start' ? asideName : name}"; rename it back (docker rename ${asideName} ${name}) and start it.`,
    'docker',
  );
}
