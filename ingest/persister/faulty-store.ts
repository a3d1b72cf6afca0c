// A fault-injecting decorator over a real store, for the persister's failure tests: appendEvents throws a
// retryable `unavailable` while `failing` says so (or for the next N calls), then delegates. Not a mock:
// every write that goes through lands in the real store underneath.
import { unavailable } from '../../lib/errors/errors.js';
import type { Store } from '../../lib/store/port.js';

export interface FaultyStore {
  store: Pick<Store, 'appendEvents' | 'metrics'>;
  /** Fail every call until set back to false. */
  failing: boolean;
  /** Fail this many further calls. */
  failNext: number;
  readonly attempts: number;
  readonly failures: number;
}

export function faultyStore(inner: Pick<Store, 'appendEvents' | 'metrics'>): FaultyStore {
  const state = {
    failing: false,
    failNext: 0,
    attempts: 0,
    failures: 0,
    store: {
      async appendEvents(events: Parameters<Store['appendEvents']>[0]) {
        state.attempts++;
        if (state.failing || state.failNext > 0) {
          if (state.failNext > 0) state.failNext--;
          state.failures++;
          throw unavailable('store unavailable (injected fault)');
        }
        return inner.appendEvents(events);
      },
      metrics: {
        ...inner.metrics,
        async append(...args: Parameters<Store['metrics']['append']>) {
          state.attempts++;
          if (state.failing || state.failNext > 0) {
            if (state.failNext > 0) state.failNext--;
            state.failures++;
            throw unavailable('store unavailable (injected fault)');
          }
          return inner.metrics.append(...args);
        },
      },
    },
  };
  return state;
}
