// The one `sleep`: a wait that a shutdown can cut short (retry and restart backoffs, so close() need not sit out a
// delay), or a plain wait when no signal is given (test helpers, benches).
// On `timers` (default: the global timers, not node:timers/promises), so tests drive it with a manual clock.
import { systemTimers, type TimerClock } from '../time/clock.js';

/** Resolves after `ms` on `timers`, or at once when `signal` aborts (or already has); never rejects. Leaves no listener. */
export function sleep(ms: number, signal?: AbortSignal, timers: Pick<TimerClock, 'setTimeout' | 'clearTimeout'> = systemTimers): Promise<void> {
  if (!signal) return new Promise((resolve) => timers.setTimeout(resolve, ms));
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      timers.clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = timers.setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
