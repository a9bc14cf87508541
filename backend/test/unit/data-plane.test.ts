import { describe, expect, it } from 'vitest';
import { cleanPath } from '../../src/endpoints/data-plane.ts';
import { decodeProtectionBody, ProtectionStore } from '../../src/endpoints/protection.ts';
import { Throttle } from '../../src/endpoints/throttle.ts';
import { normalizeStats } from '../../src/docker/stats.ts';
import { goJson, sortedMap } from '../../src/gojson.ts';
import { loadConfig, ConfigError } from '../../src/config.ts';
import { negotiate } from '../../src/docker/client.ts';

describe('cleanPath (gorilla/mux)', () => {
  it.each([
    ['/v4/x/task', '/v4/x/task'],
    ['//v4//x/task', '/v4/x/task'],
    ['/v4/x/../y', '/v4/y'],
    ['/v4/x/', '/v4/x/'],
    ['/./v4', '/v4'],
    ['', '/'],
  ])('%s → %s', (input, out) => expect(cleanPath(input)).toBe(out));
});

describe('Throttle (tollbooth token bucket)', () => {
  it('allows the burst, then refills at the steady rate, per key', () => {
    let now = 0;
    const t = new Throttle(40, 60, () => now);
    const results = Array.from({ length: 61 }, () => t.take('a|/p'));
    expect(results.filter(Boolean)).toHaveLength(60);
    expect(t.take('b|/p')).toBe(true);
    now += 25; // 40/s → one token per 25 ms
    expect(t.take('a|/p')).toBe(true);
    expect(t.take('a|/p')).toBe(false);
    expect(t.limitHeader).toBe('40.00');
  });
});

describe('task protection body decoding (Go json.Decoder, DisallowUnknownFields)', () => {
  it.each([
    ['{"ProtectionEnabled":true,"ExpiresInMinutes":60}', { ok: true, enabled: true, minutes: 60 }],
    ['{"protectionenabled":false}', { ok: true, enabled: false }],
    ['{"ProtectionEnabled":true} trailing', { ok: true, enabled: true }],
    ['{"ExpiresInMinutes":60.5,"ProtectionEnabled":true}', { ok: false }],
    ['{"ExpiresInMinutes":"60"}', { ok: false }],
    ['{"Other":1}', { ok: false }],
    ['', { ok: false }],
    ['[1]', { ok: false }],
  ])('%s', (body, expected) => expect(decodeProtectionBody(body)).toEqual(expected));

  it('expires protection and validates ECS\'s range', () => {
    let now = Date.parse('2026-01-01T00:00:00Z');
    const s = new ProtectionStore(() => now);
    const arn = 'arn:aws:ecs:us-east-1:000000000000:task/default/abc';
    expect(JSON.parse(s.handle('PUT', '{"ProtectionEnabled":true,"ExpiresInMinutes":10}', arn, true).body)).toEqual({
      protection: { ExpirationDate: '2026-01-01T00:10:00Z', ProtectionEnabled: true, TaskArn: arn },
    });
    now += 11 * 60_000;
    expect(JSON.parse(s.handle('GET', '', arn, true).body).protection).toEqual({ ExpirationDate: null, ProtectionEnabled: false, TaskArn: arn });
    const r = s.handle('PUT', '{"ProtectionEnabled":true,"ExpiresInMinutes":2881}', arn, true);
    expect(r.status).toBe(400);
    expect(JSON.parse(r.body).error.Code).toBe('InvalidParameterException');
  });
});

describe('stats normalisation (docker v25 StatsJSON as the agent re-marshals it)', () => {
  it('puts keys in struct order, applies omitempty, keeps nil slices as null and sorts maps', () => {
    const raw = {
      id: 'abc', name: '/x', read: '2026-01-01T00:00:01Z', preread: '2026-01-01T00:00:00Z', extra_field: 1,
      networks: { eth1: { rx_bytes: 1 }, eth0: { tx_bytes: 2 } },
      memory_stats: { usage: 10, stats: { z: 1, a: 2 }, limit: 100, max_usage: 0 },
      cpu_stats: { cpu_usage: { total_usage: 5 }, system_cpu_usage: 0 },
      blkio_stats: { io_service_bytes_recursive: null, io_serviced_recursive: [] },
      pids_stats: {},
    };
    const s = normalizeStats(raw);
    expect(Object.keys(s)).toEqual(['read', 'preread', 'pids_stats', 'blkio_stats', 'num_procs', 'storage_stats', 'cpu_stats', 'precpu_stats', 'memory_stats', 'name', 'id', 'networks']);
    expect(Object.keys(s.networks as object)).toEqual(['eth0', 'eth1']);
    expect(s.memory_stats).toEqual({ usage: 10, stats: { a: 2, z: 1 }, limit: 100 });
    expect(Object.keys((s.memory_stats as { stats: object }).stats)).toEqual(['a', 'z']);
    expect((s.blkio_stats as Record<string, unknown>).io_service_bytes_recursive).toBeNull();
    expect((s.blkio_stats as Record<string, unknown>).io_serviced_recursive).toEqual([]);
    expect(s.cpu_stats).toEqual({ cpu_usage: { total_usage: 5, usage_in_kernelmode: 0, usage_in_usermode: 0 }, throttling_data: { periods: 0, throttled_periods: 0, throttled_time: 0 } });
  });
});

describe('goJson', () => {
  it('escapes <, > and & like Go and sorts maps when asked', () => {
    expect(goJson({ a: '<b>&' })).toBe('{"a":"\\u003cb\\u003e\\u0026"}');
    expect(Object.keys(sortedMap({ b: 1, B: 2, a: 3 }))).toEqual(['B', 'a', 'b']);
  });
});

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
});

describe('Docker API version negotiation', () => {
  it('uses the lower of the server\'s and ours, never below the server minimum', () => {
    expect(negotiate('1.41', '1.12')).toBe('1.41'); // Engine 20.10
    expect(negotiate('1.52', '1.44')).toBe('1.47'); // Engine 29 refuses < 1.44
    expect(negotiate('1.52', '1.48')).toBe('1.48');
  });
});
