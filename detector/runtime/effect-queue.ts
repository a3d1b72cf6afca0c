// Executes effects one at a time in the order the actors emitted them, and lets the snapshot flush wait for
// every effect emitted before it (`barrier`): an entry is acknowledged only after the incidents it caused are
// written and its notifications claimed.
import type { Effect } from '../machines/effects.js';

export class EffectQueue {
  private readonly items: Effect[] = [];
  private pushed = 0;
  private done = 0;
  private waiters: Array<{ seq: number; resolve: () => void }> = [];
  private running = false;
  private stopped = false;

  constructor(private readonly execute: (e: Effect) => Promise<void>) {}

  get length(): number {
    return this.items.length;
  }

  push(e: Effect): void {
    if (this.stopped) return;
    this.items.push(e);
    this.pushed++;
    if (!this.running) void this.drain();
  }

  /** Resolves once every effect pushed so far has been executed (or the queue stopped). */
  barrier(): Promise<void> {
    if (this.done >= this.pushed || this.stopped) return Promise.resolve();
    const seq = this.pushed;
    return new Promise((resolve) => this.waiters.push({ seq, resolve }));
  }

  /** Drops what is queued; barriers resolve. */
  stop(): void {
    this.stopped = true;
    this.done += this.items.length;
    this.items.length = 0;
    this.release();
  }

  private release(): void {
    if (this.waiters.length === 0) return;
    const ready = this.waiters.filter((w) => w.seq <= this.done || this.stopped);
    this.waiters = this.waiters.filter((w) => !(w.seq <= this.done || this.stopped));
    for (const w of ready) w.resolve();
  }

  private async drain(): Promise<void> {
    this.running = true;
    try {
      while (this.items.length > 0) {
        const e = this.items.shift() as Effect;
        await this.execute(e);
        this.done++;
        this.release();
      }
    } finally {
      this.running = false;
    }
  }
}
