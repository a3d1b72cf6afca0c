// Long synchronous work written once as a generator that `yield`s between units of work (a record, a
// thousand attributes), run either straight through (`runSteps`) or cooperatively (`runStepsCooperatively`):
// the latter lets timers and I/O run (setImmediate, after the poll phase) whenever a slice has taken
// `sliceMs`, so one large request does not hold the event loop for everyone else. Same code, same output,
// same order either way.

/** Work that yields (nothing) at points where it may be paused, and returns its result. */
export type Steps<T> = Generator<void, T, void>;

/** Runs the steps to the end in one go. */
export function runSteps<T>(steps: Steps<T>): T {
  for (;;) {
    const r = steps.next();
    if (r.done === true) return r.value;
  }
}

/** Default slice: a bystander waits at most about this long for the loop (plus one step). */
export const DEFAULT_SLICE_MS = 5;

const yieldToLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Runs the steps, yielding to the event loop each time `sliceMs` of them has run. Errors reject. */
export async function runStepsCooperatively<T>(steps: Steps<T>, sliceMs = DEFAULT_SLICE_MS): Promise<T> {
  let sliceStart = performance.now();
  for (;;) {
    const r = steps.next();
    if (r.done === true) return r.value;
    if (performance.now() - sliceStart >= sliceMs) {
      await yieldToLoop();
      sliceStart = performance.now();
    }
  }
}

/**
 * For async loops over synchronous units of work (a series read and decoded): `await pace()` between units
 * yields to the event loop once `sliceMs` has run since the last yield, and costs nothing otherwise.
 */
export function pacer(sliceMs = DEFAULT_SLICE_MS): () => Promise<void> {
  let sliceStart = performance.now();
  return async () => {
    if (performance.now() - sliceStart < sliceMs) return;
    await yieldToLoop();
    sliceStart = performance.now();
  };
}
