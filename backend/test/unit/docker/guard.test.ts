import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { bridgePortsByIndex, portOf } from '../../../src/docker/guard/apply.ts';
import { guardScript, removeScript, tableName } from '../../../src/docker/guard/nft.ts';

describe('the anti-spoofing ruleset', () => {
  it('replaces the table in one transaction and binds each address to its port and MAC', () => {
    const s = guardScript('ecs_endpoints_x', [
      { ip: '169.254.170.2' },
      { ip: '169.254.170.130', port: 'veth1a2b3c', mac: '02:42:A9:FE:AA:82' },
      { ip: '169.254.170.131', port: 'veth4d5e6f', mac: '02:42:a9:fe:aa:83' },
    ], ['veth1a2b3c', 'veth4d5e6f', 'vethnew']);
    const lines = s.split('\n');
    expect(lines.slice(0, 3)).toEqual(['add table bridge ecs_endpoints_x', 'delete table bridge ecs_endpoints_x', 'table bridge ecs_endpoints_x {']);
    expect(s).toContain('set ports { type ifname; elements = { "veth1a2b3c", "veth4d5e6f", "vethnew" }; }');
    expect(s).toContain('iifname != @ports accept');
    expect(s.indexOf('iifname != @ports accept')).toBeLessThan(s.indexOf('drop'));
    expect(s).toContain('set ips { type ipv4_addr; elements = { 169.254.170.2, 169.254.170.130, 169.254.170.131 }; }');
    expect(s).toContain('elements = { 169.254.170.130 . "veth1a2b3c" . 02:42:a9:fe:aa:82, 169.254.170.131 . "veth4d5e6f" . 02:42:a9:fe:aa:83 }');
    expect(s).toContain('elements = { 02:42:a9:fe:aa:82 . "veth1a2b3c", 02:42:a9:fe:aa:83 . "veth4d5e6f" }');
    expect(s).toContain('ip saddr @ips ip saddr . iifname . ether saddr != @owners counter drop');
    expect(s).toContain('arp saddr ip @ips arp saddr ip . iifname . arp saddr ether != @owners counter drop');
    expect(s).toContain('ether saddr @macs ether saddr . iifname != @macports counter drop');
  });

  it('binds IPv6 addresses (canonical form) like IPv4 ones: source, neighbor advertisements, duplicate address probes', () => {
    const s = guardScript('ecs_endpoints_x', [
      { ip: 'fdec:5170::1' },
      { ip: '169.254.170.130', port: 'veth1a2b3c', mac: '02:42:a9:fe:aa:82' },
      { ip: 'FDEC:5170:0:0:0:0:0:2', port: 'veth1a2b3c', mac: '02:42:a9:fe:aa:82' },
    ], ['veth1a2b3c']);
    expect(s).toContain('set ips { type ipv4_addr; elements = { 169.254.170.130 }; }');
    expect(s).toContain('set ips6 { type ipv6_addr; elements = { fdec:5170::1, fdec:5170::2 }; }');
    expect(s).toContain('set owners6 { type ipv6_addr . ifname . ether_addr; elements = { fdec:5170::2 . "veth1a2b3c" . 02:42:a9:fe:aa:82 }; }');
    // The neighbor messages' target field as nft's 128-bit integers; the gateway has no owner.
    expect(s).toContain('set ndtargets { typeof @th,64,128; elements = { 0xfdec5170000000000000000000000001, 0xfdec5170000000000000000000000002 }; }');
    expect(s).toContain('set ndowners { typeof @th,64,128 . iifname . ether saddr; elements = { 0xfdec5170000000000000000000000002 . "veth1a2b3c" . 02:42:a9:fe:aa:82 }; }');
    // One MAC, one port, however many addresses.
    expect(s).toContain('set macports { type ether_addr . ifname; elements = { 02:42:a9:fe:aa:82 . "veth1a2b3c" }; }');
    expect(s).toContain('ether type ip6 ip6 saddr @ips6 ip6 saddr . iifname . ether saddr != @owners6 counter drop');
    expect(s).toContain('icmpv6 type nd-neighbor-advert @th,64,128 @ndtargets @th,64,128 . iifname . ether saddr != @ndowners counter drop');
    expect(s).toContain('icmpv6 type nd-neighbor-solicit ip6 saddr :: @th,64,128 @ndtargets @th,64,128 . iifname . ether saddr != @ndowners counter drop');
    expect(s).toContain('icmpv6 type { nd-router-advert, nd-redirect } counter drop');
    expect(s.indexOf('iifname != @ports accept')).toBeLessThan(s.indexOf('ip6 saddr @ips6'));
  });

  it('writes empty sets without elements, and refuses anything that could inject nft syntax', () => {
    expect(guardScript('t', [], [])).toContain('set owners { type ipv4_addr . ifname . ether_addr; }');
    expect(guardScript('t', [], [])).toContain('set ndowners { typeof @th,64,128 . iifname . ether saddr; }');
    expect(() => guardScript('t', [{ ip: '1.2.3.4; flush ruleset' }], [])).toThrow(/not an IPv4 or IPv6 address/);
    expect(() => guardScript('t', [{ ip: 'fe80::1%eth0' }], [])).toThrow(/not an IPv4 or IPv6 address/);
    expect(() => guardScript('t', [{ ip: 'fd00::1 }; flush ruleset' }], [])).toThrow(/not an IPv4 or IPv6 address/);
    expect(() => guardScript('t', [{ ip: '1.2.3.4', port: 'eth0" }', mac: '02:42:00:00:00:01' }], [])).toThrow(/not an interface name/);
    expect(() => guardScript('t', [{ ip: '1.2.3.4', port: 'eth0', mac: 'zz' }], [])).toThrow(/not a MAC/);
    expect(() => guardScript('t', [], ['veth0"; flush ruleset'])).toThrow(/not an interface name/);
  });

  it('names tables after the network with nft-safe characters', () => {
    expect(tableName('ecs-endpoints')).toBe('ecs_endpoints_ecs_endpoints');
    expect(tableName('a.b c')).toBe('ecs_endpoints_a_b_c');
    expect(removeScript('t')).toBe('add table bridge t\ndelete table bridge t\n');
  });
});

describe('finding a container\'s bridge port', () => {
  const root = mkdtempSync(join(tmpdir(), 'guard-sys-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const proc = join(root, 'proc');
  const sys = join(root, 'sys');
  const inner = join(proc, '42', 'root', 'sys', 'class', 'net');
  for (const [ifc, mac, iflink] of [['lo', '00:00:00:00:00:00', '1'], ['eth0', '02:42:ac:11:00:02', '7'], ['eth1', '02:42:a9:fe:aa:82', '9']] as const) {
    mkdirSync(join(inner, ifc), { recursive: true });
    writeFileSync(join(inner, ifc, 'address'), mac + '\n');
    writeFileSync(join(inner, ifc, 'iflink'), iflink + '\n');
  }
  for (const [ifc, index, master] of [['vethaaa', '7', 'docker0'], ['vethbbb', '9', 'br-0123456789ab']] as const) {
    mkdirSync(join(sys, 'class', 'net', ifc), { recursive: true });
    writeFileSync(join(sys, 'class', 'net', ifc, 'ifindex'), index + '\n');
    symlinkSync(`../../devices/virtual/net/${master}`, join(sys, 'class', 'net', ifc, 'master'));
  }

  // The bridge lists its ports (sysfs brif), as a real bridge does.
  mkdirSync(join(sys, 'class', 'net', 'br-0123456789ab', 'brif', 'vethbbb'), { recursive: true });

  it('follows the interface with the MAC to the host veth with its peer index', async () => {
    await expect(portOf(42, '02:42:A9:FE:AA:82', 'br-0123456789ab', sys, proc)).resolves.toBe('vethbbb');
  });

  it('reads the bridge\'s ports once and looks a peer index up there, scanning the host only to say where a port is', async () => {
    expect(await bridgePortsByIndex('br-0123456789ab', sys)).toEqual(new Map([['9', 'vethbbb']]));
    expect(await bridgePortsByIndex('br-gone', sys)).toEqual(new Map());
    // The given index is what answers (the host scan would have said vethbbb).
    await expect(portOf(42, '02:42:a9:fe:aa:82', 'br-0123456789ab', sys, proc, Promise.resolve(new Map([['9', 'vethFROMINDEX']])))).resolves.toBe('vethFROMINDEX');
  });

  it('refuses a port on another bridge, an unknown MAC, a gone process', async () => {
    await expect(portOf(42, '02:42:ac:11:00:02', 'br-0123456789ab', sys, proc)).rejects.toThrow(/on docker0, not br-0123456789ab/);
    await expect(portOf(42, '02:42:00:00:00:09', 'br-0123456789ab', sys, proc)).rejects.toThrow(/no interface with MAC/);
    await expect(portOf(43, '02:42:a9:fe:aa:82', 'br-0123456789ab', sys, proc)).rejects.toThrow(/ENOENT/);
  });
});
