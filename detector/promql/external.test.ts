// A promql rule whose source is an external Prometheus (Debian's real `prometheus` over generated samples): the
// detector evaluates the expression there, and each series of its result becomes one incident on the target
// its `instance` label names, with one notice each. The source is held to CHECK_ALLOWED_NETWORKS: outside it,
// the evaluation is refused, counted and logged with the reason.
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { firstRunAt } from '../../lib/checks/spread.js';
import { parseNetworks, type Networks } from '../../lib/net/networks.js';
import { prometheusHttpSource } from '../../lib/prometheus/http-source.js';
import { generateSeries } from '../../lib/promql/testing/generate.js';
import { createManualClock } from '../../lib/time/manual-clock.js';
import { prometheusAvailable, startPrometheus, type RunningPrometheus } from '../../test/support/prometheus.js';
import { makeRule, metricValue, seed, TENANT, testDetector, until, webhookChannel } from '../testing/harness.js';
import { detectorTestbed } from '../testing/testbed.js';

const T0 = Date.UTC(2026, 0, 1);
const INTERVAL = 15_000;
const EXPR = 'sum by (instance) (rate(http_requests_total[5m])) > 0';
const series = generateSeries({ startMs: T0, durationMs: 3_600_000, intervalMs: 15_000, instances: 2, seed: 3 });
const available = await prometheusAvailable();
const networks = (list: string): Networks => parseNetworks(list) as Networks;

describe.skipIf(!available)('a promql rule on an external Prometheus (skipped when prometheus is not installed)', () => {
  let prom: RunningPrometheus;
  beforeAll(async () => {
    prom = await startPrometheus(series);
  }, 120_000);
  afterAll(async () => {
    await prom?.stop();
  });
  const bed = detectorTestbed('promext', 2);

  it('opens one incident per series of the result, on the target its instance label names', async () => {
    const rule = makeRule('busy', 'promql', { expr: EXPR, intervalSec: INTERVAL / 1000, source: { url: prom.url } });
    await seed(bed.store, { channels: [webhookChannel(bed.receiver.url)], rules: [rule] });
    const slot = firstRunAt(`${TENANT}\u0000busy`, INTERVAL, T0 + 30 * 60_000);
    const expected = (await prometheusHttpSource({ url: prom.url }).instantVector(EXPR, slot)).map((s) => s.labels.instance).sort();
    expect(expected).toEqual(['host-0:9100', 'host-1:9100']);

    const clock = createManualClock(slot - 1000);
    // Prometheus listens on loopback, inside the allowed networks.
    const d = testDetector(bed.streams, bed.store, bed.names, 'd0', { checkAllowedNetworks: networks('127.0.0.0/8,::1/128') }, clock);
    bed.detectors.push(d);
    await d.start();
    await until(async () => (await metricValue(d.registry, 'lightwatch_detector_promql_rules')) === 1, 10_000, 'rule evaluated here');
    clock.advance(INTERVAL); // the evaluation at slot: firing at once (for 0)
    await until(async () => (await metricValue(d.registry, 'lightwatch_detector_promql_evaluations_total')) > 0, 20_000, 'evaluation');
    expect(await metricValue(d.registry, 'lightwatch_detector_promql_alerts_sent_total')).toBe(2);
    await until(() => bed.receiver.received.length === 2, 10_000, 'two opened notices');
    const incidents = (await bed.store.listIncidents({ tenant: TENANT, limit: 100 })).items;
    expect(incidents.map((i) => i.targetId).sort()).toEqual(expected);
    expect(incidents.every((i) => i.status === 'open' && i.ruleId.startsWith('busy/') && i.labels?.alertname === 'busy')).toBe(true);
    expect(bed.receiver.received.map((r) => r.transition)).toEqual(['opened', 'opened']);
  });

  it('refuses a Prometheus outside CHECK_ALLOWED_NETWORKS: the evaluation fails with the reason, no alert is sent', async () => {
    const rule = makeRule('busy-outside', 'promql', { expr: EXPR, intervalSec: INTERVAL / 1000, source: { url: prom.url } });
    await seed(bed.store, { channels: [webhookChannel(bed.receiver.url)], rules: [rule] });
    const slot = firstRunAt(`${TENANT}\u0000busy-outside`, INTERVAL, T0 + 30 * 60_000);
    const lines: Array<{ msg: string; reason?: string; ruleId?: string }> = [];
    const logger = pino({ level: 'warn' }, new Writable({ write: (chunk: Buffer, _enc, done) => (lines.push(JSON.parse(chunk.toString('utf8'))), done()) }));
    const clock = createManualClock(slot - 1000);
    const d = testDetector(bed.streams, bed.store, bed.names, 'd0', { checkAllowedNetworks: networks('192.0.2.0/24') }, clock, logger);
    bed.detectors.push(d);
    await d.start();
    await until(async () => (await metricValue(d.registry, 'lightwatch_detector_promql_rules')) === 1, 10_000, 'rule evaluated here');
    clock.advance(INTERVAL);
    await until(async () => (await metricValue(d.registry, 'lightwatch_detector_promql_evaluations_total')) > 0, 20_000, 'evaluation');
    const outcomes = (await d.registry.getSingleMetric('lightwatch_detector_promql_evaluations_total')!.get()).values.map((v) => [v.labels.outcome, v.value]);
    expect(outcomes).toEqual([['error', 1]]);
    const reason = `prometheus at ${prom.url} refused: address 127.0.0.1 is outside CHECK_ALLOWED_NETWORKS`;
    expect(lines.filter((l) => l.ruleId === 'busy-outside')).toEqual([expect.objectContaining({ reason, msg: `promql rule evaluation failed: ${reason}; its alerts stay as they were` })]);
    expect(await metricValue(d.registry, 'lightwatch_detector_promql_alerts_sent_total')).toBe(0);
    expect((await bed.store.listIncidents({ tenant: TENANT, limit: 100 })).items).toEqual([]);
  });
});
