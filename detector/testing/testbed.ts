// What the detector's integration tests share: real Redis under a fresh key prefix, an in-memory SQLite store, a
// webhook receiver, and the detectors a test starts, all closed after each test. Registers the vitest hooks, so
// only test files import it (harness.ts also serves the benchmark).
import type { Redis } from 'ioredis';
import { afterEach, beforeEach } from 'vitest';
import { createSqliteStore } from '../../lib/store/sqlite/store.js';
import type { Store } from '../../lib/store/port.js';
import { streamNames, type StreamNames } from '../../lib/streams/partition.js';
import type { Streams } from '../../lib/streams/port.js';
import { deletePrefix, newRedis, newStreams, uniquePrefix } from '../../test/support/redis.js';
import { startReceiver, type Receiver, type TestDetector } from './harness.js';

export interface DetectorTestbed {
  redis: Redis;
  /** The streams port on the same Redis, shared by the test's detectors. */
  streams: Streams;
  store: Store;
  names: StreamNames;
  prefix: string;
  receiver: Receiver;
  /** Detectors pushed here are closed after the test. */
  detectors: TestDetector[];
}

/** A fresh testbed for each test of the calling describe block, `partitions` partition streams. */
export function detectorTestbed(label: string, partitions: number): DetectorTestbed {
  const bed = { detectors: [] as TestDetector[] } as DetectorTestbed;
  beforeEach(async () => {
    bed.redis = newRedis();
    bed.streams = await newStreams();
    bed.prefix = uniquePrefix(label);
    bed.names = streamNames(bed.prefix, partitions);
    bed.store = await createSqliteStore({ path: ':memory:' });
    bed.receiver = await startReceiver();
  });
  afterEach(async () => {
    for (const d of bed.detectors.splice(0)) await d.close();
    await bed.receiver.close();
    await bed.store.close();
    await deletePrefix(bed.redis, bed.prefix);
    bed.redis.disconnect();
    await bed.streams.close();
  });
  return bed;
}
