import type Docker from 'dockerode';
import { LABEL } from '../tasks/model.ts';

// The recreated copy's configuration, derived from the old container's inspect data; recreate.ts makes the Engine calls.

export function parseEnv(list: string[] | null | undefined): [string, string][] {
  return (list ?? []).map((e) => {
    const i = e.indexOf('=');
    return i < 0 ? [e, ''] : [e.slice(0, i), e.slice(i + 1)];
  });
}

type EndpointSettings = NonNullable<Docker.ContainerInspectInfo['NetworkSettings']['Networks']>[string];

/** What to ask for when connecting the new container: the user's settings, not Docker's runtime state. */
export function endpointConfig(network: string, ep: EndpointSettings | undefined, oldId: string): Docker.EndpointSettings {
  if (!ep) return {};
  const out: Docker.EndpointSettings = {};
  const ipam = ep.IPAMConfig as { IPv4Address?: string; IPv6Address?: string; LinkLocalIPs?: string[] } | null | undefined;
  if (ipam && (ipam.IPv4Address || ipam.IPv6Address || ipam.LinkLocalIPs?.length)) out.IPAMConfig = ipam;
  if (ep.Links?.length) out.Links = ep.Links;
  // Docker adds the short id as an alias; the new container gets its own. The default bridge takes no aliases.
  const aliases = ((ep.Aliases ?? []) as string[]).filter((a) => !oldId.startsWith(a));
  if (aliases.length && network !== 'bridge') out.Aliases = aliases;
  const driverOpts = (ep as { DriverOpts?: Record<string, string> | null }).DriverOpts;
  if (driverOpts && Object.keys(driverOpts).length) (out as { DriverOpts?: Record<string, string> }).DriverOpts = driverOpts;
  return out;
}

/** The create options that reproduce `info` with `env` added and the managed label set. */
export function createOptions(info: Docker.ContainerInspectInfo, env: Record<string, string>, imageRef: string, name: string): Docker.ContainerCreateOptions {
  const c = info.Config;
  const hc: Docker.HostConfig = { ...info.HostConfig };
  // Anonymous volumes (image VOLUME, -v /path) would be new and empty: mount the old ones by name.
  const binds = [...(hc.Binds ?? [])];
  const covered = new Set([
    ...binds.map((b) => b.split(':')[1]),
    ...((hc.Mounts ?? []) as { Target?: string }[]).map((m) => m.Target),
  ]);
  for (const m of info.Mounts ?? []) {
    if (m.Type === 'volume' && m.Name && !covered.has(m.Destination)) binds.push(`${m.Name}:${m.Destination}${m.RW === false ? ':ro' : ''}`);
  }
  if (binds.length) hc.Binds = binds;

  const merged = new Map(parseEnv(c.Env));
  for (const [k, v] of Object.entries(env)) merged.set(k, v);

  const primary = hc.NetworkMode && hc.NetworkMode !== 'default' ? hc.NetworkMode : 'bridge';
  const primaryEp = info.NetworkSettings?.Networks?.[primary];
  const cfg = c as Docker.ContainerInspectInfo['Config'] & { Healthcheck?: unknown; StopSignal?: string; StopTimeout?: number; Shell?: string[]; NetworkDisabled?: boolean };
  return {
    name,
    // A container's hostname defaults to its short id: only keep one the user chose.
    ...(c.Hostname && !info.Id.startsWith(c.Hostname) ? { Hostname: c.Hostname } : {}),
    Domainname: c.Domainname,
    User: c.User,
    AttachStdin: c.AttachStdin,
    AttachStdout: c.AttachStdout,
    AttachStderr: c.AttachStderr,
    ExposedPorts: c.ExposedPorts,
    Tty: c.Tty,
    OpenStdin: c.OpenStdin,
    StdinOnce: c.StdinOnce,
    Env: [...merged].map(([k, v]) => `${k}=${v}`),
    Cmd: c.Cmd ?? undefined,
    Entrypoint: (c.Entrypoint as string[] | string | null) ?? undefined,
    Image: imageRef,
    Volumes: c.Volumes ?? undefined,
    WorkingDir: c.WorkingDir,
    Labels: { ...(c.Labels ?? {}), [LABEL.managed]: 'true' },
    ...(cfg.Healthcheck ? { Healthcheck: cfg.Healthcheck as Docker.ContainerCreateOptions['Healthcheck'] } : {}),
    ...(cfg.StopSignal ? { StopSignal: cfg.StopSignal } : {}),
    ...(cfg.StopTimeout !== undefined ? { StopTimeout: cfg.StopTimeout } : {}),
    ...(cfg.Shell ? { Shell: cfg.Shell } : {}),
    ...(c.OnBuild ? { OnBuild: c.OnBuild as string[] } : {}),
    ...(cfg.NetworkDisabled ? { NetworkDisabled: true } : {}),
    HostConfig: hc,
    // Engines before API 1.44 take one network at create; the others are connected before start.
    NetworkingConfig: primaryEp ? { EndpointsConfig: { [primary]: endpointConfig(primary, primaryEp, info.Id) } } : undefined,
  };
}
