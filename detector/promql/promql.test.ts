// promql rules in the detector, on a manual clock, with real Redis and SQLite: the rule's owner evaluates it
// over the metrics store, a series above the threshold opens one incident after `for` (one notification) on the
// target its `instance` label names, and resolves when the series falls below; when the owner dies mid-`for`,
// the detector taking its partition continues the pending alert, so the incident opens at the original time,
// once.
import { describe, expect, it } from 'vitest';
import type { Rule } from '../../lib/store/types.js';
import { makeRule, metricValue, seed, TENANT, testDetector, until, webhookChannel, type TestDetector } from '../testing/harness.js';
import { detectorTestbed } from '../testing/testbed.js';
import { createManualClock, type ManualClock } from '../../lib/time/manual-clock.js';
import { firstRunAt } from '../../lib/checks/spread.js';
import { rulePartition } from './evaluation.js';

const PARTITIONS = 4;
const INTERVAL = 15_000;
const FOR = 60_000;
const T0 = Date.UTC(2026, 0, 1);
/**
 * The rule's first evaluation slot after T0 (slots fall on a phase of the interval: lib/checks/spread.ts). The
 * clock starts a second before it, so step n of the clock (15 s) runs the evaluation at slot + (n - 1)·15 s.
 */
const slotOf = (rule: Rule): number => firstRunAt(`${rule.tenant}\u0000${rule.id}`, INTERVAL, T0);

const cpuRule = (): Rule =>
  makeRule('cpu-high', 'promql', { expr: 'cpu > 90', forSec: FOR / 1000, intervalSec: INTERVAL / 1000, relapseWindowSec: 0, labels: { severity: 'warning' }, annotations: { summary: 'cpu {{ $value }} on {{ $labels.instance }}' } });

describe('promql rules in the detector', () => {
  const bed = detectorTestbed('promql', PARTITIONS);

  /** cpu{instance="web-1"} every 15 s over [from, to) at `value`. */
  const samples = async (from: number, to: number, value: number): Promise<void> => {
    const timestamps: number[] = [];
    for (let t = from; t < to; t += 15_000) timestamps.push(t);
    await bed.store.metrics.append(TENANT, [{ labels: { __name__: 'cpu', instance: 'web-1' }, target: 'web-1', type: 'gauge', timestamps, values: timestamps.map(() => value) }]);
  };
  const evaluations = async (ds: TestDetector[]): Promise<number> => {
    let n = 0;
    for (const d of ds) n += await metricValue(d.registry, 'lightwatch_detector_promql_evaluations_total');
    return n;
  };
  /** Moves the clock one interval at a time, each time waiting for the evaluation that falls due. */
  const step = async (clock: ManualClock, ds: TestDetector[], times: number): Promise<void> => {
    for (let i = 0; i < times; i++) {
      const before = await evaluations(ds.filter((d) => d.ownedPartitions().length > 0));
      clock.advance(INTERVAL);
      await until(async () => (await evaluations(ds.filter((d) => d.ownedPartitions().length > 0))) > before, 10_000, `evaluation at ${clock.now() - T0}`);
    }
  };
  const incidents = async () => (await bed.store.listIncidents({ tenant: TENANT, limit: 100 })).items;

  it('opens one incident after `for` on the target its instance label names, notifies once, and resolves when the series falls', async () => {
    const rule = cpuRule();
    await seed(bed.store, { channels: [webhookChannel(bed.receiver.url)], rules: [rule] });
    const slot = slotOf(rule);
    const clock = createManualClock(slot - 1000);
    await samples(slot - 60_000, slot + 180_000, 95);
    await samples(slot + 180_000, slot + 600_000, 10);
    const d = testDetector(bed.streams, bed.store, bed.names, 'd0', {}, clock);
    bed.detectors.push(d);
    await d.start();
    await until(async () => (await metricValue(d.registry, 'lightwatch_detector_promql_rules')) === 1, 10_000, 'rule evaluated here');

    await step(clock, [d], 3); // pending since the first evaluation, at slot
    expect(await incidents()).toEqual([]);
    await step(clock, [d], 2); // `for` has passed at slot + 60 s
    await until(async () => bed.receiver.received.length === 1, 10_000, 'opened notice');
    const [opened] = await incidents();
    expect(opened).toMatchObject({ status: 'open', ruleId: expect.stringMatching(/^cpu-high\//), targetId: 'web-1', severity: 'warning', labels: { alertname: 'cpu-high', instance: 'web-1', severity: 'warning' }, annotations: { summary: 'cpu 95 on web-1' } });
    expect(opened!.openedAt).toBe(slot + FOR);

    // Re-sent while firing (each resend delay): still one incident and one notice.
    await step(clock, [d], 7); // the last at slot + 165 s
    expect((await incidents()).length).toBe(1);
    expect(bed.receiver.received.map((r) => r.transition)).toEqual(['opened']);

    await step(clock, [d], 1); // slot + 180 s: the series is at 10
    // The incident resolves at a deadline of its own (keepFiringFor and minimum duration, both 0): time must move.
    await until(
      () => {
        clock.advance(100);
        return bed.receiver.received.length === 2;
      },
      10_000,
      'resolved notice',
    );
    expect(bed.receiver.received.map((r) => r.transition)).toEqual(['opened', 'resolved']);
    const [resolved] = await incidents();
    expect(resolved).toMatchObject({ id: opened!.id, status: 'resolved', resolvedAt: slot + 180_000 });
  });

  it('a failover mid-`for` continues the pending alert: the incident opens at the original time, once', async () => {
    const rule = cpuRule();
    await seed(bed.store, { channels: [webhookChannel(bed.receiver.url)], rules: [rule] });
    const slot = slotOf(rule);
    const clock = createManualClock(slot - 1000);
    await samples(slot - 60_000, slot + 600_000, 95);
    const ds = [testDetector(bed.streams, bed.store, bed.names, 'd0', {}, clock), testDetector(bed.streams, bed.store, bed.names, 'd1', {}, clock)];
    bed.detectors.push(...ds);
    await Promise.all(ds.map((d) => d.start()));
    const p = rulePartition(rule, PARTITIONS);
    await until(() => ds.every((d) => d.ownedPartitions().length > 0) && ds.some((d) => d.ownedPartitions().includes(p)), 10_000, 'partitions spread');
    const owner = ds.find((d) => d.ownedPartitions().includes(p))!;
    const other = ds.find((d) => d !== owner)!;
    await until(async () => (await metricValue(owner.registry, 'lightwatch_detector_promql_rules')) === 1, 10_000, 'rule evaluated by its owner');

    await step(clock, ds, 2); // pending since slot, evaluated again at slot + 15 s
    owner.kill(); // no release, nothing more stored
    await until(async () => (await metricValue(other.registry, 'lightwatch_detector_promql_rules')) === 1, 10_000, 'rule taken over');
    await step(clock, [other], 3);
    await until(async () => bed.receiver.received.length === 1, 10_000, 'opened notice');
    const [opened] = await incidents();
    // Active since the first evaluation, firing `for` later (slot + 30, 45, 60 s here): not restarted by the takeover.
    expect(opened!.openedAt).toBe(slot + FOR);
    await step(clock, [other], 5);
    expect((await incidents()).length).toBe(1);
    expect(bed.receiver.received.map((r) => r.transition)).toEqual(['opened']);
  });
});
