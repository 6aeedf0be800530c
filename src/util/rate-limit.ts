/**
 * A token bucket per key (an API token, a lab): `burst` at once, refilled at `perHour`. Written
 * by hand: a few lines, and the libraries that do this are middleware for one web framework,
 * while the limit here is taken inside a database write, by the HTTP API and the lab adapters alike.
 */
export interface RateLimit {
  burst: number;
  perHour: number;
}

export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    readonly limit: RateLimit,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Takes `count` from the key's bucket: 0 when taken, else the seconds until that many are
   * there (at least 1). A count larger than the burst is measured against the burst (as if sent
   * in pieces), so a large request waits, not fails for ever.
   */
  take(key: string, count = 1): number {
    const now = this.now();
    const perMs = this.limit.perHour / 3_600_000;
    const bucket = this.buckets.get(key) ?? { tokens: this.limit.burst, at: now };
    bucket.tokens = Math.min(this.limit.burst, bucket.tokens + (now - bucket.at) * perMs);
    bucket.at = now;
    this.buckets.set(key, bucket);
    const needed = Math.min(count, this.limit.burst);
    if (bucket.tokens >= needed) {
      bucket.tokens -= Math.min(count, bucket.tokens);
      return 0;
    }
    return perMs > 0 ? Math.max(1, Math.ceil((needed - bucket.tokens) / perMs / 1000)) : 3600;
  }
}
