import { PassThrough } from 'node:stream';
import type Docker from 'dockerode';
import { describe, expect, it } from 'vitest';
import { StatsCache, type StatsEntry } from '../../../src/docker/stats.ts';
import { goJsonExact, parseExact } from '../../../src/gojson.ts';
import { plane, statsOf, WEB, WORKER } from '../endpoints/plane-fixture.ts';

/*
 * Docker's uint64 counters reach the caller with Docker's digits (issue 12): the agent unmarshals
 * them into uint64 and marshals them back, so nothing goes through a double.
 */

const UNLIMITED = '9223372036854771712'; // an unlimited cgroup v1's hierarchical_memory_limit
const UINT64_MAX = '18446744073709551615';
const ABOVE_2_53 = '9007199254740993'; // 2^53 + 1: the smallest integer a double cannot hold

/** A sample as Docker Engine 20.10 on a cgroup v1 host streams it (taken from this host), with big values planted. */
function dockerLine(read: string, preread: string, rx: number): string {
  return (
    `{"read":"${read}","preread":"${preread}","pids_stats":{"current":1},` +
    '"blkio_stats":{"io_service_bytes_recursive":[{"major":8,"minor":0,"op":"Read","value":' + ABOVE_2_53 + '}],"io_serviced_recursive":[],"io_queue_recursive":[],"io_service_time_recursive":[],"io_wait_time_recursive":[],"io_merged_recursive":[],"io_time_recursive":[],"sectors_recursive":[]},' +
    '"num_procs":0,"storage_stats":{},' +
    '"cpu_stats":{"cpu_usage":{"total_usage":28675750,"percpu_usage":[4412774,' + ABOVE_2_53 + '],"usage_in_kernelmode":10000000,"usage_in_usermode":10000000},"system_cpu_usage":18018470000000,"online_cpus":2,"throttling_data":{"periods":0,"throttled_periods":0,"throttled_time":0}},' +
    '"precpu_stats":{"cpu_usage":{"total_usage":28675750,"percpu_usage":[4412774,24262976],"usage_in_kernelmode":10000000,"usage_in_usermode":10000000},"system_cpu_usage":18016470000000,"online_cpus":2,"throttling_data":{"periods":0,"throttled_periods":0,"throttled_time":0}},' +
    `"memory_stats":{"usage":1138688,"max_usage":3817472,"stats":{"active_anon":4096,"cache":667648,"hierarchical_memory_limit":${UNLIMITED},"hierarchical_memsw_limit":${UNLIMITED},"pgfault":1033,"rss":57344},"limit":${UINT64_MAX}},` +
    `"name":"/web","id":"${'a'.repeat(64)}","networks":{"eth0":{"rx_bytes":${rx},"rx_packets":8,"rx_errors":0,"rx_dropped":0,"tx_bytes":0,"tx_packets":0,"tx_errors":0,"tx_dropped":0}}}`
  );
}

/** A StatsCache over one container whose stats stream the test writes to. */
async function streamed(): Promise<{ cache: StatsCache; send: (line: string) => Promise<StatsEntry> }> {
  const stream = new PassThrough();
  const docker = { getContainer: () => ({ stats: async () => stream }) } as unknown as Docker;
  const cache = new StatsCache(() => docker);
  cache.track([WEB.id]);
  // Streams open on demand: as a first stats request would (this fake has no one-shot sample).
  void cache.prime([WEB.id]);
  const send = async (line: string): Promise<StatsEntry> => {
    const before = cache.get(WEB.id)?.samples ?? 0;
    stream.write(line + '\n');
    for (let i = 0; i < 100 && (cache.get(WEB.id)?.samples ?? 0) === before; i++) await new Promise((r) => setImmediate(r));
    const e = cache.get(WEB.id);
    if (!e || e.samples === before) throw new Error('the sample was not taken');
    return e;
  };
  return { cache, send };
}

describe('stats keep Docker\'s integer digits', () => {
  it('parses an integer a double cannot hold as a bigint and every other number as a number', () => {
    expect(parseExact('{"a":9007199254740991,"b":9007199254740993,"c":1.5,"d":[123,18446744073709551615],"s":"1234567890123456"}')).toEqual({
      a: 9007199254740991, b: 9007199254740993n, c: 1.5, d: [123, 18446744073709551615n], s: '1234567890123456',
    });
    expect(goJsonExact({ b: 9007199254740993n, x: '<&>' })).toBe('{"b":9007199254740993,"x":"\\u003c\\u0026\\u003e"}');
  });

  it('a v2/v3 body is Docker\'s sample byte for byte when Docker\'s keys are already the agent\'s', async () => {
    const { cache, send } = await streamed();
    const line = dockerLine('2026-01-01T00:00:01.5Z', '2026-01-01T00:00:00.5Z', 736);
    const e = await send(line);
    expect(e.v3).toBe(line);
    expect(e.v3).toContain(`"hierarchical_memory_limit":${UNLIMITED},"hierarchical_memsw_limit":${UNLIMITED}`);
    expect(e.v3).not.toContain('9223372036854772000');
    cache.stop();
  });

  it('v4 adds network_rate_stats after the second sample and keeps the digits', async () => {
    const { cache, send } = await streamed();
    await send(dockerLine('2026-01-01T00:00:01Z', '2026-01-01T00:00:00Z', 1000));
    const e = await send(dockerLine('2026-01-01T00:00:03Z', '2026-01-01T00:00:01Z', 5000));
    expect(e.v4.startsWith(e.v3.slice(0, -1) + ',"network_rate_stats":')).toBe(true);
    const v4 = parseExact(e.v4) as { memory_stats: { limit: unknown; stats: Record<string, unknown> }; network_rate_stats: unknown; blkio_stats: { io_service_bytes_recursive: { value: unknown }[] }; cpu_stats: { cpu_usage: { percpu_usage: unknown[] } } };
    expect(v4.memory_stats.stats.hierarchical_memory_limit).toBe(BigInt(UNLIMITED));
    expect(v4.memory_stats.limit).toBe(BigInt(UINT64_MAX));
    expect(v4.blkio_stats.io_service_bytes_recursive[0]!.value).toBe(BigInt(ABOVE_2_53));
    expect(v4.cpu_stats.cpu_usage.percpu_usage).toEqual([4412774, BigInt(ABOVE_2_53)]);
    expect(v4.network_rate_stats).toEqual({ rx_bytes_per_sec: 2000, tx_bytes_per_sec: 0 });
    cache.stop();
  });

  it('reaches the caller unchanged through v2, v3 and v4, container and task stats', async () => {
    const { cache, send } = await streamed();
    await send(dockerLine('2026-01-01T00:00:01Z', '2026-01-01T00:00:00Z', 1000));
    const e = await send(dockerLine('2026-01-01T00:00:02Z', '2026-01-01T00:00:01Z', 2000));
    const p = plane({ stats: { [WEB.id]: e, [WORKER.id]: statsOf('{"v":3}', '{"v":4}') } });
    const ep = p.endpoint(WEB);
    const bodies = await Promise.all([`/v4/${ep}/stats`, `/v3/${ep}/stats`, `/v4/${ep}/task/stats`, `/v3/${ep}/task/stats`, '/v2/stats', `/v2/stats/${WEB.id}`].map((u) => p.call(u, WEB)));
    for (const r of bodies) {
      expect(r.status).toBe(200);
      expect(r.body).toContain(`"hierarchical_memory_limit":${UNLIMITED}`);
      expect(r.body).toContain(`"limit":${UINT64_MAX}`);
    }
    expect(bodies[0]!.body).toBe(e.v4);
    expect(bodies[1]!.body).toBe(e.v3);
    cache.stop();
  });
});
