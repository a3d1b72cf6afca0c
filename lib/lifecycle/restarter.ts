// Starting something again after it died: try `start` after a backoff, again and again until it succeeds or
// stop() is called. Shared by the supervisors of the all-in-one's own redis-server and of its persister thread.
import { sleep } from './sleep.js';

export interface RestarterOptions<T> {
  start(): Promise<T>;
  /** A start that succeeded; `attempt` counts from 1. */
  started(value: T, attempt: number): void;
  /** A start that failed; the next one comes `retryInMs` later. */
  failed(err: unknown, attempt: number, retryInMs: number): void;
  /** Disposes of what a start returned after stop() was called meanwhile. */
  discard(value: T): Promise<void>;
  /** Wait before attempt `attempt` (0-based). */
  backoffMs(attempt: number): number;
}

export interface Restarter {
  /** Runs the restart loop (what calls it during a loop already running shares that loop). */
  restart(): Promise<void>;
  /** Ends the loop, cutting its wait short; resolves once it is over. Idempotent. */
  stop(): Promise<void>;
  readonly stopped: boolean;
}

/** Doubling backoff from `firstMs`, capped at `maxMs`. */
export const doubling = (firstMs: number, maxMs: number) => (attempt: number): number => Math.min(maxMs, firstMs * 2 ** Math.min(attempt, 20));

export function createRestarter<T>(o: RestarterOptions<T>): Restarter {
  let stopped = false;
  const wake = new AbortController();
  let running: Promise<void> | undefined;

  const loop = async (): Promise<void> => {
    for (let attempt = 0; !stopped; attempt++) {
      await sleep(o.backoffMs(attempt), wake.signal);
      if (stopped) return;
      try {
        const value = await o.start();
        if (stopped) {
          await o.discard(value);
          return;
        }
        o.started(value, attempt + 1);
        return;
      } catch (err) {
        o.failed(err, attempt + 1, o.backoffMs(attempt + 1));
      }
    }
  };

  return {
    get stopped() {
      return stopped;
    },
    restart() {
      running ??= loop().finally(() => {
        running = undefined;
      });
      return running;
    },
    async stop() {
      stopped = true;
      wake.abort();
      await running;
    },
  };
}
