import { describe, expect, it } from 'vitest';
import { normalizeStats } from '../../../src/docker/stats.ts';
import { negotiate } from '../../../src/docker/client.ts';

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

describe('Docker API version negotiation', () => {
  it('uses the lower of the server\'s and ours, never below the server minimum', () => {
    expect(negotiate('1.41', '1.12')).toBe('1.41'); // Engine 20.10
    expect(negotiate('1.52', '1.44')).toBe('1.47'); // Engine 29 refuses < 1.44
    expect(negotiate('1.52', '1.48')).toBe('1.48');
  });
});
