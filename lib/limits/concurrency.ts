// A concurrency limiter: at most `concurrency` holders at once, the rest wait in arrival order, and (optionally) at
// most `maxWaiting` wait, so a caller can refuse at once instead of queueing without bound (password hashing answers
// 503). Used for realtime's resume reads, the notifier's sends and scrypt. Pure: no timers, no I/O.

export type Release = () => void;

export interface ConcurrencyLimiterOptions {
  /** Holders at once (at least 1). */
  concurrency: number;
  /** Most callers waiting; unbounded when unset. `saturated` says when one more would exceed it. */
  maxWaiting?: number;
}

export class ConcurrencyLimiter {
  private active = 0;
  private readonly queue: Array<() => void> = [];
  private readonly concurrency: number;
  private readonly maxWaiting: number;

  constructor(o: ConcurrencyLimiterOptions) {
    this.concurrency = Math.max(1, Math.floor(o.concurrency));
    this.maxWaiting = o.maxWaiting ?? Infinity;
  }

  /** Resolves with a release function (idempotent) once a slot is free; a released slot passes to the next waiter. */
  async acquire(): Promise<Release> {
    if (this.active < this.concurrency) this.active++;
    else await new Promise<void>((resolve) => this.queue.push(resolve));
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.queue.shift();
      if (next) next();
      else this.active--;
    };
  }

  /** Runs `work` in a slot and releases it however `work` ends. */
  async run<T>(work: () => Promise<T>): Promise<T> {
    const release = await this.acquire();
    try {
      return await work();
    } finally {
      release();
    }
  }

  /** True when every slot is held and `maxWaiting` callers already wait: one more should be refused. */
  get saturated(): boolean {
    return this.active >= this.concurrency && this.queue.length >= this.maxWaiting;
  }

  /** Slots held. */
  get running(): number {
    return this.active;
  }

  /** Callers waiting for a slot. */
  get waiting(): number {
    return this.queue.length;
  }
}
