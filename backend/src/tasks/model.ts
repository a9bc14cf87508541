import { createHash } from 'node:crypto';
import { compareTimes, taskTimes } from './times.ts';
import { zoneIdFor } from './zones.ts';
import { DEFAULT_EFFECTIVE_SOURCE, type ContainerRecord, type EffectiveSource, type IdAllocator, type ModelSettings, type Task, type TaskContainer, type TaskModel, type TaskOverrides } from './types.ts';

/** Labels a user can put on a container (compose `labels:`) to shape its task. */
export const LABEL = {
  enable: 'ecs-endpoints.enable',
  preset: 'ecs-endpoints.preset',
  /** Groups containers into one task by name, across compose projects or for plain containers. */
  task: 'ecs-endpoints.task',
  containerName: 'ecs-endpoints.container-name',
  family: 'ecs-endpoints.family',
  revision: 'ecs-endpoints.revision',
  cluster: 'ecs-endpoints.cluster',
  launchType: 'ecs-endpoints.launch-type',
  availabilityZone: 'ecs-endpoints.availability-zone',
  availabilityZoneId: 'ecs-endpoints.availability-zone-id',
  serviceName: 'ecs-endpoints.service-name',
  taskArn: 'ecs-endpoints.task-arn',
  cpu: 'ecs-endpoints.cpu',
  memory: 'ecs-endpoints.memory',
  tagPrefix: 'ecs-endpoints.tag.',
  /** Service discovery names on the managed network (network aliases), comma separated. */
  discoveryNames: 'ecs-endpoints.discovery-names',
  /** A credential source spec for the container (profile:<name>, source:<id>, role-arn:<arn>?from=…). */
  source: 'ecs-endpoints.source',
  /** Set by the task-definition runner on its containers: the run's task id. */
  run: 'ecs-endpoints.run',
  /** `pause`: the runner's pause container holding an awsvpc task's network namespace. */
  internal: 'ecs-endpoints.internal',
  /** The log configuration a task definition gave (Docker keeps the logs locally): shown in LogDriver / LogOptions. */
  logDriver: 'ecs-endpoints.log-driver',
  logOptions: 'ecs-endpoints.log-options',
  /** `true`: the task has enableFaultInjection (the agent's fault routes under ECS_AGENT_URI work for it). */
  faultInjection: 'ecs-endpoints.fault-injection',
  /** Set on containers this backend created (recreated with the ECS environment). */
  managed: 'ecs-endpoints.managed',
} as const;

const COMPOSE_PROJECT = 'com.docker.compose.project';
const COMPOSE_SERVICE = 'com.docker.compose.service';

/** Optional hook for presets: overrides for a container's task, and its task-definition name. */
export type OverridesFor = (record: ContainerRecord) => (TaskOverrides & { containerName?: string }) | undefined;

/** What the model takes from presets and the credentials room, as plain functions (this room imports neither). */
export interface ModelPolicy {
  overridesFor?: OverridesFor;
  sourceOf?: (record: ContainerRecord) => EffectiveSource;
}

export function isOnNetwork(record: ContainerRecord, network: string): boolean {
  return record.networks.some((n) => n.name === network);
}

/** The container id (or name) whose namespace this one joins, for network_mode: container:<x>. */
export function namespaceTarget(record: ContainerRecord): string | undefined {
  return record.networkMode.startsWith('container:') ? record.networkMode.slice('container:'.length) : undefined;
}

// Parsed where the ECS environment is built, in the contract (the UI shares it).
export { credentialsIdFromEnv, endpointIdFromEnv } from '@ecs-endpoints/contract';
import { credentialsIdFromEnv, endpointIdFromEnv } from '@ecs-endpoints/contract';

function overridesFromLabels(labels: Record<string, string>): TaskOverrides {
  const o: TaskOverrides = {};
  if (labels[LABEL.cluster]) o.cluster = labels[LABEL.cluster];
  if (labels[LABEL.family]) o.family = labels[LABEL.family];
  if (labels[LABEL.revision]) o.revision = labels[LABEL.revision];
  const lt = labels[LABEL.launchType]?.toUpperCase();
  if (lt === 'EC2' || lt === 'FARGATE' || lt === 'EXTERNAL') o.launchType = lt;
  if (labels[LABEL.availabilityZone]) o.availabilityZone = labels[LABEL.availabilityZone];
  if (labels[LABEL.availabilityZoneId]) o.availabilityZoneId = labels[LABEL.availabilityZoneId];
  if (labels[LABEL.serviceName]) o.serviceName = labels[LABEL.serviceName];
  if (labels[LABEL.taskArn]) o.taskArn = labels[LABEL.taskArn];
  const cpu = Number(labels[LABEL.cpu]);
  if (labels[LABEL.cpu] && cpu > 0) o.cpu = cpu;
  const mem = Number(labels[LABEL.memory]);
  if (labels[LABEL.memory] && mem > 0) o.memory = Math.round(mem);
  const tags: Record<string, string> = {};
  for (const [k, v] of Object.entries(labels)) if (k.startsWith(LABEL.tagPrefix)) tags[k.slice(LABEL.tagPrefix.length)] = v;
  if (Object.keys(tags).length) o.tags = tags;
  const fault = labels[LABEL.faultInjection]?.toLowerCase();
  if (fault === 'true' || fault === 'false') o.faultInjection = fault === 'true';
  return o;
}

/** Task families allow letters, digits, hyphens and underscores, up to 255 characters. */
export function toFamily(name: string): string {
  const f = name.replace(/[^A-Za-z0-9_-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 255);
  return f || 'local';
}

/** A UUID-shaped id derived from a seed, for container ARNs (stable without extra state). */
function derivedUuid(seed: string): string {
  const h = createHash('sha256').update(seed).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${((parseInt(h[16]!, 16) & 3) | 8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

function byCreation(a: TaskContainer, b: TaskContainer): number {
  return compareTimes(a.record.created, b.record.created) || a.record.id.localeCompare(b.record.id);
}

/** A container in ECS mode, with the container whose network namespace it uses. */
interface Member {
  record: ContainerRecord;
  owner: ContainerRecord;
  via: 'network' | 'namespace';
}

type Entry = { task: Task; container: TaskContainer };

/**
 * Group the containers in ECS mode into tasks. A container is in ECS mode when it is attached to
 * the managed network, or when it shares the network namespace of one that is. Grouping: an
 * explicit `ecs-endpoints.task` label, else the compose project, else the namespace owner's
 * task (awsvpc-style), else the container alone.
 */
export function buildModel(
  records: Iterable<ContainerRecord>,
  settings: ModelSettings,
  ids: IdAllocator,
  version: number,
  policy: ModelPolicy = {},
): TaskModel {
  const model = emptyModel(version);
  for (const [key, group] of groupIntoTasks(ecsMembers([...records], settings.network))) {
    const task = makeTask(key, group, settings, ids, policy);
    model.tasks.push(task);
    // Indexed in grouping order, as made: which namespace member answers for an address (byIp) depends on it.
    indexTask(model, task);
  }
  model.tasks.sort((a, b) => a.family.localeCompare(b.family) || a.id.localeCompare(b.id));
  return model;
}

/** Finds a container by id, name, or an id prefix of at least 12 characters (as in container:<x>). */
function resolver(all: ContainerRecord[]): (ref: string) => ContainerRecord | undefined {
  const byId = new Map(all.map((r) => [r.id, r]));
  const byDockerName = new Map(all.map((r) => [r.name, r]));
  return (ref) => byId.get(ref) ?? byDockerName.get(ref) ?? (ref.length >= 12 ? all.find((r) => r.id.startsWith(ref)) : undefined);
}

/** Namespace owner: follow container:<x> links (bounded, in case of a cycle). */
function namespaceOwner(r: ContainerRecord, resolve: (ref: string) => ContainerRecord | undefined): ContainerRecord | undefined {
  let cur: ContainerRecord | undefined = r;
  for (let i = 0; i < 8 && cur; i++) {
    const t = namespaceTarget(cur);
    if (!t) return cur;
    cur = resolve(t);
  }
  return undefined;
}

/** The containers whose namespace owner is on the managed network, in the order given. */
function ecsMembers(all: ContainerRecord[], network: string): Member[] {
  const resolve = resolver(all);
  const members: Member[] = [];
  for (const r of all) {
    const owner = namespaceOwner(r, resolve);
    if (!owner || !isOnNetwork(owner, network)) continue;
    members.push({ record: r, owner, via: owner === r ? 'network' : 'namespace' });
  }
  return members;
}

function taskKey(r: ContainerRecord, owner: ContainerRecord): string {
  if (r.labels[LABEL.task]) return `label:${r.labels[LABEL.task]}`;
  if (r.labels[COMPOSE_PROJECT]) return `compose:${r.labels[COMPOSE_PROJECT]}`;
  if (owner !== r) return taskKey(owner, owner);
  return `container:${r.id}`;
}

/** Members by task key, keys in order of first appearance. */
function groupIntoTasks(members: Member[]): Map<string, Member[]> {
  const groups = new Map<string, Member[]>();
  for (const m of members) {
    const k = taskKey(m.record, m.owner);
    const g = groups.get(k);
    if (g) g.push(m);
    else groups.set(k, [m]);
  }
  return groups;
}

/** Labels of any member (earliest created first wins), then presets on top. `sorted`: by creation. */
function taskOverrides(sorted: Member[], overridesFor: OverridesFor | undefined): TaskOverrides {
  const o: TaskOverrides = {};
  for (const m of [...sorted].reverse()) Object.assign(o, overridesFromLabels(m.record.labels));
  for (const m of [...sorted].reverse()) {
    const { containerName: _name, ...task } = overridesFor?.(m.record) ?? {};
    Object.assign(o, task);
  }
  return o;
}

/** The task id and ARN: from an overriding ARN (its last segment), else allocated for the key. */
function taskIdentity(key: string, o: TaskOverrides, cluster: string, settings: ModelSettings, ids: IdAllocator): { id: string; arn: string } {
  if (o.taskArn) return { arn: o.taskArn, id: o.taskArn.split('/').pop() || ids.taskId(key) };
  const id = ids.taskId(key);
  return { id, arn: `arn:aws:ecs:${settings.region}:${settings.accountId}:task/${cluster}/${id}` };
}

function taskStatus(group: Member[]): Pick<Task, 'knownStatus' | 'desiredStatus'> {
  const anyRunning = group.some((m) => m.record.state === 'running' || m.record.state === 'restarting' || m.record.state === 'paused');
  const allCreated = group.every((m) => m.record.state === 'created');
  return {
    knownStatus: anyRunning ? 'RUNNING' : allCreated ? 'CREATED' : 'STOPPED',
    desiredStatus: anyRunning || allCreated ? 'RUNNING' : 'STOPPED',
  };
}

/** The zone (default: the region's first) and, as the EC2 agent sends it, its ID (none from an agent off EC2). */
function zone(o: TaskOverrides, settings: ModelSettings): Pick<Task, 'availabilityZone' | 'availabilityZoneId'> {
  const availabilityZone = o.availabilityZone ?? `${settings.region}a`;
  const launchType = o.launchType ?? settings.launchType;
  return { availabilityZone, availabilityZoneId: o.availabilityZoneId ?? (launchType === 'EC2' ? zoneIdFor(availabilityZone) : undefined) };
}

function makeTask(key: string, group: Member[], settings: ModelSettings, ids: IdAllocator, policy: ModelPolicy): Task {
  const sorted = [...group].sort((a, b) => compareTimes(a.record.created, b.record.created));
  const o = taskOverrides(sorted, policy.overridesFor);
  const first = sorted[0]!.record;
  const defaultFamily = key.startsWith('label:') ? key.slice(6) : (first.labels[COMPOSE_PROJECT] ?? first.name);
  const cluster = o.cluster ?? settings.cluster;
  const { id, arn } = taskIdentity(key, o, cluster, settings, ids);
  const status = taskStatus(group);
  const task: Task = {
    key,
    id,
    arn,
    cluster,
    family: toFamily(o.family ?? defaultFamily),
    revision: o.revision ?? '1',
    launchType: o.launchType ?? settings.launchType,
    ...zone(o, settings),
    vpcId: o.vpcId,
    serviceName: o.serviceName,
    cpu: o.cpu,
    memory: o.memory,
    tags: o.tags ?? {},
    faultInjection: o.faultInjection ?? false,
    networkMode: group.some((m) => m.via === 'namespace') ? 'awsvpc' : 'bridge',
    ...status,
    ...taskTimes(sorted, status.knownStatus),
    containers: [],
  };
  for (const m of group) task.containers.push(taskContainer(m, task, settings, ids, policy));
  task.containers.sort(byCreation);
  return task;
}

function taskContainer(m: Member, task: Task, settings: ModelSettings, ids: IdAllocator, { overridesFor, sourceOf }: ModelPolicy): TaskContainer {
  const r = m.record;
  const endpointId = ids.endpointId(r.id, endpointIdFromEnv(r.env));
  const ownerNet = m.owner.networks.find((n) => n.name === settings.network);
  return {
    record: r,
    endpointId,
    ecsName: r.labels[LABEL.containerName] ?? overridesFor?.(r)?.containerName ?? r.labels[COMPOSE_SERVICE] ?? r.name,
    arn: `arn:aws:ecs:${settings.region}:${settings.accountId}:container/${task.cluster}/${task.id}/${derivedUuid(endpointId)}`,
    namespaceOwnerId: m.owner.id,
    address: ownerNet?.ip || undefined,
    credentialsId: credentialsIdFromEnv(r.env),
    via: m.via,
    type: r.labels[LABEL.internal] === 'pause' ? 'CNI_PAUSE' : 'NORMAL',
    source: sourceOf?.(r) ?? DEFAULT_EFFECTIVE_SOURCE,
  };
}

function emptyModel(version: number): TaskModel {
  return {
    version,
    tasks: [],
    byEndpointId: new Map(),
    byContainerId: new Map(),
    byIp: new Map(),
    byName: new Map(),
    byCredentialsId: new Map(),
    byTaskArn: new Map(),
  };
}

function indexTask(model: TaskModel, task: Task): void {
  model.byTaskArn.set(task.arn, task);
  for (const c of task.containers) {
    const entry = { task, container: c };
    model.byEndpointId.set(c.endpointId, entry);
    model.byContainerId.set(c.record.id, entry);
    // The namespace owner answers for its address; members only if the owner is not in the model.
    if (c.address && c.record.state === 'running' && (c.via === 'network' || !model.byIp.has(c.address))) {
      model.byIp.set(c.address, entry);
    }
    for (const n of new Set([c.ecsName, c.record.name])) addTo(model.byName, n, entry);
    if (c.credentialsId) addTo(model.byCredentialsId, c.credentialsId, entry);
  }
}

function addTo(index: Map<string, Entry[]>, key: string, entry: Entry): void {
  const list = index.get(key);
  if (list) list.push(entry);
  else index.set(key, [entry]);
}
