interface Bucket {
  tokens: number;
  /** When tokens was last brought up to date (ms, the clock's). */
  at: number;
}

/**
 * The agent's TMDS limiter (tollbooth over x/time/rate): one token bucket per (source IP, URL
 * path), refilled at `steady` per second up to `burst`. Buckets that have refilled completely
 * carry no state, so they are swept to keep memory bounded (the agent keeps them for 10 years).
 * Keyed by address, then path, so a request builds no key string.
 */
export class Throttle {
  private buckets = new Map<string, Map<string, Bucket>>();
  private lastSweep = 0;
  /** The X-Rate-Limit-Limit value: Go's "%.2f" of the steady rate. */
  readonly limitHeader: string;

  constructor(
    readonly steady: number,
    readonly burst: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.limitHeader = steady.toFixed(2);
  }

  /** Take one token for (ip, path); false when the bucket is empty (the request gets a 429). */
  take(ip: string, path: string): boolean {
    const t = this.now();
    let paths = this.buckets.get(ip);
    if (!paths) this.buckets.set(ip, (paths = new Map()));
    let b = paths.get(path);
    if (!b) paths.set(path, (b = { tokens: this.burst, at: t }));
    else {
      b.tokens = Math.min(this.burst, b.tokens + ((t - b.at) / 1000) * this.steady);
      b.at = t;
    }
    if (t - this.lastSweep > 60_000) this.sweep(t);
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }

  private sweep(t: number): void {
    this.lastSweep = t;
    const full = (this.burst / this.steady) * 1000;
    for (const [ip, paths] of this.buckets) {
      for (const [path, b] of paths) if (t - b.at > full) paths.delete(path);
      if (!paths.size) this.buckets.delete(ip);
    }
  }
}
