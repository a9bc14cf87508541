import { describe, expect, it } from 'vitest';
import { loadConfig, ConfigError } from '../../src/config.ts';

describe('config', () => {
  it('derives the endpoint, gateway and dynamic range from the subnet and topology', () => {
    const host = loadConfig({ ECS_ENDPOINTS_TOPOLOGY: 'host' });
    expect(host).toMatchObject({ address: '169.254.170.2', gateway: '169.254.170.2', ipRange: '169.254.170.128/25', network: 'ecs-endpoints', control: { kind: 'tcp', host: '127.0.0.1', port: 8080 } });
    const ctr = loadConfig({ ECS_ENDPOINTS_TOPOLOGY: 'container', ECS_ENDPOINTS_SUBNET: '169.254.190.0/24' });
    expect(ctr).toMatchObject({ address: '169.254.190.2', gateway: '169.254.190.1', control: { kind: 'unix', path: '/run/guest-services/backend.sock' } });
    expect(loadConfig({ ECS_TASK_METADATA_RPS_LIMIT: '10,20' }).rps).toEqual({ steady: 10, burst: 20 });
    expect(loadConfig({ ECS_TASK_METADATA_RPS_LIMIT: 'junk' }).rps).toEqual({ steady: 40, burst: 60 });
    expect(loadConfig({}, ['--network=mine', '--cluster', 'prod'])).toMatchObject({ network: 'mine', cluster: 'prod' });
  });

  it('rejects bad values with a message that names the setting', () => {
    expect(() => loadConfig({ ECS_ENDPOINTS_SUBNET: '10.0.0.0/33' })).toThrow(/ECS_ENDPOINTS_SUBNET/);
    expect(() => loadConfig({ ECS_ENDPOINTS_CONTROL: '0.0.0.0:8080' })).toThrow(/loopback/);
    expect(() => loadConfig({ ECS_ENDPOINTS_NETWRK: 'x' })).toThrow(ConfigError);
    expect(() => loadConfig({ ECS_ENDPOINTS_RPS_LIMIT: '0,1' })).toThrow(/ECS_ENDPOINTS_RPS_LIMIT/);
  });

  it('makes the network dual-stack only when asked, with a unique local subnet that has room for every container', () => {
    expect(loadConfig({}).ipv6).toBeUndefined();
    expect(loadConfig({ ECS_ENDPOINTS_IPV6: 'off' }).ipv6).toBeUndefined();
    expect(loadConfig({ ECS_ENDPOINTS_IPV6: 'on' }).ipv6).toEqual({ subnet: { cidr: 'fdec:5170::/64', base: 0xfdec5170n << 96n, prefix: 64 }, gateway: 'fdec:5170::1' });
    // Host bits cleared, canonical text, the gateway is the subnet's ::1.
    expect(loadConfig({}, ['--ipv6', 'FD12:3456:789A:0001:0:0:0:9/64']).ipv6).toMatchObject({ subnet: { cidr: 'fd12:3456:789a:1::/64' }, gateway: 'fd12:3456:789a:1::1' });
    expect(loadConfig({ ECS_ENDPOINTS_IPV6: 'fd00:1::/120' }).ipv6?.subnet.cidr).toBe('fd00:1::/120');
    expect(loadConfig({ ECS_ENDPOINTS_IPV6: 'fd00:1::/119', ECS_ENDPOINTS_SUBNET: '169.254.170.0/23' }).ipv6?.subnet.prefix).toBe(119);
  });

  it('refuses IPv6 subnets that are malformed, not unique local, or too small, saying what to set', () => {
    expect(() => loadConfig({ ECS_ENDPOINTS_IPV6: 'yes' })).toThrow(/ECS_ENDPOINTS_IPV6 "yes" is not an IPv6 subnet.*fdec:5170::\/64/);
    expect(() => loadConfig({ ECS_ENDPOINTS_IPV6: 'fd00::' })).toThrow(/not an IPv6 subnet/);
    expect(() => loadConfig({ ECS_ENDPOINTS_IPV6: 'fd00::/129' })).toThrow(/not an IPv6 subnet/);
    expect(() => loadConfig({ ECS_ENDPOINTS_IPV6: '169.254.170.0/24' })).toThrow(/not an IPv6 subnet/);
    expect(() => loadConfig({ ECS_ENDPOINTS_IPV6: '2001:db8::/64' })).toThrow(/not a unique local subnet \(fd00::\/8\)/);
    expect(() => loadConfig({ ECS_ENDPOINTS_IPV6: 'fe80::/64' })).toThrow(/not a unique local/);
    expect(() => loadConfig({ ECS_ENDPOINTS_IPV6: 'fc00::/64' })).toThrow(/not a unique local/);
    expect(() => loadConfig({ ECS_ENDPOINTS_IPV6: 'fd00::/121' })).toThrow(/too small: a \/121 has fewer addresses than the IPv4 subnet 169\.254\.170\.0\/24.*at most \/120/);
    expect(() => loadConfig({ ECS_ENDPOINTS_IPV6: 'fd00:1::/120', ECS_ENDPOINTS_SUBNET: '169.254.170.0/23' })).toThrow(/too small/);
    expect(() => loadConfig({ ECS_ENDPOINTS_IPV6: 'fd00::/40' })).toThrow(/larger than a site's \/48.*fd00::\/64/);
  });
});
