// Issue 16's lost opened notice, end to end on real Redis and SQLite: the detector's lease ends while it is
// sending an incident's notice (here the lease key is deleted, as a Redis outage past the lease leaves it), so
// the send stops at the lease check with its claim pending and its stream entry already acknowledged. The same
// detector takes the partition again under a newer epoch and must send that notice itself, at once and once.
import { describe, expect, it } from 'vitest';
import { makeRule, metric, publish, seed, testDetector, until, webhookChannel } from './testing/harness.js';
import { detectorTestbed } from './testing/testbed.js';

describe('a notice whose send found the lease gone', () => {
  const bed = detectorTestbed('stranded', 1);

  it('is sent once by the same detector after it re-takes the partition under a newer epoch', async () => {
    await seed(bed.store, { channels: [webhookChannel(bed.receiver.url)], rules: [makeRule('cpu', 'threshold', { metric: 'cpu', op: '>', value: 90 })] });
    // A request timeout of 30 s puts the grace period for other holders' claims (31 s) past this test: only the
    // hand-over of the detector's own claim can send it in time.
    const d = testDetector(bed.streams, bed.store, bed.names, 'solo', { notifyTimeoutMs: 30_000 });
    bed.detectors.push(d);
    await d.start();
    await until(() => d.ownedPartitions().length === 1, 5_000, 'the partition owned');
    const firstEpoch = Number(await bed.redis.get(bed.names.epoch(0)));

    let refused = 0;
    bed.receiver.respond = async () => {
      if (refused > 0) return 200;
      refused++;
      // The first attempt fails (retryable) and the lease goes meanwhile: the retry finds it no longer ours.
      await bed.redis.del(bed.names.lease(0));
      return 503;
    };
    await publish(bed.redis, bed.names, [metric('web', 'cpu', 95)]);
    await until(() => bed.receiver.received.length === 1, 10_000, 'the opened notice delivered');
    await new Promise((r) => setTimeout(r, 1_000)); // room for a duplicate to show up

    expect(refused).toBe(1);
    expect(bed.receiver.received.map((r) => r.transition)).toEqual(['opened']);
    const [sent] = bed.receiver.received;
    const newerEpoch = Number(await bed.redis.get(bed.names.epoch(0)));
    expect(newerEpoch).toBeGreaterThan(firstEpoch);
    expect((sent!.body.incident as { epoch: number }).epoch).toBe(newerEpoch);
    await until(async () => (await bed.store.listNotifications('acme', sent!.incidentId))[0]?.status === 'sent', 5_000, 'the claim recorded as sent');
    const [rec] = await bed.store.listNotifications('acme', sent!.incidentId);
    expect(rec).toMatchObject({ key: sent!.key, status: 'sent', epoch: newerEpoch, partition: 0 });
    expect(rec!.attempts.map((a) => a.status)).toEqual([503, 200]);
  });
});
