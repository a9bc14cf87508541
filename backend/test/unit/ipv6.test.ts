import { describe, expect, it } from 'vitest';
import { cidrOf6, formatIpv6, ipv6Hex, isUla, parseCidr6, parseIpv6 } from '../../src/ipv6.ts';

describe('IPv6 addresses', () => {
  it('parse to 128-bit integers and print in the canonical form (RFC 5952)', () => {
    expect(parseIpv6('::')).toBe(0n);
    expect(parseIpv6('::1')).toBe(1n);
    expect(parseIpv6('fdec:5170::2')).toBe((0xfdec5170n << 96n) | 2n);
    expect(parseIpv6('::ffff:169.254.170.2')).toBe((0xffffn << 32n) | 0xa9feaa02n);
    for (const bad of ['', '1.2.3.4', 'fe80::1%eth0', '[::1]', '1:2:3:4:5:6:7:8:9', 'fdec::5170::1']) expect(parseIpv6(bad), bad).toBeUndefined();
    expect(formatIpv6(parseIpv6('FDEC:5170:0:0:0:0:0:2')!)).toBe('fdec:5170::2');
    expect(formatIpv6(parseIpv6('1:0:0:2:0:0:0:3')!)).toBe('1:0:0:2::3');
    expect(formatIpv6(parseIpv6('1:0:2:3:4:5:6:7')!)).toBe('1:0:2:3:4:5:6:7');
    expect(formatIpv6(0n)).toBe('::');
    expect(ipv6Hex('fdec:5170::2')).toBe('0xfdec5170000000000000000000000002');
    expect(() => ipv6Hex('10.0.0.1')).toThrow(/not an IPv6 address/);
  });

  it('subnets: host bits cleared, blocks of addresses, unique local or not', () => {
    expect(parseCidr6('fdec:5170::7/64')).toEqual({ cidr: 'fdec:5170::/64', base: 0xfdec5170n << 96n, prefix: 64 });
    expect(parseCidr6('fdec:5170::/129')).toBeUndefined();
    expect(cidrOf6('fdec:5170:0:1:2::3', 64)).toBe('fdec:5170:0:1::/64');
    expect(isUla(parseCidr6('fd00::/8')!)).toBe(true);
    expect(isUla(parseCidr6('fc00::/7')!)).toBe(false);
    expect(isUla(parseCidr6('2001:db8::/32')!)).toBe(false);
  });
});
