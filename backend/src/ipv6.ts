import { isIPv6 } from 'node:net';

/**
 * IPv6 addresses as 128-bit integers, for the managed network's optional IPv6 subnet (config),
 * the address guard's rules and metadata's subnet blocks. Pure.
 */

const BITS = 128n;
const ALL = (1n << BITS) - 1n;

/** The address as a 128-bit integer, or undefined if it is not an IPv6 address (no zone, no brackets). */
export function parseIpv6(ip: string): bigint | undefined {
  if (!isIPv6(ip) || ip.includes('%')) return undefined;
  let text = ip;
  // An embedded IPv4 tail (::ffff:1.2.3.4) becomes two groups.
  const v4 = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (v4) {
    const [a, b, c, d] = v4.slice(1).map(Number) as [number, number, number, number];
    text = text.slice(0, v4.index) + `${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.split('::') as [string, string | undefined];
  const groups = (s: string) => (s ? s.split(':') : []);
  const h = groups(head);
  const t = tail === undefined ? [] : groups(tail);
  const all = tail === undefined ? h : [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  return all.reduce((n, g) => (n << 16n) | BigInt(parseInt(g, 16)), 0n);
}

/** The canonical text form (RFC 5952: lower case, the longest run of zero groups as ::). */
export function formatIpv6(n: bigint): string {
  const g = Array.from({ length: 8 }, (_, i) => Number((n >> BigInt(112 - 16 * i)) & 0xffffn));
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) [best, bestLen] = [i, j - i];
    i = j;
  }
  const hex = g.map((x) => x.toString(16));
  if (best < 0) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
}

/** The address as nft's 128-bit integer literal (raw payload matches compare against it). */
export function ipv6Hex(ip: string): string {
  const n = parseIpv6(ip);
  if (n === undefined) throw new Error(`not an IPv6 address: ${ip}`);
  return '0x' + n.toString(16).padStart(32, '0');
}

export interface Subnet6 {
  /** Canonical, host bits cleared: fdec:5170::/64. */
  cidr: string;
  base: bigint;
  prefix: number;
}

/** An IPv6 CIDR block with any prefix length 0-128, host bits cleared; undefined if malformed. */
export function parseCidr6(cidr: string): Subnet6 | undefined {
  const m = /^([^/]+)\/(\d{1,3})$/.exec(cidr.trim());
  if (!m) return undefined;
  const n = parseIpv6(m[1]!);
  const prefix = Number(m[2]);
  if (n === undefined || prefix > 128) return undefined;
  const mask = prefix === 0 ? 0n : (ALL << (BITS - BigInt(prefix))) & ALL;
  const base = n & mask;
  return { cidr: `${formatIpv6(base)}/${prefix}`, base, prefix };
}

/** The n-th address of a subnet (1: Docker's default gateway). */
export function nthAddress6(s: Subnet6, n: number): string {
  return formatIpv6(s.base + BigInt(n));
}

/** The block an address with this prefix length lies in (IPv6SubnetCIDRBlock), or undefined. */
export function cidrOf6(ip: string, prefix: number): string | undefined {
  return parseCidr6(`${ip}/${prefix}`)?.cidr;
}

/** Unique local addresses (RFC 4193), the locally assigned half: fd00::/8. */
export function isUla(s: Subnet6): boolean {
  return s.prefix >= 8 && s.base >> 120n === 0xfdn;
}
