import { describe, expect, it } from 'vitest';
import { makeRule, makeTarget, metric, metricValue, publish, seed, testDetector, until, webhookChannel, type TestDetector } from './testing/harness.js';
import { detectorTestbed } from './testing/testbed.js';

const TARGETS = 24;
const ROUNDS = 16;
/** Per target and round: a breach on rounds 1 and 2 of every 4, so each 4 rounds make one incident. */
const value = (round: number): number => (round % 4 === 1 || round % 4 === 2 ? 95 : 10);

describe.each([2, 3])('failover with %i detectors', (count) => {
  const bed = detectorTestbed('fail', 6);

  it('an owner stopped mid-stream loses no incident, duplicates none, and every notification arrives exactly once', async () => {
    const targets = Array.from({ length: TARGETS }, (_, i) => makeTarget(`host-${i}`));
    await seed(bed.store, { channels: [webhookChannel(bed.receiver.url)], targets, rules: [makeRule('cpu', 'threshold', { metric: 'cpu', op: '>', value: 90, relapseWindowSec: 0 })] });
    // Snapshots are stored every 1.5 s, so the stopped owner leaves unacknowledged entries and stale snapshots
    // behind: its successor must replay them, re-deriving notifications the victim already sent.
    for (let i = 0; i < count; i++) bed.detectors.push(testDetector(bed.streams, bed.store, bed.names, `d${i}`, { flushIntervalMs: 1500 }));
    await Promise.all(bed.detectors.map((d) => d.start()));
    await until(() => bed.detectors.reduce((n, d) => n + d.ownedPartitions().length, 0) === 6 && bed.detectors.every((d) => d.ownedPartitions().length > 0), 10_000, 'partitions spread');

    let victim: TestDetector | undefined;
    for (let round = 0; round < ROUNDS; round++) {
      await publish(bed.redis, bed.names, targets.map((t) => metric(t.name, 'cpu', value(round))));
      await new Promise((r) => setTimeout(r, 120));
      if (round === 5) {
        // Abrupt stop of the busiest owner: no lease release, no snapshot flush, its actors dropped.
        victim = bed.detectors.reduce((a, b) => (a.ownedPartitions().length >= b.ownedPartitions().length ? a : b));
        victim.kill();
      }
      if (round === 10) {
        const joined = testDetector(bed.streams, bed.store, bed.names, `late`, { flushIntervalMs: 1500 });
        bed.detectors.push(joined);
        await joined.start();
      }
    }
    const expectedIncidents = TARGETS * (ROUNDS / 4);
    await until(() => bed.receiver.received.length >= expectedIncidents * 2, 20_000, `${expectedIncidents * 2} notifications`);
    await new Promise((r) => setTimeout(r, 1_500)); // room for any duplicate to show up

    const keys = bed.receiver.received.map((r) => r.key);
    expect(new Set(keys).size).toBe(keys.length);
    expect(keys.length).toBe(expectedIncidents * 2);
    const byIncident = new Map<string, string[]>();
    for (const r of bed.receiver.received) byIncident.set(r.incidentId, [...(byIncident.get(r.incidentId) ?? []), r.transition]);
    expect(byIncident.size).toBe(expectedIncidents);
    for (const transitions of byIncident.values()) expect(transitions.sort()).toEqual(['opened', 'resolved']);

    const page = await bed.store.listIncidents({ tenant: 'acme', limit: 1000 });
    expect(page.items).toHaveLength(expectedIncidents);
    expect(page.items.every((i) => i.status === 'resolved')).toBe(true);
    const perTarget = new Map<string, number>();
    for (const i of page.items) perTarget.set(i.targetId, (perTarget.get(i.targetId) ?? 0) + 1);
    expect([...perTarget.values()].every((n) => n === ROUNDS / 4)).toBe(true);
    expect(perTarget.size).toBe(TARGETS);

    // the successors really replayed the victim's unacknowledged entries
    let replayed = 0;
    for (const d of bed.detectors) if (d !== victim) replayed += await metricValue(d.registry, 'lightwatch_detector_replayed_events_total');
    expect(replayed).toBeGreaterThan(0);

    // the late joiner got a share, and the stopped one holds nothing in Redis any more
    const live = bed.detectors.filter((d) => d !== victim);
    await until(() => live.every((d) => d.ownedPartitions().length > 0), 5_000, 'rebalance onto the joiner');
    const owners = await Promise.all(Array.from({ length: 6 }, (_, p) => bed.redis.get(bed.names.lease(p))));
    expect(owners.every((o) => o !== null && !o.startsWith(`d${bed.detectors.indexOf(victim!)}:`))).toBe(true);
  });
});
