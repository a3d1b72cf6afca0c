// A partition handed over on rebalance while the old owner's blocking read is still in flight: an entry that
// read delivers must reach the new owner. (Found by the fault tests: a heartbeat /fail sent while a detector
// joined stayed pending on the old owner's consumer, and no incident ever opened.)
import { describe, expect, it } from 'vitest';
import { partitionOf } from '../lib/streams/partition.js';
import { makeRule, metric, publish, seed, TENANT, testDetector, until, webhookChannel } from './testing/harness.js';
import { detectorTestbed } from './testing/testbed.js';

describe('rebalance during an in-flight read', () => {
  const bed = detectorTestbed('race', 4);

  it('an entry delivered to the releasing owner is processed by the new one', async () => {
    // A rule without target applies to every target, so any target name will do.
    await seed(bed.store, { channels: [webhookChannel(bed.receiver.url)], rules: [makeRule('cpu', 'threshold', { metric: 'cpu', op: '>', value: 90 })] });
    // The first owner blocks 1.5 s per read: a read is almost surely in flight when it gives partitions away.
    // (A release waits for that read, so the lease must outlast it: in production reads block 200 ms.)
    const first = testDetector(bed.streams, bed.store, bed.names, 'first', { blockMs: 1_500, leaseMs: 5_000 });
    bed.detectors.push(first);
    await first.start();
    await until(() => first.ownedPartitions().length === 4, 10_000, 'first owns every partition');
    const second = testDetector(bed.streams, bed.store, bed.names, 'second', { leaseMs: 5_000 });
    bed.detectors.push(second);
    await second.start();
    await until(() => second.ownedPartitions().length === 2, 10_000, 'second took its share');

    const taken = new Set(second.ownedPartitions());
    let target = '';
    for (let i = 0; target === ''; i++) if (taken.has(partitionOf(TENANT, `host-${i}`, 4))) target = `host-${i}`;
    await publish(bed.redis, bed.names, [metric(target, 'cpu', 95)]);
    await until(() => bed.receiver.received.some((r) => r.transition === 'opened'), 10_000, 'the incident opened');
    expect(bed.receiver.received.map((r) => r.transition)).toEqual(['opened']);
  });
});
