// Pacing: the reader publishes a read in slices of bytes; between slices uWS gets the event loop to write them out,
// and while most live clients are still behind the reader waits a little (never long: a stuck minority gets lagged
// by backpressure instead of holding everyone back).
import type { HubCore } from './core.js';

export class Pacer {
  readonly sliceLimit: number;
  private readonly maxPaceMs: number;

  constructor(private readonly core: HubCore) {
    this.sliceLimit = core.o.sliceBytes ?? Math.min(Math.floor(core.o.maxBufferBytes / 4), 64 * 1024);
    this.maxPaceMs = core.o.maxPaceMs ?? 50;
  }

  /** True when the current slice is full and the reader should call `endSlice`. */
  full(): boolean {
    return this.core.sliceBytes >= this.sliceLimit;
  }

  /** Ends a slice: `between` runs (buffer checks), the loop turns, then waits while most clients are behind. */
  async endSlice(between: () => void): Promise<void> {
    this.core.sliceBytes = 0;
    between();
    await new Promise((resolve) => setImmediate(resolve));
    // Wall time, not the injected clock: this is pacing, not behaviour.
    const started = performance.now();
    while (this.congested() && performance.now() - started < this.maxPaceMs) {
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
  }

  /** True when more than half of the clients taking live traffic hold more than a slice unsent. */
  private congested(): boolean {
    let n = 0;
    let behind = 0;
    for (const c of this.core.liveConns) {
      if (c.closed || c.lagged) continue;
      n++;
      if (c.ws.getBufferedAmount() > this.sliceLimit) behind++;
    }
    return behind * 2 > n;
  }
}
