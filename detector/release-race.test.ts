// A partition handed over on rebalance while the old owner's blocking read is still in flight: an entry that
// read delivers must reach the new owner. (Found by the fault tests: a heartbeat /fail sent while a detector
// joined stayed pending on the old owner's consumer, and no incident ever opened.)
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { createSqliteStore } from '../lib/store/sqlite/store.js';
import type { Store } from '../lib/store/port.js';
import { partitionOf, streamNames, type StreamNames } from '../lib/streams/partition.js';
import { deletePrefix, newRedis, uniquePrefix } from '../test/support/redis.js';
import { makeRule, metric, publish, seed, startReceiver, TENANT, testDetector, until, webhookChannel, type Receiver, type TestDetector } from './testing/harness.js';

describe('rebalance during an in-flight read', () => {
  let redis: Redis;
  let store: Store;
  let names: StreamNames;
  let prefix: string;
  let receiver: Receiver;
  const detectors: TestDetector[] = [];

  beforeEach(async () => {
    redis = newRedis();
    prefix = uniquePrefix('race');
    names = streamNames(prefix, 4);
    store = await createSqliteStore({ path: ':memory:' });
    receiver = await startReceiver();
  });

  afterEach(async () => {
    for (const d of detectors.splice(0)) await d.close();
    await receiver.close();
    await store.close();
    await deletePrefix(redis, prefix);
    redis.disconnect();
  });

  it('an entry delivered to the releasing owner is processed by the new one', async () => {
    // A rule without target applies to every target, so any target name will do.
    await seed(store, { channels: [webhookChannel(receiver.url)], rules: [makeRule('cpu', 'threshold', { metric: 'cpu', op: '>', value: 90 })] });
    // The first owner blocks 1.5 s per read: a read is almost surely in flight when it gives partitions away.
    // (A release waits for that read, so the lease must outlast it: in production reads block 200 ms.)
    const first = testDetector(redis, store, names, 'first', { blockMs: 1_500, leaseMs: 5_000 });
    detectors.push(first);
    await first.start();
    await until(() => first.ownedPartitions().length === 4, 10_000, 'first owns every partition');
    const second = testDetector(redis, store, names, 'second', { leaseMs: 5_000 });
    detectors.push(second);
    await second.start();
    await until(() => second.ownedPartitions().length === 2, 10_000, 'second took its share');

    const taken = new Set(second.ownedPartitions());
    let target = '';
    for (let i = 0; target === ''; i++) if (taken.has(partitionOf(TENANT, `host-${i}`, 4))) target = `host-${i}`;
    await publish(redis, names, [metric(target, 'cpu', 95)]);
    await until(() => receiver.received.some((r) => r.transition === 'opened'), 10_000, 'the incident opened');
    expect(receiver.received.map((r) => r.transition)).toEqual(['opened']);
  });
});
