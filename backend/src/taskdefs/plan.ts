import { buildEcsEnvironment } from '@ecs-endpoints/contract';
import { LABEL } from '../tasks/model.ts';
import { METADATA_ENV, METADATA_FILE_NAME, metadataDir } from './metadata-file.ts';
import { startOrder, type ContainerDef, type ParsedTaskDef, type TaskDef } from './parse.ts';

/**
 * From a parsed task definition to what Docker must create, the way the ECS agent lays a task out
 * on an instance. Pure: ids come in, Docker create options go out (in dockerode's shape, kept as
 * plain data so this room does not depend on dockerode).
 */

export interface PlanSettings {
  region: string;
  accountId: string;
  cluster: string;
  launchType: 'EC2' | 'FARGATE' | 'EXTERNAL';
  /** The managed network and the endpoint address on it. */
  network: string;
  address: string;
  /** The image (and entrypoint, if it needs one) of the container holding an awsvpc task's namespace. */
  pause: { image: string; entrypoint?: string[] };
  /** Every container gets the container metadata file (the agent's ECS_ENABLE_CONTAINER_METADATA). */
  containerMetadata?: boolean;
}

export interface PlanIds {
  /** 32 hex characters. */
  taskId: string;
  /** One credentials id for the whole task (the task role), as on ECS. */
  credentialsId: string;
  /** One endpoint id (v4 UUID) per container name. */
  endpointIds: Record<string, string>;
}

/** A Docker container to create: dockerode's ContainerCreateOptions as plain data. */
export type CreateSpec = Record<string, unknown> & { name: string; Image: string; Env?: string[]; Labels: Record<string, string> };

export interface PlannedContainer {
  name: string;
  image: string;
  essential: boolean;
  dependsOn: { containerName: string; condition: 'START' | 'COMPLETE' | 'SUCCESS' | 'HEALTHY' }[];
  /** Seconds to wait for this container to reach a condition others depend on (none: no limit). */
  startTimeout?: number;
  /** Seconds between SIGTERM and SIGKILL when the task stops (the agent's default is 30). */
  stopTimeout: number;
  hasHealthCheck: boolean;
  /** Where its container metadata file lives (a volume of its own), when it gets one. */
  metadataDir?: string;
  /** Secret names and where they come from; their values are added to Env only when creating. */
  secrets: { name: string; valueFrom: string }[];
  /** Environment files (S3 ARNs or local paths), read only when creating. */
  environmentFiles: string[];
  /** Names the definition's `environment` sets: they win over environment files. */
  environmentNames: string[];
  create: CreateSpec;
}

export interface TaskPlan {
  taskId: string;
  taskArn: string;
  family: string;
  revision: number;
  taskDefinitionArn: string;
  networkMode: 'awsvpc' | 'bridge' | 'host';
  /** The source spec every container's credentials come from (the ecs-endpoints.source label). */
  sourceSpec: string;
  pause?: CreateSpec;
  /** In start order. */
  containers: PlannedContainer[];
  warnings: string[];
  /** The service's DNS names on the managed network (Service Connect client aliases, Cloud Map names). */
  discoveryNames: string[];
}

export const PAUSE_NAME = '~internal~ecs~pause';
const DEFAULT_STOP_TIMEOUT = 30;
const NS = 1_000_000_000;

/** A Docker name part: what ECS names allow, without the characters Docker refuses. */
const part = (s: string) => s.replace(/[^A-Za-z0-9_.-]/g, '-');

/** The container name the agent would give (ecs-<family>-<revision>-<name>-<suffix>). */
export function dockerName(family: string, revision: number, name: string, taskId: string): string {
  return `ecs-${part(family)}-${revision}-${part(name)}-${taskId.slice(0, 12)}`;
}

/**
 * The source the task's containers get: the task role assumed from the base (a spec naming a
 * source with credentials: profile:<name>, source:<id>), or the base itself for `fake`/`none` or a
 * definition without a task role.
 */
export function taskSourceSpec(def: TaskDef, baseSpec: string): string {
  if (!def.taskRoleArn || baseSpec === 'none' || baseSpec === 'fake') return baseSpec;
  return `role-arn:${def.taskRoleArn}?from=${baseSpec}`;
}

/** The task's vCPU and MiB from the definition's strings ("256" units or "0.25 vCPU"; "512" or "1 GB"). */
export function taskLimits(def: TaskDef): { cpu?: number; memory?: number } {
  const out: { cpu?: number; memory?: number } = {};
  const cpu = def.cpu?.trim();
  if (cpu) {
    const v = /vcpu/i.test(cpu) ? Number.parseFloat(cpu) : Number.parseFloat(cpu) / 1024;
    if (v > 0) out.cpu = v;
  }
  const mem = def.memory?.trim();
  if (mem) {
    const v = /gb/i.test(mem) ? Number.parseFloat(mem) * 1024 : Number.parseFloat(mem);
    if (v > 0) out.memory = Math.round(v);
  }
  return out;
}

/** What the ECS service gives the task: its name (ServiceName) and DNS names by container name. */
export interface PlanService {
  serviceName?: string;
  names?: Map<string, string[]>;
}

export function buildPlan(parsed: ParsedTaskDef, baseSpec: string, s: PlanSettings, ids: PlanIds, service: PlanService = {}): TaskPlan {
  const def = parsed.definition;
  const revision = def.revision ?? 1;
  const networkMode = def.networkMode === 'bridge' || def.networkMode === 'host' ? def.networkMode : 'awsvpc';
  const taskArn = `arn:aws:ecs:${s.region}:${s.accountId}:task/${s.cluster}/${ids.taskId}`;
  const taskDefinitionArn = def.taskDefinitionArn ?? `arn:aws:ecs:${s.region}:${s.accountId}:task-definition/${def.family}:${revision}`;
  const sourceSpec = taskSourceSpec(def, baseSpec);
  const warnings = [...parsed.warnings];
  if (def.networkMode === 'none') warnings.push('networkMode none: run as awsvpc, so that the containers can reach the ECS endpoints.');
  if (networkMode === 'host') warnings.push('networkMode host: the containers are not on the managed network, so they get no task metadata or credentials; use awsvpc or bridge for that.');
  const limits = taskLimits(def);
  const taskLabels: Record<string, string> = {
    [LABEL.run]: ids.taskId,
    [LABEL.task]: ids.taskId,
    [LABEL.taskArn]: taskArn,
    [LABEL.family]: def.family,
    [LABEL.revision]: String(revision),
    [LABEL.cluster]: s.cluster,
    [LABEL.launchType]: s.launchType,
    ...(limits.cpu ? { [LABEL.cpu]: String(limits.cpu) } : {}),
    ...(limits.memory ? { [LABEL.memory]: String(limits.memory) } : {}),
    ...Object.fromEntries((def.tags ?? []).map((t) => [`${LABEL.tagPrefix}${t.key}`, t.value])),
    ...(def.enableFaultInjection ? { [LABEL.faultInjection]: 'true' } : {}),
    ...(service.serviceName ? { [LABEL.serviceName]: service.serviceName } : {}),
  };
  const names = service.names ?? new Map<string, string[]>();
  const allNames = [...new Set([...names.values()].flat())];
  if (allNames.length && networkMode === 'host') warnings.push(`networkMode host: the discovery names ${allNames.join(', ')} need the managed network; they are not set.`);
  const name = (n: string) => dockerName(def.family, revision, n, ids.taskId);
  const pauseName = name('internalecspause');
  const byName = new Map(def.containerDefinitions.map((c) => [c.name, c]));
  const containers = startOrder(def).map((n) => {
    const c = byName.get(n)!;
    return planContainer(c, {
      def,
      s,
      warnings,
      dockerName: name(c.name),
      labels: { ...taskLabels, [LABEL.containerName]: c.name, [LABEL.source]: sourceSpec },
      env: buildEcsEnvironment(envOf(c), s, { endpointId: ids.endpointIds[c.name]!, credentialsId: ids.credentialsId }),
      networkMode,
      pauseName,
      names: names.get(c.name) ?? [],
    });
  });
  const plan: TaskPlan = { taskId: ids.taskId, taskArn, family: def.family, revision, taskDefinitionArn, networkMode, sourceSpec, containers, warnings, discoveryNames: networkMode === 'host' ? [] : allNames };
  // awsvpc: the names belong to the task's namespace, held by the pause container.
  if (networkMode === 'awsvpc') plan.pause = pauseSpec(def, s, pauseName, { ...taskLabels, [LABEL.containerName]: PAUSE_NAME, [LABEL.internal]: 'pause', ...discoveryLabel(allNames) }, allNames);
  return plan;
}

/** The label the discovery names are kept by (so they are set again after a recreation or a restart). */
function discoveryLabel(names: string[]): Record<string, string> {
  return names.length ? { [LABEL.discoveryNames]: names.join(',') } : {};
}

function envOf(c: ContainerDef): Record<string, string> {
  return Object.fromEntries((c.environment ?? []).map((e) => [e.name, e.value]));
}

/** awsvpc: every container's ports are the task's, published from the pause container (hostPort = containerPort). */
function pauseSpec(def: TaskDef, s: PlanSettings, name: string, labels: Record<string, string>, aliases: string[]): CreateSpec {
  const ports = def.containerDefinitions.flatMap((c) => c.portMappings ?? []).filter((p) => p.containerPort !== undefined);
  return {
    name,
    Image: s.pause.image,
    ...(s.pause.entrypoint ? { Entrypoint: s.pause.entrypoint, Cmd: [] } : {}),
    Labels: labels,
    ExposedPorts: Object.fromEntries(ports.map((p) => [`${p.containerPort}/${p.protocol ?? 'tcp'}`, {}])),
    HostConfig: {
      NetworkMode: s.network,
      PortBindings: publish(ports.map((p) => ({ ...p, hostPort: p.hostPort || p.containerPort }))),
    },
    NetworkingConfig: { EndpointsConfig: { [s.network]: aliases.length ? { Aliases: aliases } : {} } },
  };
}

/** Published on the host's loopback only: a laptop's task is not a server for the whole network. */
function publish(ports: { containerPort?: number; hostPort?: number; protocol?: string }[]): Record<string, { HostIp: string; HostPort: string }[]> {
  const out: Record<string, { HostIp: string; HostPort: string }[]> = {};
  for (const p of ports) {
    if (p.containerPort === undefined) continue;
    (out[`${p.containerPort}/${p.protocol ?? 'tcp'}`] ??= []).push({ HostIp: '127.0.0.1', HostPort: p.hostPort ? String(p.hostPort) : '' });
  }
  return out;
}

interface ContainerContext {
  def: TaskDef;
  s: PlanSettings;
  warnings: string[];
  dockerName: string;
  labels: Record<string, string>;
  env: Record<string, string>;
  networkMode: 'awsvpc' | 'bridge' | 'host';
  pauseName: string;
  /** Its discovery names (bridge: on its own endpoint). */
  names: string[];
}

function planContainer(c: ContainerDef, x: ContainerContext): PlannedContainer {
  const env = { ...envOf(c), ...x.env };
  const labels = { ...(c.dockerLabels ?? {}), ...x.labels, ...(x.networkMode === 'bridge' ? discoveryLabel(x.names) : {}) };
  const log = c.logConfiguration;
  // Docker keeps the logs locally (readable with docker logs); the metadata shows the definition's.
  if (log) {
    labels[LABEL.logDriver] = log.logDriver;
    if (log.options) labels[LABEL.logOptions] = JSON.stringify(log.options);
  }
  const stopTimeout = c.stopTimeout ?? DEFAULT_STOP_TIMEOUT;
  // The container metadata file: for all containers when the backend is told so, else for those asking.
  const mdDir = x.s.containerMetadata || env[METADATA_ENV.enable] === 'true' ? metadataDir(x.labels[LABEL.run]!, c.name) : undefined;
  if (mdDir) env[METADATA_ENV.file] = `${mdDir}/${METADATA_FILE_NAME}`;
  const create: CreateSpec = {
    name: x.dockerName,
    Image: c.image,
    ...(c.entryPoint ? { Entrypoint: c.entryPoint } : {}),
    ...(c.command ? { Cmd: c.command } : {}),
    Env: Object.entries(env).map(([k, v]) => `${k}=${v}`),
    Labels: labels,
    ...(c.user ? { User: c.user } : {}),
    ...(c.workingDirectory ? { WorkingDir: c.workingDirectory } : {}),
    ...(c.healthCheck ? { Healthcheck: healthcheck(c.healthCheck) } : {}),
    StopTimeout: stopTimeout,
    HostConfig: hostConfig(c, x, mdDir),
  };
  if (x.networkMode === 'bridge') {
    create.ExposedPorts = Object.fromEntries((c.portMappings ?? []).filter((p) => p.containerPort !== undefined).map((p) => [`${p.containerPort}/${p.protocol ?? 'tcp'}`, {}]));
    // Other containers of the task find it by its name, as links gave on ECS.
    create.NetworkingConfig = { EndpointsConfig: { [x.s.network]: { Aliases: [...new Set([c.name, ...x.names])] } } };
  }
  return {
    name: c.name,
    image: c.image,
    essential: c.essential !== false,
    dependsOn: c.dependsOn ?? [],
    ...(c.startTimeout ? { startTimeout: c.startTimeout } : {}),
    stopTimeout,
    hasHealthCheck: Boolean(c.healthCheck),
    ...(mdDir ? { metadataDir: mdDir } : {}),
    secrets: c.secrets ?? [],
    environmentFiles: (c.environmentFiles ?? []).map((f) => f.value),
    environmentNames: Object.keys(env),
    create,
  };
}

function healthcheck(h: NonNullable<ContainerDef['healthCheck']>): Record<string, unknown> {
  // ECS defaults: interval 30 s, timeout 5 s, retries 3, no start period.
  return {
    Test: h.command,
    Interval: (h.interval ?? 30) * NS,
    Timeout: (h.timeout ?? 5) * NS,
    Retries: h.retries ?? 3,
    ...(h.startPeriod ? { StartPeriod: h.startPeriod * NS } : {}),
  };
}

type Loose = Record<string, unknown>;

function hostConfig(c: ContainerDef, x: ContainerContext, mdDir?: string): Loose {
  const hc: Loose = {};
  hc.NetworkMode = x.networkMode === 'awsvpc' ? `container:${x.pauseName}` : x.networkMode === 'host' ? 'host' : x.s.network;
  if (x.networkMode === 'bridge') hc.PortBindings = publish(c.portMappings ?? []);
  // The agent gives CPU units as shares (at least 2, Docker's minimum) and memory in MiB.
  hc.CpuShares = Math.max(c.cpu ?? 0, 2);
  if (c.memory) hc.Memory = c.memory * 1024 * 1024;
  if (c.memoryReservation) hc.MemoryReservation = c.memoryReservation * 1024 * 1024;
  if (c.readonlyRootFilesystem) hc.ReadonlyRootfs = true;
  const binds = mounts(c, x);
  // Its own anonymous volume, written through Docker's archive API (any topology), removed with it.
  if (mdDir) binds.push({ Type: 'volume', Target: mdDir });
  if (binds.length) hc.Mounts = binds;
  const extra = c as Loose;
  const ulimits = extra.ulimits as { name: string; softLimit: number; hardLimit: number }[] | undefined;
  if (ulimits?.length) hc.Ulimits = ulimits.map((u) => ({ Name: u.name, Soft: u.softLimit, Hard: u.hardLimit }));
  const lp = extra.linuxParameters as { capabilities?: { add?: string[]; drop?: string[] }; initProcessEnabled?: boolean; sharedMemorySize?: number } | undefined;
  if (lp?.capabilities?.add?.length) hc.CapAdd = lp.capabilities.add;
  if (lp?.capabilities?.drop?.length) hc.CapDrop = lp.capabilities.drop;
  if (lp?.initProcessEnabled) hc.Init = true;
  if (lp?.sharedMemorySize) hc.ShmSize = lp.sharedMemorySize * 1024 * 1024;
  const restart = extra.restartPolicy as { enabled?: boolean; ignoredExitCodes?: number[] } | undefined;
  if (restart?.enabled) {
    // Docker cannot ignore exit codes other than 0: on-failure ignores 0, unless-stopped none.
    hc.RestartPolicy = { Name: restart.ignoredExitCodes?.includes(0) ? 'on-failure' : 'unless-stopped' };
    if (restart.ignoredExitCodes?.some((code) => code !== 0)) x.warnings.push(`${c.name}: restartPolicy.ignoredExitCodes other than 0 are not honoured locally (the container is restarted on them).`);
  }
  return hc;
}

/** Volumes with a host sourcePath are bind mounts; others are Docker volumes named for the task. */
function mounts(c: ContainerDef, x: ContainerContext): Loose[] {
  const volumes = new Map((x.def.volumes ?? []).map((v) => [v.name, v]));
  return (c.mountPoints ?? []).map((m) => {
    const v = volumes.get(m.sourceVolume);
    const source = v?.host?.sourcePath;
    return source
      ? { Type: 'bind', Source: source, Target: m.containerPath, ReadOnly: Boolean(m.readOnly) }
      : { Type: 'volume', Source: `ecs-${part(x.def.family)}-${part(m.sourceVolume)}-${x.labels[LABEL.run]!.slice(0, 12)}`, Target: m.containerPath, ReadOnly: Boolean(m.readOnly) };
  });
}
