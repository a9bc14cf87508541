import { hostname } from 'node:os';
import { hasEcsEnvironment as hasEnvironment, type ContainerView, type FaultView, type PresetView, type PresetsView, type SourceView, type StatusView } from '@ecs-endpoints/contract';
import { VERSION, type Backend } from '../backend.ts';
import { DEFAULT_SOURCE_ID } from '../credentials/registry.ts';
import { HELPER_LABEL } from '../docker/guard/runner.ts';
import { joinBlocker } from '../docker/network.ts';
import { isLabelled } from '../ecs-mode/service.ts';
import type { ContainerRecord } from '../tasks/types.ts';

const COMPOSE_PROJECT = 'com.docker.compose.project';
const COMPOSE_SERVICE = 'com.docker.compose.service';
/** Docker Desktop's extension containers (ours included) carry this label; Docker Desktop hides them too. */
const DESKTOP_PLUGIN = 'com.docker.desktop.plugin';

export function statusView(b: Backend): StatusView {
  const c = b.config;
  const conn = b.index.connected ? b.index.connection : undefined;
  return {
    version: VERSION,
    topology: c.topology,
    docker: {
      connected: b.index.connected,
      ...(conn ? { version: conn.engineVersion, apiVersion: conn.apiVersion } : {}),
    },
    network: { name: c.network, subnet: c.subnet.cidr, ...(b.network.ipv6 ? { ipv6Subnet: b.network.ipv6.subnet } : {}), ...(b.network.id ? { id: b.network.id } : {}), ready: b.networkReady },
    endpoint: {
      address: c.address,
      ports: {
        metadata: c.metadataPorts[0] ?? 80,
        agent: c.metadataPorts[1] ?? c.metadataPorts[0] ?? 51679,
        introspection: c.introspectionPort,
      },
      listening: b.listening,
    },
    addressGuard: b.guard.status.state === 'unavailable' ? { state: 'unavailable', reason: b.guard.status.reason } : { state: b.guard.status.state },
    defaultSourceId: DEFAULT_SOURCE_ID,
    region: c.region,
    problems: b.problems(),
  };
}

/** Docker's `units.HumanDuration`, as in `docker ps` ("Up 3 minutes"). */
export function humanDuration(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s < 1) return 'Less than a second';
  if (s === 1) return '1 second';
  if (s < 60) return `${s} seconds`;
  const m = Math.floor(ms / 60_000);
  if (m === 1) return 'About a minute';
  if (m < 60) return `${m} minutes`;
  const h = Math.floor(ms / 3_600_000 + 0.5);
  if (h === 1) return 'About an hour';
  if (h < 48) return `${h} hours`;
  if (h < 24 * 7 * 2) return `${Math.floor(h / 24)} days`;
  if (h < 24 * 30 * 2) return `${Math.floor(h / 24 / 7)} weeks`;
  if (h < 24 * 365 * 2) return `${Math.floor(h / 24 / 30)} months`;
  return `${Math.floor(ms / 3_600_000 / 24 / 365)} years`;
}

/** Docker's human status of a container, as `docker ps` shows it. */
export function humanStatus(r: ContainerRecord, now = Date.now()): string {
  const since = (t: string | undefined) => humanDuration(Math.max(0, now - (t ? Date.parse(t) : now)));
  switch (r.state) {
    case 'running': {
      const health = r.health?.status && r.health.status !== 'none' ? ` (${r.health.status === 'starting' ? 'health: starting' : r.health.status})` : '';
      return `Up ${since(r.startedAt)}${health}`;
    }
    case 'paused':
      return `Up ${since(r.startedAt)} (Paused)`;
    case 'restarting':
      return `Restarting (${r.exitCode ?? 0}) ${since(r.finishedAt)} ago`;
    case 'exited':
      return `Exited (${r.exitCode ?? 0}) ${since(r.finishedAt)} ago`;
    case 'created':
      return 'Created';
    case 'removing':
      return 'Removal In Progress';
    case 'dead':
      return 'Dead';
  }
}

/** Does the container carry the variables the SDKs look for? */
export function hasEcsEnvironment(r: ContainerRecord): boolean {
  return hasEnvironment(r.env);
}


/** The backend's own container (container topology), its short-lived helpers and Docker Desktop's extension containers are not listed. */
export function isListed(b: Backend, r: ContainerRecord): boolean {
  if (r.labels[DESKTOP_PLUGIN] !== undefined || r.labels[HELPER_LABEL] !== undefined) return false;
  if (b.config.topology === 'container') {
    const self = b.config.self ?? hostname();
    if (self && (r.id.startsWith(self) || r.name === self)) return false;
  }
  return true;
}

export function containerView(b: Backend, r: ContainerRecord): ContainerView {
  const entry = b.model.byContainerId.get(r.id);
  const enabled = entry !== undefined;
  const blocker = joinBlocker(r.networkMode);
  let canEnable = !blocker;
  let reason = blocker;
  if (canEnable && (r.state === 'removing' || r.state === 'dead')) {
    canEnable = false;
    reason = `It is ${r.state === 'dead' ? 'dead' : 'being removed'}.`;
  } else if (canEnable && !enabled && !b.networkReady) {
    canEnable = false;
    reason = `The network "${b.config.network}" is not ready yet (see the problems above).`;
  }
  const onNetwork = entry?.container.via === 'network';
  // On the network without the user switching it on: compose networks:, docker run --network, or a label.
  const auto = isLabelled(r) || (onNetwork && !b.ecsMode.attachedByUser(r.id));
  const eff = entry?.container.source ?? b.sourceOf(r);
  const assigned = b.assignments.get(r.name);
  const last = b.requests.lastByContainer.get(r.id);
  const project = r.labels[COMPOSE_PROJECT];
  return {
    id: r.id,
    name: r.name,
    image: r.image,
    state: r.state,
    status: humanStatus(r),
    ...(project ? { compose: { project, service: r.labels[COMPOSE_SERVICE] ?? '' } } : {}),
    ecs: {
      enabled,
      ...(entry?.container.address ? { address: entry.container.address } : {}),
      canEnable,
      ...(reason ? { reason } : {}),
      hasEnvironment: hasEcsEnvironment(r),
      auto,
    },
    ...(entry
      ? { task: { arn: entry.task.arn, family: entry.task.family, revision: entry.task.revision, containerName: entry.container.ecsName, ...faultsOf(b, entry.task.arn) } }
      : {}),
    source: {
      effectiveId: eff.id,
      origin: eff.origin,
      ...(assigned ? { assignedId: assigned } : {}),
      ...(eff.presetName ? { presetName: eff.presetName } : {}),
    },
    ...(last ? { lastCall: { ...last } } : {}),
    discovery: { names: b.discovery.view(r) },
  };
}

/** The faults running in the task's namespace, when there are any. */
function faultsOf(b: Backend, taskArn: string): { faults?: FaultView[] } {
  const faults = b.faults.faultsOf(taskArn);
  return faults.length ? { faults } : {};
}

/** Every container the UI lists, by name (rows do not jump when ECS mode or the state changes). */
export function containerViews(b: Backend): ContainerView[] {
  return [...b.index.all()]
    .filter((r) => isListed(b, r))
    .map((r) => containerView(b, r))
    .sort((x, y) => x.name.localeCompare(y.name) || x.id.localeCompare(y.id));
}

/** Sources without secrets, each with the ids of the listed containers assigned to it (by name). */
export function sourceViews(b: Backend): SourceView[] {
  const byName = b.assignments.all();
  const assigned = new Map<string, string[]>();
  for (const r of b.index.all()) {
    const id = byName[r.name];
    if (!id || !isListed(b, r)) continue;
    const list = assigned.get(id);
    if (list) list.push(r.id);
    else assigned.set(id, [r.id]);
  }
  return b.sourcesService.list(b.sourcesInUse()).map((s) => ({ ...s, assignedTo: assigned.get(s.id) ?? [] }));
}

export function sourceView(b: Backend, id: string): SourceView | undefined {
  return sourceViews(b).find((s) => s.id === id) ?? (b.sources.get(id) ? { ...b.sources.get(id)!, assignedTo: [] } : undefined);
}

/**
 * The presets in force, each with the listed containers in ECS mode it applies to (by its label or
 * its match rules: what gives them its task metadata, and its credentials unless they have their own).
 */
export function presetsView(b: Backend): PresetsView {
  const st = b.presets.state();
  const using = new Map<string, string[]>();
  for (const r of b.index.all()) {
    if (!isListed(b, r) || !b.model.byContainerId.has(r.id)) continue;
    const p = b.presets.current.for(r);
    if (!p) continue;
    const list = using.get(p.name);
    if (list) list.push(r.name);
    else using.set(p.name, [r.name]);
  }
  const presets: PresetView[] = st.presets.map((p) => ({ ...p, matchedContainers: (using.get(p.name) ?? []).sort() }));
  return { presets, ...(st.file ? { file: { ...st.file } } : {}) };
}
