// SQLite's write lock, held by another connection (the persister's worker, a backup, an operator's shell), must
// neither freeze the event loop nor surface as a 500. better-sqlite3 is synchronous: its busy handler sleeps on
// the calling thread, so the main thread's connection waits only briefly inside SQLite (busyTimeoutMs, default
// 15 ms) and this wrapper retries asynchronously, letting everything else run in between, until `busyWaitMs`;
// then the call fails with the typed storeBusy error (503 with Retry-After at the HTTP boundary). Store
// methods are one statement or one transaction each, so retrying a call that failed on the lock is safe.
import { storeBusy } from '../../errors/errors.js';
import { sleep } from '../../lifecycle/sleep.js';

export function isBusy(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'));
}

export interface BusyRetryOptions {
  /** Total time to keep retrying a call that met a held lock. */
  busyWaitMs: number;
  now?: () => number;
}


async function retry<T>(call: () => T | Promise<T>, first: unknown, o: BusyRetryOptions): Promise<T> {
  const now = o.now ?? Date.now;
  const deadline = now() + o.busyWaitMs;
  let delay = 2;
  let last = first;
  while (now() < deadline) {
    await sleep(Math.min(delay, Math.max(0, deadline - now())));
    delay = Math.min(delay * 2, 50);
    try {
      return await call();
    } catch (err) {
      if (!isBusy(err)) throw err;
      last = err;
    }
  }
  throw storeBusy(last);
}

function wrapFunction(fn: (...args: unknown[]) => unknown, self: object, o: BusyRetryOptions): (...args: unknown[]) => unknown {
  return function busyRetrying(...args: unknown[]): unknown {
    const call = (): unknown => fn.apply(self, args);
    let result: unknown;
    try {
      result = call();
    } catch (err) {
      // A synchronous method stays synchronous: it reports the typed error at once instead of waiting.
      if (isBusy(err)) throw storeBusy(err);
      throw err;
    }
    if (result instanceof Promise) return result.catch((err: unknown) => (isBusy(err) ? retry(call, err, o) : Promise.reject(err)));
    return result;
  };
}

/** `target` with every method (its nested parts' too) retried asynchronously while the store is busy. */
export function retryWhileBusy<T extends object>(target: T, o: BusyRetryOptions): T {
  const wrapped = new WeakMap<object, unknown>();
  const proxy = (obj: object): object =>
    new Proxy(obj, {
      get(t, key, receiver) {
        const v: unknown = Reflect.get(t, key, receiver);
        if (typeof v !== 'function' && (typeof v !== 'object' || v === null || Array.isArray(v) || ArrayBuffer.isView(v))) return v;
        const hit = wrapped.get(v);
        if (hit !== undefined) return hit;
        const w = typeof v === 'function' ? wrapFunction(v as (...args: unknown[]) => unknown, t, o) : proxy(v);
        wrapped.set(v, w);
        return w;
      },
    });
  return proxy(target) as T;
}
