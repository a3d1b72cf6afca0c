// Alerts posted through /api/am become incidents, one per fingerprint, on the manual clock: opened on the
// first copy, kept while re-sent, resolved by a copy that has ended or when endsAt passes without one.
import { describe, expect, it } from 'vitest';
import { alertsToDrafts, fingerprint } from '../../lib/am/alerts.js';
import type { CanonicalEvent, DraftEvent } from '../../lib/events/event.js';
import { TENANT, target, world } from './testing.js';

let n = 0;
/** What ingest makes of one posted alert at `now` (drafts normalized the way the detector sees them). */
function alertEvent(now: number, alert: Record<string, unknown>): CanonicalEvent {
  const { drafts, rejected } = alertsToDrafts([alert], now);
  expect(rejected).toEqual([]);
  const d = drafts[0]!.draft as Extract<DraftEvent, { kind: 'log' }>;
  return { id: `am${++n}`, tenant: TENANT, target: d.target as string, ts: now, receivedAt: now, labels: d.labels as Record<string, string>, kind: 'log', body: d.body };
}

const iso = (ms: number) => new Date(ms).toISOString();
const disk = { alertname: 'DiskFull', instance: 'db-1:9100', severity: 'warning' };
const cpu = { alertname: 'CpuHigh', instance: 'db-1:9100' };

describe('alerts posted to /api/am', () => {
  it('opens one incident per fingerprint, keeps it while re-sent, resolves on an ended copy', () => {
    const w = world([], []);
    const t0 = w.clock.now();
    const send = (labels: Record<string, string>, endsInMs: number) => w.send('db-1:9100', alertEvent(w.clock.now(), { labels, annotations: { summary: `${labels.alertname} on db-1` }, startsAt: iso(t0), endsAt: iso(w.clock.now() + endsInMs) }));
    send(disk, 4 * 60_000);
    send(cpu, 4 * 60_000);
    expect(w.env.transitions()).toEqual(['opened', 'opened']);
    const [d, c] = w.env.incidents().map((e) => e.incident);
    expect(d).toMatchObject({ ruleId: `builtin:alert/${fingerprint(disk)}`, severity: 'warning', title: 'DiskFull on db-1:9100: DiskFull on db-1', labels: disk, annotations: { summary: 'DiskFull on db-1' } });
    expect(c).toMatchObject({ ruleId: `builtin:alert/${fingerprint(cpu)}`, severity: 'critical', labels: cpu });
    // Prometheus re-sends every minute while firing: nothing new happens.
    for (let i = 0; i < 5; i++) {
      w.clock.advance(60_000);
      send(disk, 4 * 60_000);
      send(cpu, 4 * 60_000);
    }
    expect(w.env.transitions()).toEqual(['opened', 'opened']);
    // Resolved: Prometheus sends endsAt = the resolution time.
    send(disk, -1);
    expect(w.env.transitions()).toEqual(['opened', 'opened', 'resolved']);
    expect(w.env.incidents()[2]!.incident.ruleId).toBe(d!.ruleId);
    expect(w.env.notified()).toEqual(['opened', 'opened', 'resolved']);
    expect(w.errors).toEqual([]);
  });

  it('resolves at endsAt when no new copy comes (Prometheus gone), and at the resolve timeout without endsAt', () => {
    const w = world([target('web-1')], []);
    const t0 = w.clock.now();
    w.send('db-1:9100', alertEvent(t0, { labels: disk, endsAt: iso(t0 + 4 * 60_000) }));
    w.send('web-1', alertEvent(t0, { labels: { alertname: 'Down', instance: 'web-1' } }));
    expect(w.env.transitions()).toEqual(['opened', 'opened']);
    w.clock.advance(4 * 60_000 - 1);
    expect(w.env.transitions()).toEqual(['opened', 'opened']);
    w.clock.advance(1);
    expect(w.env.transitions()).toEqual(['opened', 'opened', 'resolved']);
    expect(w.env.incidents()[2]!.incident.resolvedAt).toBe(t0 + 4 * 60_000);
    w.clock.advance(60_000); // Alertmanager's resolve_timeout: 5 minutes after the last copy
    expect(w.env.transitions()).toEqual(['opened', 'opened', 'resolved', 'resolved']);
    expect(w.env.incidents()[3]!.incident.resolvedAt).toBe(t0 + 5 * 60_000);
  });

  it('a firing alert after its resolution is a new incident; an ended alert never seen opens nothing', () => {
    const w = world([], []);
    const t0 = w.clock.now();
    w.send('db-1:9100', alertEvent(t0, { labels: disk, endsAt: iso(t0 - 1) }));
    expect(w.env.transitions()).toEqual([]);
    w.send('db-1:9100', alertEvent(t0, { labels: disk, endsAt: iso(t0 + 60_000) }));
    w.clock.advance(1_000);
    w.send('db-1:9100', alertEvent(w.clock.now(), { labels: disk, endsAt: iso(w.clock.now() - 1) }));
    w.clock.advance(1_000);
    w.send('db-1:9100', alertEvent(w.clock.now(), { labels: disk, endsAt: iso(w.clock.now() + 60_000) }));
    expect(w.env.transitions()).toEqual(['opened', 'resolved', 'opened']);
    const ids = w.env.incidents().map((e) => e.incident.id);
    expect(ids[2]).not.toBe(ids[0]);
  });

  it('is acknowledged like any incident, by its keyed rule id', () => {
    const w = world([], []);
    const t0 = w.clock.now();
    w.send('db-1:9100', alertEvent(t0, { labels: disk, endsAt: iso(t0 + 60_000) }));
    w.send('db-1:9100', alertEvent(t0, { labels: cpu, endsAt: iso(t0 + 60_000) }));
    const ruleId = `builtin:alert/${fingerprint(disk)}`;
    w.actor('db-1:9100').send({ type: 'ack', ruleId, at: t0 + 1_000, by: 'user:ann' });
    w.clock.advance(0);
    expect(w.env.transitions()).toEqual(['opened', 'opened', 'acknowledged']);
    expect(w.env.incidents()[2]!.incident).toMatchObject({ ruleId, status: 'acknowledged', acknowledgedBy: 'user:ann' });
  });

  it('survives a restore mid-alert: the endsAt deadline is kept', () => {
    const w = world([], []);
    const t0 = w.clock.now();
    w.send('db-1:9100', alertEvent(t0, { labels: disk, endsAt: iso(t0 + 60_000) }));
    const snap = w.actor('db-1:9100').getPersistedSnapshot();
    w.restore('db-1:9100', JSON.parse(JSON.stringify(snap)));
    w.actor('db-1:9100').send({ type: 'rearm' });
    w.clock.advance(60_000);
    expect(w.env.transitions()).toEqual(['opened', 'resolved']);
  });
});

describe('postable alerts as Alertmanager reads them', () => {
  it('fingerprints like Alertmanager (FNV-1a over sorted pairs) and refuses invalid alerts one by one', () => {
    expect(fingerprint({})).toBe('cbf29ce484222325');
    expect(fingerprint({ b: '2', a: '1' })).toBe(fingerprint({ a: '1', b: '2' }));
    expect(fingerprint({ a: '1' })).not.toBe(fingerprint({ a: '2' }));
    const out = alertsToDrafts([{ labels: { alertname: 'A', empty: '' } }, { labels: {} }, { labels: { 'bad-name': 'x' } }, { labels: { a: 'b' }, startsAt: iso(2000), endsAt: iso(1000) }, 'x'], 10_000);
    expect(out.drafts.map((d) => d.index)).toEqual([0]);
    expect(out.drafts[0]!.draft.labels).toEqual({ alertname: 'A' });
    expect(out.rejected).toEqual([
      { index: 1, error: 'at least one label pair required' },
      { index: 2, error: 'invalid label set: invalid name "bad-name"' },
      { index: 3, error: 'start time must be before end time' },
      { index: 4, error: 'an alert must be an object' },
    ]);
    expect(() => alertsToDrafts({}, 0)).toThrow('alerts in body must be of type array');
  });

  it('takes the target from instance, else job, else alertname; AM_TARGET_LABEL puts another label first', () => {
    const alerts = [{ labels: { alertname: 'A', instance: 'db-1:9100', job: 'node', service: 'checkout' } }, { labels: { alertname: 'B', job: 'node' } }, { labels: { alertname: 'C' } }];
    expect(alertsToDrafts(alerts, 0).drafts.map((d) => d.draft.target)).toEqual(['db-1:9100', 'node', 'C']);
    expect(alertsToDrafts(alerts, 0, undefined, 'service').drafts.map((d) => d.draft.target)).toEqual(['checkout', 'node', 'C']);
  });
});
