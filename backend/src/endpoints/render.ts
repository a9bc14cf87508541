import { sortedMap } from '../gojson.ts';
import { cidrOf6 } from '../ipv6.ts';
import { LABEL } from '../tasks/model.ts';
import type { Task, TaskContainer, NetworkAttachment } from '../tasks/types.ts';

/*
 * The agent's response structs, field for field (spec §6.2-6.4; ecs-agent tmds/handlers/v2 and
 * v4/state response.go). Key order is Go's struct order; omitempty fields are left out when
 * empty; maps are sorted. v2 and v3 share the v2 struct; v4 embeds it and moves Containers and
 * Networks after the embedded fields.
 */

export type Version = 'v2' | 'v3' | 'v4';
type J = Record<string, unknown>;

function put(o: J, k: string, v: unknown): void {
  if (v === undefined || v === null || v === '') return;
  if (Array.isArray(v) && v.length === 0) return;
  if (typeof v === 'object' && !Array.isArray(v) && Object.keys(v as J).length === 0) return;
  o[k] = v;
}

const CONTAINER_STATUS: Record<string, string> = {
  created: 'CREATED',
  running: 'RUNNING',
  paused: 'RUNNING',
  restarting: 'RUNNING',
  removing: 'STOPPED',
  exited: 'STOPPED',
  dead: 'STOPPED',
};

/** Container CPU units: shares, else --cpus × 1024; the agent reports at least 2. */
function cpuUnits(c: TaskContainer): number {
  const r = c.record;
  const units = r.cpuShares > 0 ? r.cpuShares : Math.round((r.nanoCpus / 1e9) * 1024);
  return Math.max(units, 2);
}

function cidrOf(ip: string, prefix: number): string {
  const n = ip.split('.').map(Number);
  const v = ((n[0]! << 24) | (n[1]! << 16) | (n[2]! << 8) | n[3]!) >>> 0;
  const mask = prefix === 0 ? 0 : (~0 << (32 - prefix)) >>> 0;
  const b = (v & mask) >>> 0;
  return `${[b >>> 24, (b >>> 16) & 255, (b >>> 8) & 255, b & 255].join('.')}/${prefix}`;
}

/** One entry per Docker network; only v4's builder copies the network's IPv6 address, v3's never did. */
function bridgeNetwork(n: NetworkAttachment, v: Version): J {
  const o: J = { NetworkMode: n.name, IPv4Addresses: [n.ip] };
  if (n.ipv6 && v === 'v4') o.IPv6Addresses = [n.ipv6];
  return o;
}

/**
 * awsvpc-style network: the task's one "ENI" is the namespace owner's interface on the first
 * network that is not the managed one (the app's own network), else the managed one.
 */
function awsvpcNetwork(owner: NetworkAttachment[], managed: string, region: string, v4: boolean): J {
  const n = owner.find((x) => x.name !== managed) ?? owner[0];
  if (!n) return {};
  const o: J = { NetworkMode: 'awsvpc', IPv4Addresses: [n.ip] };
  if (n.ipv6) o.IPv6Addresses = [n.ipv6];
  if (!v4) return o;
  o.AttachmentIndex = 0;
  put(o, 'MACAddress', n.mac);
  if (n.ip && n.prefixLen) o.IPv4SubnetCIDRBlock = cidrOf(n.ip, n.prefixLen);
  // A dual-stack ENI's block is its first IPv6 address in a /64, whatever the subnet (the agent's
  // GetIPv6SubnetCIDRBlock); SubnetGatewayIpv6Address is for IPv6-only ENIs, never ours.
  if (n.ipv6) put(o, 'IPv6SubnetCIDRBlock', cidrOf6(n.ipv6, 64));
  if (n.ip) o.PrivateDNSName = `ip-${n.ip.replace(/\./g, '-')}.${region === 'us-east-1' ? 'ec2.internal' : `${region}.compute.internal`}`;
  if (n.gateway && n.prefixLen) o.SubnetGatewayIpv4Address = `${n.gateway}/${n.prefixLen}`;
  return o;
}

/** VolumeResponse {DockerName?, Source?, Destination?} from Docker's mounts. */
function volumes(mounts: TaskContainer['record']['mounts']): J[] {
  return mounts.map((m) => {
    const v: J = {};
    put(v, 'DockerName', m.name);
    put(v, 'Source', m.source);
    put(v, 'Destination', m.destination);
    return v;
  });
}

export interface RenderContext {
  network: string;
  region: string;
  /** Network attachments of a container's namespace owner. */
  ownerNetworks: (c: TaskContainer) => NetworkAttachment[];
}

function networksOf(task: Task, c: TaskContainer, ctx: RenderContext, v: Version): J[] | undefined {
  if (task.networkMode === 'awsvpc') {
    const n = awsvpcNetwork(ctx.ownerNetworks(c), ctx.network, ctx.region, v === 'v4');
    return Object.keys(n).length ? [n] : undefined;
  }
  if (v === 'v2') return undefined; // v2 fills Networks only for awsvpc tasks
  if (c.record.networkMode === 'host') return [{ NetworkMode: 'host', IPv4Addresses: [''] }];
  const nets = c.record.networks.map((n) => bridgeNetwork(n, v));
  return nets.length ? nets : undefined;
}

export function ecsLabels(task: Task, c: TaskContainer): Record<string, string> {
  return sortedMap({
    ...c.record.labels,
    'com.amazonaws.ecs.cluster': task.cluster,
    'com.amazonaws.ecs.container-name': c.ecsName,
    'com.amazonaws.ecs.task-arn': task.arn,
    'com.amazonaws.ecs.task-definition-family': task.family,
    'com.amazonaws.ecs.task-definition-version': task.revision,
  });
}

export function renderContainer(task: Task, c: TaskContainer, v: Version, ctx: RenderContext): J {
  const r = c.record;
  const o: J = { DockerId: r.id, Name: c.ecsName, DockerName: r.name, Image: r.image, ImageID: r.imageId };
  const ports = task.networkMode === 'awsvpc' && c.via === 'namespace' ? [] : r.ports;
  put(
    o,
    'Ports',
    ports.map((p) => {
      const e: J = {};
      put(e, 'ContainerPort', p.containerPort);
      put(e, 'Protocol', p.protocol);
      put(e, 'HostPort', p.hostPort);
      if (v === 'v4') put(e, 'HostIp', p.hostIp);
      return e;
    }),
  );
  put(o, 'Labels', ecsLabels(task, c));
  const status = CONTAINER_STATUS[r.state] ?? 'NONE';
  o.DesiredStatus = status === 'STOPPED' ? 'STOPPED' : 'RUNNING';
  o.KnownStatus = status;
  if (r.exitCode !== undefined) o.ExitCode = r.exitCode;
  o.Limits = { CPU: cpuUnits(c), Memory: Math.floor(r.memoryBytes / (1024 * 1024)) };
  put(o, 'CreatedAt', r.created);
  put(o, 'StartedAt', r.startedAt);
  put(o, 'FinishedAt', r.finishedAt);
  o.Type = c.type;
  const networks = networksOf(task, c, ctx, v);
  if (v !== 'v4') put(o, 'Networks', networks);
  if (r.health) {
    const h: J = {};
    const s = r.health.status === 'healthy' ? 'HEALTHY' : r.health.status === 'unhealthy' ? 'UNHEALTHY' : undefined;
    put(h, 'status', s);
    put(h, 'statusSince', r.health.since);
    if (r.health.exitCode) h.exitCode = r.health.exitCode;
    put(h, 'output', r.health.output);
    o.Health = h;
  }
  put(o, 'Volumes', volumes(r.mounts));
  if (v === 'v4') {
    // The agent's pause container has no log configuration and no ARN of its own.
    if (c.type === 'NORMAL') {
      put(o, 'LogDriver', r.labels[LABEL.logDriver] ?? r.logDriver);
      put(o, 'LogOptions', sortedMap(logOptions(r)));
      put(o, 'ContainerARN', c.arn);
    }
    put(o, 'Networks', networks);
    if (r.restartPolicy !== 'no' && r.restartPolicy !== '') o.RestartCount = r.restartCount;
  }
  return o;
}

export function renderTask(task: Task, v: Version, withTags: boolean, ctx: RenderContext): J {
  const o: J = { Cluster: task.cluster, TaskARN: task.arn, Family: task.family, Revision: task.revision };
  o.DesiredStatus = task.desiredStatus;
  o.KnownStatus = task.knownStatus;
  const containers = task.containers.map((c) => renderContainer(task, c, v, ctx));
  if (v !== 'v4') put(o, 'Containers', containers);
  const limits: J = {};
  put(limits, 'CPU', task.cpu);
  put(limits, 'Memory', task.memory);
  put(o, 'Limits', limits);
  put(o, 'PullStartedAt', task.pullStartedAt);
  put(o, 'PullStoppedAt', task.pullStoppedAt);
  put(o, 'ExecutionStoppedAt', task.executionStoppedAt);
  put(o, 'AvailabilityZone', task.availabilityZone);
  if (withTags) put(o, 'TaskTags', sortedMap(task.tags));
  if (v === 'v4') {
    o.LaunchType = task.launchType;
    put(o, 'Containers', containers);
    put(o, 'VPCID', task.vpcId);
    put(o, 'ServiceName', task.serviceName);
    o.FaultInjectionEnabled = task.faultInjection;
    put(o, 'AvailabilityZoneID', task.availabilityZoneId);
  }
  return o;
}

/** Introspection (port 51678) task shape, spec §9.2. */
export function renderIntrospectionTask(task: Task): J {
  const known = task.knownStatus === 'CREATED' ? 'PENDING' : task.knownStatus;
  const o: J = { Arn: task.arn };
  const desired = task.desiredStatus;
  if (!(known === 'STOPPED' && desired !== 'STOPPED')) o.DesiredStatus = desired;
  o.KnownStatus = known;
  o.Family = task.family;
  o.Version = task.revision;
  // Internal containers (the pause container) are not listed here (AllExternalTasks).
  o.Containers = task.containers.filter((c) => c.type === 'NORMAL').map((c) => {
    const r = c.record;
    const e: J = { DockerId: r.id, DockerName: r.name, Name: c.ecsName, Image: r.image, ImageID: r.imageId };
    put(e, 'CreatedAt', r.created);
    put(e, 'StartedAt', r.startedAt);
    put(
      e,
      'Ports',
      r.ports.map((p) => ({ ContainerPort: p.containerPort, Protocol: p.protocol, HostPort: p.hostPort })),
    );
    put(e, 'Volumes', volumes(r.mounts));
    if (r.restartPolicy !== 'no' && r.restartPolicy !== '') e.RestartCount = r.restartCount;
    return e;
  });
  return o;
}

/** A task-definition run's log configuration (kept in labels; Docker keeps the logs locally), else Docker's. */
function logOptions(r: TaskContainer['record']): Record<string, string> {
  const raw = r.labels[LABEL.logOptions];
  if (!raw || !r.labels[LABEL.logDriver]) return r.logOptions;
  try {
    return JSON.parse(raw) as Record<string, string>;
  } catch {
    return {};
  }
}
