/**
 * The agent's TMDS limiter (tollbooth over x/time/rate): one token bucket per (source IP, URL
 * path), refilled at `steady` per second up to `burst`. Buckets that have refilled completely
 * carry no state, so they are swept to keep memory bounded (the agent keeps them for 10 years).
 */
export class Throttle {
  private buckets = new Map<string, { tokens: number; at: number }>();
  private lastSweep = 0;

  constructor(
    readonly steady: number,
    readonly burst: number,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Take one token for `key`; false when the bucket is empty (the request gets a 429). */
  take(key: string): boolean {
    const t = this.now();
    let b = this.buckets.get(key);
    if (!b) {
      b = { tokens: this.burst, at: t };
      this.buckets.set(key, b);
    } else {
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
    for (const [k, b] of this.buckets) if (t - b.at > full) this.buckets.delete(k);
  }

  /** The X-Rate-Limit-Limit value: Go's "%.2f" of the steady rate. */
  get limitHeader(): string {
    return this.steady.toFixed(2);
  }
}
