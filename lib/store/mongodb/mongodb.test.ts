// Runs the store conformance suite against MongoDB when the test setup found one (MONGODB_URL or a Docker
// engine); otherwise the suite is skipped and its name says why.
import { randomBytes } from 'node:crypto';
import { describe, inject } from 'vitest';
import { runStoreConformance } from '../conformance.js';
import { createMongoStore } from './store.js';

const url = inject('mongoUrl');

if (url) {
  runStoreConformance('MongoDB store conformance', async () => {
    const store = await createMongoStore({ url, dbName: `lwtest_${randomBytes(5).toString('hex')}`, serverSelectionTimeoutMS: 5_000 });
    const close = store.close.bind(store);
    // Each test gets its own database; drop it on close so runs leave nothing behind.
    let dropped = false;
    return Object.assign(store, {
      close: async () => {
        if (!dropped) {
          dropped = true;
          await store.dropDatabase().catch(() => undefined);
        }
        await close();
      },
    });
  });
} else {
  describe.skip(`MongoDB store conformance (skipped: ${inject('mongoSkipReason')})`, () => {});
}
