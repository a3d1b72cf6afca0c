// The one `sleep`: a wait that a shutdown can cut short (retry and restart backoffs, so close() need not sit out a
// delay), or a plain wait when no signal is given (test helpers, benches).
// On the global timers (not node:timers/promises), so tests drive it with a fake clock like every other timer.

/** Resolves after `ms`, or at once when `signal` aborts (or already has); never rejects. Leaves no listener. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (!signal) return new Promise((resolve) => setTimeout(resolve, ms));
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
