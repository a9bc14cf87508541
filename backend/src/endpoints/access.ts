import { networkInterfaces } from 'node:os';
import { inSubnet, type Subnet } from '../config.ts';

/**
 * Who may use the data plane at all: addresses on the managed network, and in the host topology
 * the host itself (it runs Docker anyway; the benchmark calls from it). In the host topology,
 * containers on other Docker networks can reach the host's endpoint address, hence the check.
 */
export function callerPolicy(o: { subnet: Subnet; network: string; hostMayCall: boolean }): (ip: string) => string | undefined {
  let own: { at: number; set: Set<string> } | undefined;
  // This machine's addresses, re-read at most every 30 s (interfaces come and go with networks).
  const hostAddresses = (): Set<string> => {
    const now = Date.now();
    if (!own || now - own.at > 30_000) {
      const set = new Set<string>(['127.0.0.1', '::1']);
      for (const list of Object.values(networkInterfaces())) for (const a of list ?? []) set.add(a.address);
      own = { at: now, set };
    }
    return own.set;
  };
  // Callers repeat: remember which addresses are on the network (a pure fact), bounded.
  const onNetwork = new Map<string, boolean>();
  const inside = (ip: string): boolean => {
    let v = onNetwork.get(ip);
    if (v === undefined) {
      if (onNetwork.size >= 4096) onNetwork.clear();
      v = inSubnet(ip, o.subnet);
      onNetwork.set(ip, v);
    }
    return v;
  };
  return (ip) => {
    if (inside(ip)) return undefined;
    if (o.hostMayCall && hostAddresses().has(ip)) return undefined;
    return `ECS Endpoints answers only containers on the Docker network "${o.network}" (${o.subnet.cidr}); ${ip} is not on it. Switch ECS mode on for this container, or attach it: docker network connect ${o.network} <container>.`;
  };
}
