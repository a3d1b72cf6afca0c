// Executes effects in the order the actors emitted them, a batch at a time (whatever accumulated while the
// previous batch ran: one Redis pipeline and one lease check per batch instead of round trips per effect),
// and lets the snapshot flush wait for every effect emitted before it (`barrier`): an entry is acknowledged
// only after the incidents it caused are written and its notifications claimed.
import type { Effect } from '../machines/effects.js';

export class EffectQueue {
  private items: Effect[] = [];
  private pushed = 0;
  private done = 0;
  private waiters: Array<{ seq: number; resolve: () => void }> = [];
  private running = false;
  private stopped = false;

  constructor(
    private readonly execute: (batch: Effect[]) => Promise<void>,
    private readonly maxBatch = 2000,
  ) {}

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
    this.items = [];
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
      // Let the current synchronous burst (a read batch, a timer sweep) finish emitting first.
      await Promise.resolve();
      while (this.items.length > 0 && !this.stopped) {
        const batch = this.items.length <= this.maxBatch ? this.items : this.items.slice(0, this.maxBatch);
        this.items = batch === this.items ? [] : this.items.slice(this.maxBatch);
        await this.execute(batch);
        if (this.stopped) break;
        this.done += batch.length;
        this.release();
      }
    } finally {
      this.running = false;
    }
  }
}
