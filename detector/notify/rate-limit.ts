// Per-channel rate limit as a token bucket refilled continuously (rateLimitPerMin tokens per minute, burst
// of the same size). Returns how long to wait for a token rather than dropping the message.

export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  /** Takes a token for `id`; returns 0 when one was free, else the ms until one is. */
  take(id: string, perMin: number, now: number): number {
    if (!(perMin > 0)) return 0;
    const b = this.buckets.get(id) ?? { tokens: perMin, at: now };
    b.tokens = Math.min(perMin, b.tokens + ((now - b.at) * perMin) / 60_000);
    b.at = now;
    this.buckets.set(id, b);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
    return Math.ceil(((1 - b.tokens) * 60_000) / perMin);
  }
}
