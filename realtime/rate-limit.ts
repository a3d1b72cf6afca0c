// Token bucket for client messages: up to `perSec` messages in any second, bursts up to `perSec`. Time comes from
// the injected clock so tests drive it. Pure; no I/O.

export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly perSec: number,
    private readonly now: () => number,
  ) {
    this.tokens = perSec;
    this.last = now();
  }

  /** Takes one token; false when the bucket is empty. */
  take(): boolean {
    const t = this.now();
    const elapsed = Math.max(0, t - this.last);
    this.last = t;
    this.tokens = Math.min(this.perSec, this.tokens + (elapsed * this.perSec) / 1000);
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}
