// The one conformance suite every store adapter passes (SQLite here; MongoDB wherever a server is reachable).
// `makeStore` gives a fresh, empty store per test; the suite closes it afterwards.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { authCases } from './conformance/auth.js';
import { configCases } from './conformance/config.js';
import { eventCases } from './conformance/events.js';
import { incidentCases } from './conformance/incidents.js';
import { metricsCases } from './conformance/metrics.js';
import type { Store } from './port.js';

export function runStoreConformance(name: string, makeStore: () => Promise<Store>): void {
  describe(name, () => {
    let store: Store | undefined;
    const current = (): Store => {
      if (!store) throw new Error('store not open');
      return store;
    };
    beforeEach(async () => {
      store = await makeStore();
    });
    afterEach(async () => {
      await store?.close();
      store = undefined;
    });

    it('answers ping and closes idempotently', async () => {
      const s = current();
      await s.ping();
      await s.close();
      await s.close();
    });

    eventCases(current);
    configCases(current);
    incidentCases(current);
    authCases(current);
    metricsCases(current);

    it('has a kind naming its adapter', () => {
      expect(['sqlite', 'mongodb']).toContain(current().kind);
    });
  });
}
