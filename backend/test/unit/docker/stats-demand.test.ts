import { PassThrough, Readable } from 'node:stream';
import type Docker from 'dockerode';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { StatsCache } from '../../../src/docker/stats.ts';

const sample = (read: string, rx: number) =>
  JSON.stringify({ read, preread: '0001-01-01T00:00:00Z', pids_stats: {}, blkio_stats: {}, num_procs: 0, storage_stats: {}, cpu_stats: { cpu_usage: { total_usage: 1 } }, precpu_stats: { cpu_usage: { total_usage: 0 } }, memory_stats: {}, name: '/c', id: 'c', networks: { eth0: { rx_bytes: rx, tx_bytes: 0 } } });

/** A Docker whose stats streams and one-shot samples the test controls, counting what was asked. */
function fakeDocker() {
  const streams = new Map<string, PassThrough>();
  const calls = { streams: 0, oneShots: 0 };
  const docker = {
    getContainer: (id: string) => ({
      stats: async () => {
        calls.streams++;
        const s = new PassThrough();
        streams.set(id, s);
        return s;
      },
    }),
    modem: {
      dial: (_o: unknown, cb: (err: unknown, data: unknown) => void) => {
        calls.oneShots++;
        cb(null, Readable.from([Buffer.from(sample('2026-01-01T00:00:00Z', 100))]));
      },
    },
  } as unknown as Docker;
  return { docker, streams, calls };
}

afterEach(() => vi.useRealTimers());

describe('stats on demand', () => {
  it('opens nothing for containers nobody asks about', () => {
    const f = fakeDocker();
    const cache = new StatsCache(() => f.docker);
    cache.track(Array.from({ length: 50 }, (_, i) => `c${i}`));
    expect(cache.isTracked('c7')).toBe(true);
    expect(cache.get('c7')).toBeUndefined();
    expect(f.calls).toEqual({ streams: 0, oneShots: 0 });
    expect(cache.streams).toBe(0);
  });

  it('answers the first request from a one-shot sample and later ones from the stream', async () => {
    const f = fakeDocker();
    const cache = new StatsCache(() => f.docker);
    cache.track(['c1', 'c2']);
    await cache.prime(['c1']);
    expect(f.calls).toEqual({ streams: 1, oneShots: 1 });
    const first = cache.get('c1')!;
    expect(first.samples).toBe(1);
    expect(first.v4).not.toContain('network_rate_stats');
    // The stream's samples follow; rates start from the stream's own two samples.
    await vi.waitFor(() => expect(f.streams.has('c1')).toBe(true));
    f.streams.get('c1')!.write(sample('2026-01-01T00:00:01Z', 1000) + '\n');
    f.streams.get('c1')!.write(sample('2026-01-01T00:00:02Z', 3000) + '\n');
    await vi.waitFor(() => expect(cache.get('c1')!.samples).toBe(3));
    expect(cache.get('c1')!.v4).toContain('"network_rate_stats":{"rx_bytes_per_sec":2000,');
    // Priming again does nothing new; an ineligible container is not primed at all.
    await cache.prime(['c1', 'not-in-ecs-mode']);
    expect(f.calls).toEqual({ streams: 1, oneShots: 1 });
    cache.stop();
  });

  it('closes a stream nobody read for the quiet period, and opens it again on the next request', async () => {
    vi.useFakeTimers();
    let now = 1_000_000;
    const f = fakeDocker();
    const cache = new StatsCache(() => f.docker, 8000, () => now);
    cache.track(['c1']);
    const primed = cache.prime(['c1']);
    await vi.advanceTimersByTimeAsync(10);
    await primed;
    expect(cache.streams).toBe(1);
    now += 6000;
    cache.get('c1'); // read: the quiet period starts again
    now += 6000;
    await vi.advanceTimersByTimeAsync(2000);
    expect(cache.streams).toBe(1);
    now += 8000;
    await vi.advanceTimersByTimeAsync(2000);
    expect(cache.streams).toBe(0);
    expect(f.streams.get('c1')!.destroyed).toBe(true);
    const again = cache.prime(['c1']);
    await vi.advanceTimersByTimeAsync(10);
    await again;
    expect(f.calls).toEqual({ streams: 2, oneShots: 2 });
    cache.stop();
  });

  it('closes the stream of a container that leaves ECS mode', async () => {
    const f = fakeDocker();
    const cache = new StatsCache(() => f.docker);
    cache.track(['c1']);
    await cache.prime(['c1']);
    cache.track([]);
    expect(cache.streams).toBe(0);
    expect(cache.isTracked('c1')).toBe(false);
    cache.stop();
  });
});
