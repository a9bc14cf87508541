import type Docker from 'dockerode';
import { hostname } from 'node:os';
import { log } from '../log.ts';
import { PrimedDockerRequests } from './primed.ts';
import { ipv6Mismatch, ipv6Of, isV6Config, overlaps6, type Ipv6Side } from './network-ipv6.ts';

export const OWNER_LABEL = 'ecs-endpoints.managed';
export const TOPOLOGY_LABEL = 'ecs-endpoints.topology';

/** A problem with the managed network that the user must resolve; `remedy` says how. */
export class NetworkError extends Error {
  constructor(
    message: string,
    readonly remedy: string,
    readonly code: 'subnet-in-use' | 'name-taken' | 'address-in-use' | 'cannot-join' | 'wrong-topology' | 'docker',
  ) {
    super(message);
  }
}

export interface NetworkSettings {
  name: string;
  subnet: string;
  gateway: string;
  ipRange: string;
  address: string;
  topology: 'host' | 'container';
  /** Dual-stack with this IPv6 subnet and gateway; absent: IPv4-only. */
  ipv6?: Ipv6Side;
}

function dockerMessage(err: unknown): string {
  const e = err as { json?: { message?: string }; message?: string };
  return e.json?.message ?? e.message ?? String(err);
}

/** Why a container cannot join a user-defined network, or undefined if it can. */
export function joinBlocker(networkMode: string): string | undefined {
  if (networkMode === 'host') return 'It uses the host network (network_mode: host), which cannot be combined with other networks. Run it on a bridge network to use ECS mode.';
  if (networkMode === 'none') return 'It has networking disabled (network_mode: none). Remove network_mode: none to use ECS mode.';
  if (networkMode.startsWith('container:')) return 'It shares another container\'s network namespace; switch ECS mode on for that container instead (this one follows it).';
  return undefined;
}

/**
 * The managed network: a bridge on the configured subnet (169.254.170.0/24), labelled as ours,
 * with a dynamic range that never hands out the endpoint address. Created or adopted at start;
 * never deleted, and never taken over when someone else's network holds the name or subnet.
 */
export class ManagedNetwork {
  id?: string;
  /** The Linux bridge device Docker made for it (the address guard filters its ports). */
  bridge?: string;
  /** Its IPv6 side as Docker has it (configured or not): the address guard reserves the gateway. */
  ipv6?: Ipv6Side;
  /** An adopted network whose IPv6 side is not the configured one: kept, and reported. */
  ipv6Problem?: { message: string; remedy: string };
  /** For attach on create, which races `docker run -d`'s start (see PrimedDockerRequests). */
  private readonly primed: PrimedDockerRequests;

  constructor(
    private readonly docker: () => Docker,
    readonly settings: NetworkSettings,
  ) {
    this.primed = new PrimedDockerRequests(() => {
      try {
        return this.docker();
      } catch {
        return undefined; // Not connected yet: the next attach opens its own connection.
      }
    });
  }

  /** Create or adopt the network; then keep a connection to dockerd ready for the next attach. */
  async ensure(): Promise<{ id: string; created: boolean }> {
    const result = await this.createOrAdopt();
    this.primed.prime();
    return result;
  }

  /** Release the connection kept for attaches (at shutdown). */
  close(): void {
    this.primed.close();
  }

  private async createOrAdopt(): Promise<{ id: string; created: boolean }> {
    const s = this.settings;
    const d = this.docker();
    const existing = (await d.listNetworks({ filters: JSON.stringify({ name: [s.name] }) })).find((n) => n.Name === s.name);
    if (existing) {
      const info = (await d.getNetwork(existing.Id).inspect()) as Docker.NetworkInspectInfo;
      const cfg = info.IPAM?.Config?.find((c) => !isV6Config(c));
      if (info.Labels?.[OWNER_LABEL] !== 'true') {
        throw new NetworkError(
          `A network named "${s.name}" already exists and was not created by ECS Endpoints (subnet ${cfg?.Subnet ?? 'none'}).`,
          `Remove it if nothing needs it (docker network rm ${s.name}), or choose another name with ECS_ENDPOINTS_NETWORK.`,
          'name-taken',
        );
      }
      if (cfg?.Subnet !== s.subnet) {
        throw new NetworkError(
          `The network "${s.name}" has subnet ${cfg?.Subnet}, but ${s.subnet} is configured.`,
          `Set ECS_ENDPOINTS_SUBNET=${cfg?.Subnet}, or remove the network (docker network rm ${s.name}) so it is recreated.`,
          'subnet-in-use',
        );
      }
      if (cfg.Gateway && cfg.Gateway !== s.gateway) {
        // Made by the other topology (e.g. the extension, then `npm start` on the same engine).
        const attached = Object.keys(info.Containers ?? {}).length;
        if (attached > 0) {
          throw new NetworkError(
            `The network "${s.name}" was created for the ${info.Labels?.[TOPOLOGY_LABEL] ?? 'other'} topology (gateway ${cfg.Gateway}) and has ${attached} container(s) attached.`,
            `Stop the other ECS Endpoints instance and disconnect its containers, or run this one with ECS_ENDPOINTS_NETWORK set to another name and ECS_ENDPOINTS_SUBNET to a free subnet.`,
            'wrong-topology',
          );
        }
        await d.getNetwork(existing.Id).remove();
        log.info('network: recreating for this topology', { name: s.name, topology: s.topology });
        return this.create();
      }
      this.id = info.Id;
      this.bridge = info.Options?.['com.docker.network.bridge.name'] ?? `br-${info.Id.slice(0, 12)}`;
      this.ipv6 = ipv6Of(info);
      this.ipv6Problem = ipv6Mismatch(s.name, s.ipv6, this.ipv6);
      if (this.ipv6Problem) log.warn('network: ' + this.ipv6Problem.message, { remedy: this.ipv6Problem.remedy });
      log.info('network: adopted', { name: s.name, id: info.Id.slice(0, 12), ipv6: this.ipv6?.subnet ?? 'off' });
      return { id: info.Id, created: false };
    }
    return this.create();
  }

  private async create(): Promise<{ id: string; created: boolean }> {
    const s = this.settings;
    const d = this.docker();
    try {
      const net = await d.createNetwork({
        Name: s.name,
        Driver: 'bridge',
        CheckDuplicate: true,
        Attachable: true,
        EnableIPv6: !!s.ipv6,
        IPAM: {
          Driver: 'default',
          // IPv4 first: it is the network's primary family (the endpoint, callers' identity).
          Config: [{ Subnet: s.subnet, Gateway: s.gateway, IPRange: s.ipRange }, ...(s.ipv6 ? [{ Subnet: s.ipv6.subnet, Gateway: s.ipv6.gateway }] : [])],
        },
        Labels: { [OWNER_LABEL]: 'true', [TOPOLOGY_LABEL]: s.topology },
      });
      this.id = net.id;
      this.bridge = `br-${net.id.slice(0, 12)}`;
      this.ipv6 = s.ipv6;
      this.ipv6Problem = undefined;
      log.info('network: created', { name: s.name, subnet: s.subnet, gateway: s.gateway, ipv6: s.ipv6?.subnet ?? 'off' });
      return { id: net.id, created: true };
    } catch (err) {
      const msg = dockerMessage(err);
      if (/overlap/i.test(msg)) {
        const holder6 = await this.findIpv6Holder();
        if (holder6) {
          throw new NetworkError(
            `The IPv6 subnet ${s.ipv6!.subnet} is already used by the Docker network "${holder6}", so "${s.name}" cannot be created.`,
            `Set ECS_ENDPOINTS_IPV6 to another unique local subnet (fd and 10 random hex digits, e.g. fd3a:91c2:7be4::/64), or remove "${holder6}" if nothing needs it (docker network rm ${holder6}).`,
            'subnet-in-use',
          );
        }
        const holder = await this.findSubnetHolder();
        throw new NetworkError(
          `The subnet ${s.subnet} is already used by the Docker network "${holder ?? 'unknown'}", so "${s.name}" cannot be created.`,
          holder
            ? `If "${holder}" belongs to another ECS emulator you no longer use, remove it (docker network rm ${holder}); otherwise set ECS_ENDPOINTS_SUBNET to a free subnet (containers then call that subnet's .2).`
            : `Set ECS_ENDPOINTS_SUBNET to a free subnet.`,
          'subnet-in-use',
        );
      }
      throw new NetworkError(`Could not create the network "${s.name}": ${msg}`, 'Check that the Docker Engine is healthy (docker info).', 'docker');
    }
  }

  private async findIpv6Holder(): Promise<string | undefined> {
    const v6 = this.settings.ipv6?.subnet;
    if (!v6) return undefined;
    for (const n of await this.docker().listNetworks()) for (const c of n.IPAM?.Config ?? []) if (c.Subnet && overlaps6(c.Subnet, v6)) return n.Name;
    return undefined;
  }

  private async findSubnetHolder(): Promise<string | undefined> {
    const [base] = this.settings.subnet.split('/');
    const prefix3 = base!.split('.').slice(0, 3).join('.') + '.';
    for (const n of await this.docker().listNetworks()) {
      for (const c of n.IPAM?.Config ?? []) if (c.Subnet && (c.Subnet === this.settings.subnet || c.Subnet.startsWith(prefix3))) return n.Name;
    }
    return undefined;
  }

  /** Container topology: put this backend's own container on the network at the endpoint address. */
  async selfAttach(selfRef = hostname()): Promise<string> {
    const s = this.settings;
    const d = this.docker();
    const self = await d.getContainer(selfRef).inspect();
    const current = self.NetworkSettings.Networks?.[s.name];
    if (current?.IPAddress === s.address) return self.Id;
    if (current) await d.getNetwork(s.name).disconnect({ Container: self.Id, Force: true });
    try {
      await d.getNetwork(s.name).connect({ Container: self.Id, EndpointConfig: { IPAMConfig: { IPv4Address: s.address } } });
      log.info('network: backend attached', { address: s.address });
      return self.Id;
    } catch (err) {
      // A failed connect can leave the endpoint recorded on the container; clear it (pitfall §5.2.3).
      await d.getNetwork(s.name).disconnect({ Container: self.Id, Force: true }).catch(() => undefined);
      const msg = dockerMessage(err);
      if (/in use|already/i.test(msg)) {
        const holder = await this.addressHolder();
        throw new NetworkError(
          `The address ${s.address} on "${s.name}" is taken${holder ? ` by container "${holder}"` : ''}.`,
          holder ? `Disconnect it (docker network disconnect ${s.name} ${holder}) and restart ECS Endpoints.` : 'Restart ECS Endpoints.',
          'address-in-use',
        );
      }
      throw new NetworkError(`Could not attach the backend to "${s.name}": ${msg}`, 'Check that the Docker Engine is healthy (docker info).', 'docker');
    }
  }

  private async addressHolder(): Promise<string | undefined> {
    const info = (await this.docker().getNetwork(this.settings.name).inspect()) as Docker.NetworkInspectInfo;
    for (const c of Object.values(info.Containers ?? {})) if (c.IPv4Address?.split('/')[0] === this.settings.address) return c.Name;
    return undefined;
  }

  /** Attach a user's container (dynamic address from the upper half of the subnet), with its discovery names. Idempotent. */
  async attach(containerId: string, aliases: string[] = []): Promise<void> {
    const d = this.docker();
    const info = await d.getContainer(containerId).inspect();
    const blocker = joinBlocker(info.HostConfig.NetworkMode ?? '');
    if (blocker) throw new NetworkError(`Cannot put "${info.Name.replace(/^\//, '')}" in ECS mode. ${blocker}`, blocker, 'cannot-join');
    if (info.NetworkSettings.Networks?.[this.settings.name]) return;
    try {
      await d.getNetwork(this.settings.name).connect({ Container: containerId, ...(aliases.length ? { EndpointConfig: { Aliases: aliases } } : {}) });
    } catch (err) {
      await d.getNetwork(this.settings.name).disconnect({ Container: containerId, Force: true }).catch(() => undefined);
      const msg = dockerMessage(err);
      if (/already exists/i.test(msg)) return;
      throw new NetworkError(`Could not attach "${info.Name.replace(/^\//, '')}" to "${this.settings.name}": ${msg}`, 'Check the container is not being removed, then try again.', 'docker');
    }
  }

  /**
   * Connect a container that was just created, at once (no inspect first): the race with its start
   * is lost by milliseconds. A network mode that cannot join (host, none, container:…) is an error
   * the caller may ignore; being connected already is not one.
   */
  async connectNew(containerId: string, aliases: string[] = []): Promise<void> {
    const body = { Container: containerId, ...(aliases.length ? { EndpointConfig: { Aliases: aliases } } : {}) };
    const already = (message: string) => /already exists|already attached/i.test(message);
    // Racing `docker run -d`'s start: a connection opened in advance, when dockerd is reachable so.
    if (this.primed.available()) {
      const answer = await this.primed.post(`/networks/${encodeURIComponent(this.settings.name)}/connect`, body);
      if (answer.status < 300 || already(answer.message)) return;
      throw new NetworkError(`Docker refused to connect the container to "${this.settings.name}": ${answer.message || `HTTP ${answer.status}`}`, 'See the message; the container is attached again when it starts.', 'docker');
    }
    try {
      await this.docker().getNetwork(this.settings.name).connect(body);
    } catch (err) {
      if (already(dockerMessage(err))) return;
      throw err;
    }
  }

  /**
   * Give an attached container these aliases on the network (and keep the others it has). Docker
   * sets aliases only when a container joins, so it leaves and joins again: its connections on
   * this network drop for that moment, and it keeps its address unless another took it meanwhile.
   */
  async setAliases(containerId: string, add: string[], remove: string[]): Promise<void> {
    const d = this.docker();
    const info = await d.getContainer(containerId).inspect();
    const current = info.NetworkSettings.Networks?.[this.settings.name];
    if (!current) return;
    const shortId = info.Id.slice(0, 12);
    const was: string[] = current.Aliases ?? [];
    const aliases = [...new Set([...was.filter((a) => a !== shortId && !remove.includes(a)), ...add])];
    const net = d.getNetwork(this.settings.name);
    await net.disconnect({ Container: containerId, Force: true });
    const ip = current.IPAddress;
    const ipam = current.IPAMConfig && Object.keys(current.IPAMConfig).length ? current.IPAMConfig : undefined;
    try {
      await net.connect({ Container: containerId, EndpointConfig: { Aliases: aliases, ...(ipam ? { IPAMConfig: ipam } : {}) } });
    } catch (err) {
      // Never leave it off the network: join again as it was.
      await net.connect({ Container: containerId, EndpointConfig: { Aliases: was.filter((a) => a !== shortId), ...(ipam ? { IPAMConfig: ipam } : {}) } }).catch(() => undefined);
      throw new NetworkError(`Could not set the names of "${info.Name.replace(/^\//, '')}" on "${this.settings.name}" (address ${ip}): ${dockerMessage(err)}`, 'Try again; if it persists, recreate the container.', 'docker');
    }
  }

  /** Detach a container. Idempotent. */
  async detach(containerId: string): Promise<void> {
    try {
      await this.docker().getNetwork(this.settings.name).disconnect({ Container: containerId, Force: true });
    } catch (err) {
      const msg = dockerMessage(err);
      if (/not connected|no such container|is not connected/i.test(msg)) return;
      throw new NetworkError(`Could not detach the container from "${this.settings.name}": ${msg}`, 'Try again; if it persists, run docker network disconnect yourself.', 'docker');
    }
  }
}
