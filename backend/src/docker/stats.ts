import type Docker from 'dockerode';
import type { Readable } from 'node:stream';
import { goJson, goJsonExact, parseExact, sortedMap } from '../gojson.ts';
import { log } from '../log.ts';
import { onLines } from './ndjson.ts';

/* Docker's stats JSON as the agent re-marshals it (docker api/types/stats.go, v25 as vendored by
 * the agent): every struct field in declaration order, omitempty where Go has it, maps sorted.
 * The fields are Go uint64s, so the agent passes Docker's digits through: integers beyond 2^53
 * (an unlimited cgroup's hierarchical_memory_limit, 9223372036854771712) stay bigints here from
 * parse to body, never a double. */

type J = Record<string, unknown>;
/** A stats counter: a number, or a bigint when it does not fit a double exactly. */
type Counter = number | bigint;
const num = (v: unknown): Counter => (typeof v === 'bigint' ? v : typeof v === 'number' && Number.isFinite(v) ? v : 0);
/** For arithmetic (network rates are float64 in the agent too). */
const float = (v: unknown): number => Number(num(v));
const obj = (v: unknown): J => (v && typeof v === 'object' && !Array.isArray(v) ? (v as J) : {});
/** Go omits zero numbers, empty strings, empty maps and nil slices when the tag says omitempty. */
function putIf(o: J, k: string, v: unknown): void {
  if (v === undefined || v === null || v === 0 || v === '') return;
  if (Array.isArray(v) && v.length === 0) return;
  if (typeof v === 'object' && !Array.isArray(v) && Object.keys(v as J).length === 0) return;
  o[k] = v;
}
const ZERO_TIME = '0001-01-01T00:00:00Z';

function blkioEntries(v: unknown): unknown {
  if (!Array.isArray(v)) return null; // a nil slice marshals as null
  return v.map((e) => ({ major: num(obj(e).major), minor: num(obj(e).minor), op: String(obj(e).op ?? ''), value: num(obj(e).value) }));
}

function cpuStats(v: unknown): J {
  const c = obj(v);
  const u = obj(c.cpu_usage);
  const usage: J = { total_usage: num(u.total_usage) };
  putIf(usage, 'percpu_usage', Array.isArray(u.percpu_usage) ? u.percpu_usage.map(num) : undefined);
  usage.usage_in_kernelmode = num(u.usage_in_kernelmode);
  usage.usage_in_usermode = num(u.usage_in_usermode);
  const out: J = { cpu_usage: usage };
  putIf(out, 'system_cpu_usage', num(c.system_cpu_usage));
  putIf(out, 'online_cpus', num(c.online_cpus));
  const t = obj(c.throttling_data);
  out.throttling_data = { periods: num(t.periods), throttled_periods: num(t.throttled_periods), throttled_time: num(t.throttled_time) };
  return out;
}

export function normalizeStats(raw: J): J {
  const out: J = {
    read: typeof raw.read === 'string' ? raw.read : ZERO_TIME,
    preread: typeof raw.preread === 'string' ? raw.preread : ZERO_TIME,
  };
  const pids = obj(raw.pids_stats);
  const p: J = {};
  putIf(p, 'current', num(pids.current));
  putIf(p, 'limit', num(pids.limit));
  out.pids_stats = p;
  const b = obj(raw.blkio_stats);
  out.blkio_stats = Object.fromEntries(
    ['io_service_bytes_recursive', 'io_serviced_recursive', 'io_queue_recursive', 'io_service_time_recursive',
      'io_wait_time_recursive', 'io_merged_recursive', 'io_time_recursive', 'sectors_recursive'].map((k) => [k, blkioEntries(b[k])]),
  );
  out.num_procs = num(raw.num_procs);
  const st = obj(raw.storage_stats);
  const storage: J = {};
  for (const k of ['read_count_normalized', 'read_size_bytes', 'write_count_normalized', 'write_size_bytes']) putIf(storage, k, num(st[k]));
  out.storage_stats = storage;
  out.cpu_stats = cpuStats(raw.cpu_stats);
  out.precpu_stats = cpuStats(raw.precpu_stats);
  const m = obj(raw.memory_stats);
  const mem: J = {};
  putIf(mem, 'usage', num(m.usage));
  putIf(mem, 'max_usage', num(m.max_usage));
  const ms = obj(m.stats);
  putIf(mem, 'stats', sortedMap(Object.fromEntries(Object.entries(ms).map(([k, v]) => [k, num(v)]))));
  for (const k of ['failcnt', 'limit', 'commitbytes', 'commitpeakbytes', 'privateworkingset']) putIf(mem, k, num(m[k]));
  out.memory_stats = mem;
  putIf(out, 'name', raw.name);
  putIf(out, 'id', raw.id);
  const nets = obj(raw.networks);
  const networks: J = {};
  for (const [k, v] of Object.entries(nets)) {
    const n = obj(v);
    const e: J = {};
    for (const f of ['rx_bytes', 'rx_packets', 'rx_errors', 'rx_dropped', 'tx_bytes', 'tx_packets', 'tx_errors', 'tx_dropped']) e[f] = num(n[f]);
    putIf(e, 'endpoint_id', n.endpoint_id);
    putIf(e, 'instance_id', n.instance_id);
    networks[k] = e;
  }
  putIf(out, 'networks', sortedMap(networks));
  return out;
}

function totals(stats: J): { rx: number; tx: number } | undefined {
  const nets = stats.networks as Record<string, J> | undefined;
  if (!nets) return undefined;
  let rx = 0;
  let tx = 0;
  for (const n of Object.values(nets)) {
    rx += float(n.rx_bytes);
    tx += float(n.tx_bytes);
  }
  return { rx, tx };
}

export interface StatsEntry {
  /** Body for v2/v3 `/stats` (Docker stats as the agent re-marshals them). */
  v3: string;
  /** Body for v4 `/stats`: the same plus network_rate_stats once two samples exist. */
  v4: string;
  readAt: string;
  samples: number;
}

interface Tracked {
  stream?: Readable;
  entry?: StatsEntry;
  prev?: { read: number; rx: number; tx: number };
  samples: number;
  retry?: NodeJS.Timeout;
  closed: boolean;
  /** The first sample (one-shot or streamed), for callers waiting on a cold container. */
  first?: Promise<void>;
  firstDone?: () => void;
}

/** One sample as Docker's text (dockerode would parse it through doubles): GET /containers/{id}/stats?stream=false&one-shot=true. */
function oneShotText(docker: Docker, id: string): Promise<string> {
  return new Promise((resolve, reject) => {
    docker.modem.dial(
      { path: `/containers/${encodeURIComponent(id)}/stats?`, method: 'GET', options: { stream: false, 'one-shot': true }, isStream: true, statusCodes: { 200: true, 404: 'no such container', 500: 'server error' } },
      (err: unknown, data: unknown) => {
        if (err) return reject(err as Error);
        const chunks: Buffer[] = [];
        const r = data as Readable;
        r.on('data', (c: Buffer) => chunks.push(c));
        r.on('end', () => resolve(Buffer.concat(chunks).toString('utf8').trim()));
        r.on('error', reject);
      },
    );
  });
}

/** How long a container's stream stays open after its stats were last asked for. */
export const STATS_QUIET_MS = 60_000;
/** A cold request waits this long at most for the first sample (the agent answers `{}` without one). */
const FIRST_SAMPLE_WAIT_MS = 2500;

/**
 * Stats on demand. Containers in ECS mode are eligible (`track`), but a stream (Docker sends a
 * sample about every second) is opened only when a container's stats are asked for: that first
 * request is answered from a quick one-shot sample, later ones from the stream, each a map lookup
 * of a pre-serialised body. A stream nobody has read for STATS_QUIET_MS is closed, so idle
 * containers cost dockerd and this process nothing.
 */
export class StatsCache {
  private tracked = new Map<string, Tracked>();
  private eligible = new Set<string>();
  private readonly asked = new Map<string, number>();
  private sweeper?: NodeJS.Timeout;

  constructor(
    private readonly docker: () => Docker,
    private readonly quietMs = STATS_QUIET_MS,
    private readonly now: () => number = Date.now,
  ) {}

  /** The last sample (and marks the container as read now). */
  get(id: string): StatsEntry | undefined {
    const t = this.tracked.get(id);
    if (t) this.asked.set(id, this.now());
    return t?.entry;
  }

  /** Whether the container is one whose stats are served (running, in ECS mode). */
  isTracked(id: string): boolean {
    return this.eligible.has(id);
  }

  /** Open streams (and take a one-shot sample) for eligible containers without a sample; resolves once each has one or after a bound. */
  async prime(ids: Iterable<string>): Promise<void> {
    const waits: Promise<void>[] = [];
    for (const id of ids) {
      if (!this.eligible.has(id)) continue;
      this.asked.set(id, this.now());
      let t = this.tracked.get(id);
      if (!t) {
        t = this.newTracked();
        this.open(id, t);
        this.oneShot(id, t);
        this.sweep(true);
      }
      if (!t.entry && t.first) waits.push(t.first);
    }
    if (!waits.length) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.all(waits), new Promise<void>((r) => (timer = setTimeout(r, FIRST_SAMPLE_WAIT_MS)))]);
    clearTimeout(timer);
  }

  /** The containers whose stats may be served (running containers in ECS mode); streams of others close. */
  track(ids: Iterable<string>): void {
    this.eligible = new Set(ids);
    for (const [id, t] of this.tracked) if (!this.eligible.has(id)) this.close(id, t);
  }

  /** How many streams are open (for the status and tests). */
  get streams(): number {
    return this.tracked.size;
  }

  stop(): void {
    for (const [id, t] of this.tracked) this.close(id, t);
    clearInterval(this.sweeper);
    this.sweeper = undefined;
  }

  private newTracked(): Tracked {
    const t: Tracked = { samples: 0, closed: false };
    t.first = new Promise<void>((r) => (t.firstDone = r));
    return t;
  }

  /** Close streams nobody read lately; the sweeper runs only while streams are open. */
  private sweep(arm = false): void {
    const now = this.now();
    for (const [id, t] of this.tracked) if (now - (this.asked.get(id) ?? 0) >= this.quietMs) this.close(id, t);
    if (this.tracked.size === 0) {
      clearInterval(this.sweeper);
      this.sweeper = undefined;
    } else if (arm && !this.sweeper) {
      this.sweeper = setInterval(() => this.sweep(), Math.max(1000, Math.floor(this.quietMs / 4)));
      this.sweeper.unref();
    }
  }

  private close(id: string, t: Tracked): void {
    t.closed = true;
    clearTimeout(t.retry);
    t.stream?.destroy();
    t.firstDone?.();
    this.tracked.delete(id);
    this.asked.delete(id);
  }

  /** A one-shot sample (no precpu, as the agent's first), so a cold request need not wait for the stream's first. */
  private oneShot(id: string, t: Tracked): void {
    oneShotText(this.docker(), id)
      .then((text) => {
        if (!t.closed && !t.entry) this.onSample(t, text, false);
      })
      .catch(() => undefined);
  }

  private open(id: string, t: Tracked): void {
    this.tracked.set(id, t);
    this.docker()
      .getContainer(id)
      .stats({ stream: true })
      .then((s) => {
        const stream = s as unknown as Readable;
        if (t.closed) {
          stream.destroy();
          return;
        }
        t.stream = stream;
        onLines(stream, (line) => this.onSample(t, line));
        const ended = () => this.reopenLater(id, t);
        stream.on('end', ended);
        stream.on('error', ended);
      })
      .catch(() => this.reopenLater(id, t));
  }

  /** The stream broke (daemon restart, container restart): try again while still wanted. */
  private reopenLater(id: string, t: Tracked): void {
    if (t.closed || t.retry) return;
    t.stream = undefined;
    t.retry = setTimeout(() => {
      t.retry = undefined;
      if (!t.closed) this.open(id, t);
    }, 1000);
  }

  private onSample(t: Tracked, line: string, streamed = true): void {
    let raw: J;
    try {
      raw = parseExact(line) as J;
    } catch {
      return;
    }
    const stats = normalizeStats(raw);
    const read = Date.parse(String(stats.read));
    const tot = totals(stats);
    const v3 = goJsonExact(stats);
    let v4 = v3;
    if (tot && t.prev && read > t.prev.read) {
      const secs = (read - t.prev.read) / 1000;
      const rate = { rx_bytes_per_sec: (tot.rx - t.prev.rx) / secs, tx_bytes_per_sec: (tot.tx - t.prev.tx) / secs };
      v4 = v3.slice(0, -1) + ',"network_rate_stats":' + goJson(rate) + '}';
    }
    // A one-shot sample is not a step of the stream: rates start from the stream's own samples.
    if (streamed && tot && Number.isFinite(read)) t.prev = { read, ...tot };
    t.samples++;
    t.entry = { v3, v4, readAt: String(stats.read), samples: t.samples };
    t.firstDone?.();
    if (t.samples === 1) log.debug('stats: first sample', { id: String(stats.id ?? '').slice(0, 12) });
  }
}
