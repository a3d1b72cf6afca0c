// What a promql rule's evaluation sends, evaluation by evaluation (pure): nothing while pending, the alert
// when it fires and again each resend delay with endsAt four deltas ahead, the resolved copy once when it stops;
// and which stored states a new owner may continue from.
import { describe, expect, it } from 'vitest';
import { alertFieldsOf } from '../../lib/am/alerts.js';
import { evaluateRule } from '../../lib/promql/alerting/rule.js';
import type { InstantSample } from '../../lib/promql/result.js';
import type { PromqlParams } from '../rules/types.js';
import { alertsToSend, freshDoc, OUTAGE_TOLERANCE_MS, RESEND_DELAY_MS, restorableDoc, type AlertEvent } from './plan.js';

const params: PromqlParams = {
  rule: { name: 'DiskFull', expr: 'disk > 90', forMs: 30_000, keepFiringForMs: 0, labels: { severity: 'critical' }, annotations: { summary: 'disk {{ $value }}' }, targetLabels: ['host', 'instance'] },
  intervalMs: 15_000,
  source: null,
};
const web = (value: number): InstantSample => ({ labels: { __name__: 'disk', instance: 'web-1:9100', host: 'web-1' }, timeMs: 0, value });

function run(samplesAt: (t: number) => InstantSample[], times: number[]): Array<{ t: number; sent: AlertEvent[] }> {
  const doc = freshDoc('r1');
  return times.map((t) => {
    const transitions = evaluateRule(params.rule, doc.state, samplesAt(t), t);
    return { t, sent: alertsToSend('acme', 'r1', params, doc, transitions, t) };
  });
}

describe('alertsToSend', () => {
  it('sends nothing while pending, the alert when it fires, re-sends each resend delay, and the resolved copy once', () => {
    const times = Array.from({ length: 14 }, (_, i) => i * 15_000);
    const out = run((t) => (t < 150_000 ? [web(95)] : []), times);
    const sentAt = out.filter((o) => o.sent.length > 0).map((o) => o.t);
    // pending at 0, firing at 30 s (for), re-sent at 90 s, resolved at 150 s
    expect(sentAt).toEqual([30_000, 90_000, 150_000]);
    const [firing] = out[2]!.sent;
    expect(firing).toMatchObject({ tenant: 'acme', target: 'web-1', ts: 30_000, receivedAt: 30_000, kind: 'log', labels: { alertname: 'DiskFull', instance: 'web-1:9100', host: 'web-1', severity: 'critical' } });
    expect(firing!.body.format).toBe('alertmanager');
    expect(firing!.body.message).toBe('[FIRING] DiskFull: disk 95');
    expect(alertFieldsOf(firing!.body.fields)).toMatchObject({ am_rule: 'r1', am_starts_at: 30_000, am_ends_at: 30_000 + 4 * RESEND_DELAY_MS, am_annotations: { summary: 'disk 95' } });
    const [resolved] = out[10]!.sent;
    expect(alertFieldsOf(resolved!.body.fields)).toMatchObject({ am_rule: 'r1', am_ends_at: 150_000 });
    expect(resolved!.body.message).toBe('[RESOLVED] DiskFull: disk 95');
  });

  it('never sends an alert that stopped while pending', () => {
    const out = run((t) => (t < 15_000 ? [web(95)] : []), [0, 15_000, 30_000, 45_000]);
    expect(out.flatMap((o) => o.sent)).toEqual([]);
  });

  it('puts an alert without any target label on a target named after the rule', () => {
    const out = run(() => [{ labels: {}, timeMs: 0, value: 1 }], [0, 30_000]);
    expect(out[1]!.sent.map((e) => e.target)).toEqual(['DiskFull']);
  });

  it('lets endsAt outlast a longer interval (four intervals ahead)', () => {
    const slow = { ...params, intervalMs: 5 * 60_000 };
    const doc = freshDoc('r1');
    evaluateRule(slow.rule, doc.state, [web(95)], 0);
    const sent = alertsToSend('acme', 'r1', slow, doc, evaluateRule(slow.rule, doc.state, [web(95)], 300_000), 300_000);
    expect(alertFieldsOf(sent[0]!.body.fields)?.am_ends_at).toBe(300_000 + 4 * 300_000);
  });
});

describe('restorableDoc', () => {
  it('continues from a recent state of the same rule only', () => {
    const doc = { ...freshDoc('r1'), evaluatedAt: 1_000 };
    expect(restorableDoc(doc, 'r1', 1_000 + OUTAGE_TOLERANCE_MS)).toEqual(doc);
    expect(restorableDoc(doc, 'r1', 1_001 + OUTAGE_TOLERANCE_MS)).toBeNull();
    expect(restorableDoc(doc, 'r2', 2_000)).toBeNull();
    expect(restorableDoc({ v: 1, name: 'web-1', xs: {} }, 'r1', 2_000)).toBeNull();
    expect(restorableDoc(undefined, 'r1', 2_000)).toBeNull();
  });
});
