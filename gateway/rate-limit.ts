// Per-tenant token bucket at one gateway replica: protects the services from one noisy tenant. Pure logic
// with an injected clock.
export interface RateLimiter {
  /** Returns 0 when allowed, else the seconds to wait before retrying. */
  take(tenant: string): number;
}

export function createRateLimiter(perSecond: number, now: () => number = Date.now): RateLimiter {
  const burst = Math.max(1, perSecond * 2);
  const buckets = new Map<string, { tokens: number; at: number }>();
  return {
    take(tenant) {
      if (perSecond <= 0) return 0;
      const t = now();
      const b = buckets.get(tenant) ?? { tokens: burst, at: t };
      b.tokens = Math.min(burst, b.tokens + ((t - b.at) / 1000) * perSecond);
      b.at = t;
      buckets.set(tenant, b);
      if (b.tokens >= 1) {
        b.tokens -= 1;
        return 0;
      }
      return Math.ceil((1 - b.tokens) / perSecond);
    },
  };
}
