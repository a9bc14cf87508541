/**
 * The anti-spoofing ruleset for the managed bridge, as nft(8) text. Pure, so it is unit-tested
 * without privileges. Modelled on libvirt's no-ip-spoofing/no-arp-spoofing filters and the CNI
 * firewall's anti-spoofing chain: every address we vouch for (IPv4, and IPv6 on a dual-stack
 * network) may only appear as a source, an ARP sender or a neighbor advertisement's target on the
 * bridge port (veth) of the container that owns it, with that container's MAC.
 *
 * Rules live in the bridge family's prerouting hook, so they see frames as they enter the bridge
 * from a port, before they are forwarded to another port or delivered to the host (the host
 * topology's endpoint) — both paths an impersonator would use.
 */

import { formatIpv6, ipv6Hex, parseIpv6 } from '../../ipv6.ts';

/** An address (IPv4 or IPv6) and the port and MAC it may be sent from. No port: nobody on the bridge may claim it. */
export interface PortBinding {
  ip: string;
  /** Host-side veth name of the owner's bridge port. */
  port?: string;
  mac?: string;
}

/** nft identifiers: letters, digits and underscores, starting with a letter. */
export function tableName(network: string): string {
  return 'ecs_endpoints_' + network.replace(/[^A-Za-z0-9_]/g, '_').slice(0, 100);
}

const IFNAME = /^[A-Za-z0-9_.@-]{1,15}$/;
const MAC = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/;
const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

/**
 * An ICMPv6 neighbor message's target address: 16 bytes from the 8th of the ICMPv6 header (RFC
 * 4861 §4.3, §4.4). This nft has no name for it, so a raw transport-header match, whose sets hold
 * 128-bit integers.
 */
const ND_TARGET = '@th,64,128';

/** One family's sets: the addresses we vouch for, and each with the port and MAC it may come from. */
class Bound {
  readonly ips = new Set<string>();
  readonly owners: string[] = [];
  readonly targets: string[] = [];
  readonly targetOwners: string[] = [];
}

/**
 * A script that replaces the table atomically (one nft transaction: a frame never sees a moment
 * without rules, and a failed script changes nothing).
 */
export function guardScript(table: string, bindings: PortBinding[], bridgePorts: string[]): string {
  const v4 = new Bound();
  const v6 = new Bound();
  const macs = new Set<string>();
  const macPorts: string[] = [];
  for (const b of bindings) {
    const n6 = parseIpv6(b.ip);
    const six = n6 !== undefined;
    if (!six && !IPV4.test(b.ip)) throw new Error(`not an IPv4 or IPv6 address: ${b.ip}`);
    // The canonical form, so one address is one set element however Docker spelled it.
    const ip = six ? formatIpv6(n6) : b.ip;
    const fam = six ? v6 : v4;
    fam.ips.add(ip);
    if (six) fam.targets.push(ipv6Hex(ip));
    if (b.port === undefined || b.mac === undefined) continue;
    if (!IFNAME.test(b.port)) throw new Error(`not an interface name: ${b.port}`);
    const mac = b.mac.toLowerCase();
    if (!MAC.test(mac)) throw new Error(`not a MAC address: ${b.mac}`);
    fam.owners.push(`${ip} . "${b.port}" . ${mac}`);
    if (six) fam.targetOwners.push(`${ipv6Hex(ip)} . "${b.port}" . ${mac}`);
    if (!macs.has(mac)) macPorts.push(`${mac} . "${b.port}"`);
    macs.add(mac);
  }
  for (const p of bridgePorts) if (!IFNAME.test(p)) throw new Error(`not an interface name: ${p}`);
  const elements = (list: Iterable<string>) => {
    const items = [...new Set(list)];
    return items.length ? ` elements = { ${items.join(', ')} };` : '';
  };
  return [
    `add table bridge ${table}`,
    `delete table bridge ${table}`,
    `table bridge ${table} {`,
    `  set ports { type ifname;${elements(bridgePorts.map((p) => `"${p}"`))} }`,
    `  set ips { type ipv4_addr;${elements(v4.ips)} }`,
    `  set owners { type ipv4_addr . ifname . ether_addr;${elements(v4.owners)} }`,
    `  set ips6 { type ipv6_addr;${elements(v6.ips)} }`,
    `  set owners6 { type ipv6_addr . ifname . ether_addr;${elements(v6.owners)} }`,
    `  set ndtargets { typeof ${ND_TARGET};${elements(v6.targets)} }`,
    `  set ndowners { typeof ${ND_TARGET} . iifname . ether saddr;${elements(v6.targetOwners)} }`,
    `  set macs { type ether_addr;${elements(macs)} }`,
    `  set macports { type ether_addr . ifname;${elements(macPorts)} }`,
    `  chain prerouting {`,
    `    type filter hook prerouting priority -300; policy accept;`,
    // Only frames entering from our bridge's ports: another bridge may reuse these addresses later
    // (a table left by a backend that was killed must not cut off the next network on the subnet).
    `    iifname != @ports accept`,
    // A bound MAC from another port would teach the bridge to send the owner's frames there.
    `    ether saddr @macs ether saddr . iifname != @macports counter drop`,
    `    ether type ip ip saddr @ips ip saddr . iifname . ether saddr != @owners counter drop`,
    `    ether type arp arp saddr ip @ips arp saddr ip . iifname . arp saddr ether != @owners counter drop`,
    // IPv6: the source, which also covers solicitations' source link-layer option (it speaks for the source).
    `    ether type ip6 ip6 saddr @ips6 ip6 saddr . iifname . ether saddr != @owners6 counter drop`,
    // IPv6's ARP: an advertisement speaks for its target ("this address is at my MAC")...
    `    icmpv6 type nd-neighbor-advert ${ND_TARGET} @ndtargets ${ND_TARGET} . iifname . ether saddr != @ndowners counter drop`,
    // ...and a duplicate address detection probe (from ::) claims its target.
    `    icmpv6 type nd-neighbor-solicit ip6 saddr :: ${ND_TARGET} @ndtargets ${ND_TARGET} . iifname . ether saddr != @ndowners counter drop`,
    // A container is never a router here: its advertisements would make it its neighbours' default
    // router, its redirects would move their routes (only the host's end of the bridge routes).
    `    icmpv6 type { nd-router-advert, nd-redirect } counter drop`,
    `  }`,
    `}`,
    '',
  ].join('\n');
}
export function removeScript(table: string): string {
  return `add table bridge ${table}\ndelete table bridge ${table}\n`;
}
