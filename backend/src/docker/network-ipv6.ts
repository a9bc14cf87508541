import type Docker from 'dockerode';
import { nthAddress6, parseCidr6 } from '../ipv6.ts';

/** A network's IPv6 side: its subnet and gateway (the host's end of the bridge). */
export interface Ipv6Side {
  subnet: string;
  gateway: string;
}

type IpamConfig = NonNullable<NonNullable<Docker.NetworkInspectInfo['IPAM']>['Config']>[number];

export const isV6Config = (c: IpamConfig) => !!c.Subnet?.includes(':');

/** What Docker made of the network's IPv6 side: none unless it is dual-stack with an IPv6 pool. */
export function ipv6Of(info: Docker.NetworkInspectInfo): Ipv6Side | undefined {
  const cfg = (info.IPAM?.Config ?? []).find(isV6Config);
  const subnet = cfg?.Subnet ? parseCidr6(cfg.Subnet) : undefined;
  if (!info.EnableIPv6 || !subnet) return undefined;
  // Without a configured gateway Docker takes the subnet's first address.
  return { subnet: subnet.cidr, gateway: cfg?.Gateway?.split('/')[0] ?? nthAddress6(subnet, 1) };
}

/**
 * Why an existing network's IPv6 side differs from the configured one, or undefined if it does
 * not. Never a reason to remove it: containers are attached, and IPv4 (the endpoints) works either way.
 */
export function ipv6Mismatch(name: string, wanted: Ipv6Side | undefined, actual: Ipv6Side | undefined): { message: string; remedy: string } | undefined {
  if (wanted?.subnet === actual?.subnet) return undefined;
  const recreate = `stop ECS Endpoints, remove the network (docker network rm ${name}; first stop or disconnect the containers docker network inspect ${name} lists) and start ECS Endpoints again`;
  if (!actual) {
    return {
      message: `The network "${name}" is IPv4-only, but ECS_ENDPOINTS_IPV6 asks for a dual-stack network (${wanted!.subnet}); it was kept as it is, so containers on it get no IPv6 address.`,
      remedy: `To make it dual-stack, ${recreate}. Or unset ECS_ENDPOINTS_IPV6 to keep it IPv4-only.`,
    };
  }
  if (!wanted) {
    return {
      message: `The network "${name}" is dual-stack (${actual.subnet}), but ECS_ENDPOINTS_IPV6 is off; it was kept as it is, so containers on it still get IPv6 addresses.`,
      remedy: `Set ECS_ENDPOINTS_IPV6=${actual.subnet} to keep it dual-stack, or, to make it IPv4-only, ${recreate}.`,
    };
  }
  return {
    message: `The network "${name}" has the IPv6 subnet ${actual.subnet}, but ECS_ENDPOINTS_IPV6 is ${wanted.subnet}; it was kept as it is.`,
    remedy: `Set ECS_ENDPOINTS_IPV6=${actual.subnet}, or, to use ${wanted.subnet}, ${recreate}.`,
  };
}

/** Does a Docker pool (either family) overlap this IPv6 subnet? */
export function overlaps6(pool: string, subnet: string): boolean {
  const a = parseCidr6(pool);
  const b = parseCidr6(subnet);
  if (!a || !b) return false;
  const shorter = BigInt(128 - Math.min(a.prefix, b.prefix));
  return a.base >> shorter === b.base >> shorter;
}
