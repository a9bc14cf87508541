import type Docker from 'dockerode';
import type { ContainerRecord, DockerState } from '../tasks/types.ts';

const ZERO_TIME = '0001-01-01T00:00:00Z';

function time(t: string | undefined): string | undefined {
  return t && t !== ZERO_TIME ? t : undefined;
}

function envMap(env: string[] | null | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of env ?? []) {
    const i = e.indexOf('=');
    if (i > 0) out[e.slice(0, i)] = e.slice(i + 1);
  }
  return out;
}

/** `docker inspect` → the task model's ContainerRecord (the only place that knows Docker's shapes). */
export function toRecord(i: Docker.ContainerInspectInfo): ContainerRecord {
  const state = i.State;
  const hc = i.HostConfig ?? {};
  const ports: ContainerRecord['ports'] = [];
  for (const [key, bindings] of Object.entries(i.NetworkSettings?.Ports ?? {})) {
    const [port, protocol] = key.split('/');
    for (const b of bindings ?? []) {
      ports.push({ containerPort: Number(port), protocol: protocol ?? 'tcp', hostPort: Number(b.HostPort), hostIp: b.HostIp });
    }
  }
  ports.sort((a, b) => a.containerPort - b.containerPort || a.protocol.localeCompare(b.protocol));
  const networks: ContainerRecord['networks'] = Object.entries(i.NetworkSettings?.Networks ?? {}).map(([name, n]) => ({
    name,
    networkId: n.NetworkID,
    ip: n.IPAddress,
    ipv6: n.GlobalIPv6Address || undefined,
    prefixLen: n.IPPrefixLen,
    gateway: n.Gateway,
    mac: n.MacAddress,
    aliases: [...(n.Aliases ?? [])],
  }));
  const h = state.Health as { Status?: string; Log?: { End?: string; ExitCode?: number; Output?: string }[] } | undefined;
  const last = h?.Log?.[h.Log.length - 1];
  return {
    id: i.Id,
    name: i.Name.replace(/^\//, ''),
    image: i.Config.Image,
    imageId: i.Image,
    created: i.Created,
    startedAt: time(state.StartedAt),
    finishedAt: state.Running ? undefined : time(state.FinishedAt),
    state: (state.Status as DockerState) ?? 'created',
    pid: state.Pid || undefined,
    exitCode: state.Running || state.Status === 'created' ? undefined : state.ExitCode,
    restartCount: i.RestartCount ?? 0,
    restartPolicy: hc.RestartPolicy?.Name ?? 'no',
    labels: { ...(i.Config.Labels ?? {}) },
    env: envMap(i.Config.Env),
    networkMode: hc.NetworkMode ?? 'default',
    networks,
    ports,
    mounts: (i.Mounts ?? []).map((m) => ({ name: m.Name, source: m.Source, destination: m.Destination })),
    logDriver: hc.LogConfig?.Type ?? '',
    logOptions: { ...((hc.LogConfig?.Config as Record<string, string> | undefined) ?? {}) },
    cpuShares: hc.CpuShares ?? 0,
    nanoCpus: (hc as { NanoCpus?: number }).NanoCpus ?? 0,
    memoryBytes: hc.Memory ?? 0,
    health: h?.Status
      ? { status: h.Status, since: last?.End, output: last?.Output, exitCode: last?.ExitCode }
      : undefined,
  };
}
