// Token buckets on an injected clock: one bucket (a WebSocket client's message rate) or one per key (a tenant's
// ingest rate, a channel's notification rate, a login source's attempts). Pure: time comes from `now`, so tests
// drive it without sleeping. The one definition in the code base; services do not keep their own copies.

export interface BucketRate {
  /** Tokens added per second, continuously. 0 or less means unlimited: every take succeeds. */
  readonly perSecond: number;
  /** Most tokens the bucket holds, and what a new bucket starts with (at least 1). */
  readonly burst: number;
}

/** `perMinute` tokens per minute with a burst of the same size (notification channels' `rateLimitPerMin`). */
export const perMinute = (n: number): BucketRate => ({ perSecond: n / 60, burst: n });
/** `n` per second with a burst of `burstSeconds` seconds' worth (at least one token). */
export const perSecond = (n: number, burstSeconds = 1): BucketRate => ({ perSecond: n, burst: n * burstSeconds });

interface State {
  tokens: number;
  at: number;
}

/** Refills `s` up to `now`, then takes one token: 0 when taken, else the ms until one is there (nothing taken). */
function take(s: State, rate: BucketRate, now: number): number {
  if (!(rate.perSecond > 0)) return 0;
  const burst = Math.max(1, rate.burst);
  s.tokens = Math.min(burst, s.tokens + (Math.max(0, now - s.at) * rate.perSecond) / 1000);
  s.at = Math.max(s.at, now);
  if (s.tokens >= 1) {
    s.tokens -= 1;
    return 0;
  }
  return Math.ceil(((1 - s.tokens) * 1000) / rate.perSecond);
}

/** One bucket. */
export class TokenBucket {
  private readonly state: State;

  constructor(
    private readonly rate: BucketRate,
    private readonly now: () => number,
  ) {
    this.state = { tokens: Math.max(1, rate.burst), at: now() };
  }

  /** Takes a token: 0 when taken, else the ms until one is available (nothing is taken then). */
  take(): number {
    return take(this.state, this.rate, this.now());
  }

  /** Takes a token; false when the bucket is empty. */
  tryTake(): boolean {
    return this.take() === 0;
  }
}

export interface KeyedBucketsOptions {
  now: () => number;
  /**
   * Most keys remembered (default 100 000), so keys chosen by clients (addresses, user names) cannot grow memory
   * without bound. Past it, buckets that have refilled are forgotten first (forgetting them changes nothing), then
   * the least recently created.
   */
  maxKeys?: number;
}

/** A bucket per key, created full on first use; each take may name its own rate (a channel's configured limit). */
export class TokenBuckets<K = string> {
  private readonly buckets = new Map<K, State>();
  private readonly maxKeys: number;

  constructor(private readonly o: KeyedBucketsOptions) {
    this.maxKeys = Math.max(1, o.maxKeys ?? 100_000);
  }

  /** Takes a token from `key`'s bucket: 0 when taken, else the ms until one is available. */
  take(key: K, rate: BucketRate): number {
    if (!(rate.perSecond > 0)) return 0;
    const now = this.o.now();
    let s = this.buckets.get(key);
    if (!s) {
      if (this.buckets.size >= this.maxKeys) this.evict(now, rate);
      s = { tokens: Math.max(1, rate.burst), at: now };
      this.buckets.set(key, s);
    }
    return take(s, rate, now);
  }

  /** The ms until `key`'s bucket has a token (0: it has one now); takes nothing, remembers nothing. */
  wait(key: K, rate: BucketRate): number {
    if (!(rate.perSecond > 0)) return 0;
    const s = this.buckets.get(key);
    if (!s) return 0;
    const tokens = Math.min(Math.max(1, rate.burst), s.tokens + (Math.max(0, this.o.now() - s.at) * rate.perSecond) / 1000);
    return tokens >= 1 ? 0 : Math.ceil(((1 - tokens) * 1000) / rate.perSecond);
  }

  /** Forgets `key` (a successful login clears its failures, a deleted channel its bucket). */
  delete(key: K): void {
    this.buckets.delete(key);
  }

  /** Keys remembered. */
  get size(): number {
    return this.buckets.size;
  }

  private evict(now: number, rate: BucketRate): void {
    const burst = Math.max(1, rate.burst);
    for (const [k, s] of this.buckets) {
      if (s.tokens + ((now - s.at) * rate.perSecond) / 1000 >= burst) this.buckets.delete(k);
    }
    while (this.buckets.size >= this.maxKeys) {
      const oldest = this.buckets.keys().next();
      if (oldest.done) break;
      this.buckets.delete(oldest.value);
    }
  }
}
