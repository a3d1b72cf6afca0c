// Uptime arithmetic: overlapping incidents count once, maintenance is excluded from downtime and from the
// monitored time, windows clip to creation and now; checked case by case and against a brute-force model.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Incident } from '../lib/store/types.js';
import { clip, computeUptime, maintenanceAppliesTo, subtract, unionOf, uptimeWindowFromParams, type Interval, type UptimeInput } from './uptime.js';

type Inc = UptimeInput['incidents'][number];
const inc = (id: string, openedAt: number, resolvedAt?: number, extra: Partial<Pick<Incident, 'status' | 'severity'>> = {}): Inc => ({
  id,
  openedAt,
  resolvedAt,
  status: extra.status ?? (resolvedAt === undefined ? 'open' : 'resolved'),
  severity: extra.severity ?? 'critical',
});
const H = 3_600_000;

describe('interval helpers', () => {
  it('merges overlapping and touching intervals and drops empty ones', () => {
    expect(unionOf([{ start: 5, end: 10 }, { start: 0, end: 3 }, { start: 3, end: 4 }, { start: 8, end: 12 }, { start: 20, end: 20 }])).toEqual([
      { start: 0, end: 4 },
      { start: 5, end: 12 },
    ]);
  });
  it('subtracts holes, including ones that cover everything', () => {
    expect(subtract([{ start: 0, end: 10 }, { start: 20, end: 30 }], [{ start: 2, end: 4 }, { start: 8, end: 22 }, { start: 25, end: 26 }])).toEqual([
      { start: 0, end: 2 },
      { start: 4, end: 8 },
      { start: 22, end: 25 },
      { start: 26, end: 30 },
    ]);
    expect(subtract([{ start: 0, end: 10 }], [{ start: -5, end: 50 }])).toEqual([]);
    expect(subtract([{ start: 0, end: 10 }], [])).toEqual([{ start: 0, end: 10 }]);
  });
  it('clips to a window', () => {
    expect(clip([{ start: -5, end: 5 }, { start: 8, end: 20 }, { start: 30, end: 40 }], { start: 0, end: 10 })).toEqual([
      { start: 0, end: 5 },
      { start: 8, end: 10 },
    ]);
  });
});

describe('computeUptime', () => {
  const base = { from: 0, to: 100 * H, now: 100 * H, maintenance: [] as Interval[] };

  it('is 100% with no incidents, with the whole budget left', () => {
    const r = computeUptime({ ...base, incidents: [], slaTarget: 99 });
    expect(r).toMatchObject({ downtimeMs: 0, uptimePercent: 100, incidentCount: 0, mttrMs: null, monitoredMs: 100 * H, maintenanceMs: 0 });
    expect(r.errorBudget).toEqual({ allowedDowntimeMs: H, remainingMs: H, remainingPercent: 100 });
  });

  it('counts overlapping incidents once and averages their repair times', () => {
    const r = computeUptime({ ...base, incidents: [inc('a', 10 * H, 14 * H), inc('b', 12 * H, 16 * H), inc('c', 50 * H, 51 * H)] });
    expect(r.downtimeMs).toBe(7 * H);
    expect(r.uptimePercent).toBeCloseTo(93, 10);
    expect(r.incidentCount).toBe(3);
    expect(r.mttrMs).toBe(Math.round((4 * H + 4 * H + H) / 3));
  });

  it('excludes maintenance from downtime and from the monitored time', () => {
    const r = computeUptime({
      ...base,
      incidents: [inc('a', 10 * H, 20 * H)],
      maintenance: [{ start: 15 * H, end: 30 * H }, { start: 25 * H, end: 40 * H }],
    });
    expect(r.maintenanceMs).toBe(25 * H);
    expect(r.monitoredMs).toBe(75 * H);
    expect(r.downtimeMs).toBe(5 * H);
    expect(r.uptimePercent).toBeCloseTo((70 / 75) * 100, 5);
  });

  it('does not count an incident that lies entirely inside maintenance', () => {
    const r = computeUptime({ ...base, incidents: [inc('a', 16 * H, 18 * H)], maintenance: [{ start: 15 * H, end: 30 * H }] });
    expect(r).toMatchObject({ downtimeMs: 0, incidentCount: 0, mttrMs: null, uptimePercent: 100 });
  });

  it('runs an open incident until now and keeps it out of MTTR', () => {
    const r = computeUptime({ ...base, to: 200 * H, now: 100 * H, incidents: [inc('a', 90 * H), inc('b', 10 * H, 11 * H)] });
    expect(r.to).toBe(100 * H);
    expect(r.downtimeMs).toBe(11 * H);
    expect(r.incidentCount).toBe(2);
    expect(r.mttrMs).toBe(H);
  });

  it('clips incidents that started before the window and measures MTTR on their full length', () => {
    const r = computeUptime({ ...base, from: 10 * H, incidents: [inc('a', 5 * H, 12 * H)] });
    expect(r.downtimeMs).toBe(2 * H);
    expect(r.mttrMs).toBe(7 * H);
    expect(r.incidentCount).toBe(1);
  });

  it('ignores pending and info incidents and impossible ones', () => {
    const r = computeUptime({
      ...base,
      incidents: [inc('p', 10 * H, undefined, { status: 'pending' }), inc('i', 20 * H, 30 * H, { severity: 'info' }), inc('x', 40 * H, 39 * H), inc('w', 60 * H, 61 * H, { severity: 'warning', status: 'acknowledged' })],
    });
    expect(r.downtimeMs).toBe(H);
    expect(r.incidentCount).toBe(1);
  });

  it('starts the window at the target creation', () => {
    const r = computeUptime({ ...base, createdAt: 50 * H, incidents: [inc('a', 10 * H, 60 * H)] });
    expect(r.from).toBe(50 * H);
    expect(r.monitoredMs).toBe(50 * H);
    expect(r.downtimeMs).toBe(10 * H);
    expect(r.uptimePercent).toBeCloseTo(80, 10);
  });

  it('reports null uptime when nothing was monitored', () => {
    expect(computeUptime({ ...base, incidents: [inc('a', 1, 2)], maintenance: [{ start: -1, end: 200 * H }] })).toMatchObject({ uptimePercent: null, monitoredMs: 0, downtimeMs: 0 });
    expect(computeUptime({ ...base, createdAt: 300 * H, incidents: [] })).toMatchObject({ uptimePercent: null, monitoredMs: 0, from: 300 * H, to: 300 * H });
  });

  it('reports a breached budget as negative, and a 100% SLA as having no budget to spend', () => {
    const breached = computeUptime({ ...base, incidents: [inc('a', 0, 2 * H)], slaTarget: 99 });
    expect(breached.errorBudget).toEqual({ allowedDowntimeMs: H, remainingMs: -H, remainingPercent: -100 });
    const perfect = computeUptime({ ...base, incidents: [], slaTarget: 100 });
    expect(perfect.errorBudget).toEqual({ allowedDowntimeMs: 0, remainingMs: 0, remainingPercent: null });
    expect(computeUptime({ ...base, incidents: [] }).errorBudget).toBeNull();
  });

  it('matches a minute-by-minute model on random incidents and maintenance', () => {
    const span = fc.tuple(fc.integer({ min: -20, max: 120 }), fc.integer({ min: 0, max: 60 }));
    fc.assert(
      fc.property(
        fc.array(fc.record({ span, open: fc.boolean(), severity: fc.constantFrom<Incident['severity'][]>('info', 'warning', 'critical'), pending: fc.boolean() }), { maxLength: 8 }),
        fc.array(span, { maxLength: 4 }),
        fc.integer({ min: 0, max: 40 }),
        fc.integer({ min: 60, max: 100 }),
        fc.integer({ min: 50, max: 120 }),
        (incs, maint, from, to, now) => {
          const incidents = incs.map((x, n) =>
            inc(`i${n}`, x.span[0], x.open ? undefined : x.span[0] + x.span[1], { severity: x.severity, status: x.pending ? 'pending' : x.open ? 'open' : 'resolved' }),
          );
          const maintenance = maint.map(([s, l]) => ({ start: s, end: s + l }));
          const r = computeUptime({ from, to, now, incidents, maintenance });
          let monitored = 0;
          let down = 0;
          for (let t = from; t < Math.min(to, now); t++) {
            if (maintenance.some((m) => t >= m.start && t < m.end)) continue;
            monitored++;
            if (incidents.some((i) => i.status !== 'pending' && i.severity !== 'info' && t >= i.openedAt && t < (i.resolvedAt ?? now))) down++;
          }
          expect(r.monitoredMs).toBe(monitored);
          expect(r.downtimeMs).toBe(down);
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('maintenanceAppliesTo', () => {
  const target = { id: 't1', labels: { env: 'prod', team: 'a' } };
  it('applies to listed ids, to matching selectors, and to everything when both are empty', () => {
    expect(maintenanceAppliesTo({ targetIds: [] }, target)).toBe(true);
    expect(maintenanceAppliesTo({ targetIds: [], selector: {} }, target)).toBe(true);
    expect(maintenanceAppliesTo({ targetIds: ['t1'] }, target)).toBe(true);
    expect(maintenanceAppliesTo({ targetIds: ['t2'] }, target)).toBe(false);
    expect(maintenanceAppliesTo({ targetIds: [], selector: { env: 'prod' } }, target)).toBe(true);
    expect(maintenanceAppliesTo({ targetIds: [], selector: { env: 'prod', team: 'b' } }, target)).toBe(false);
    expect(maintenanceAppliesTo({ targetIds: ['t2'], selector: { team: 'a' } }, target)).toBe(true);
  });
});

describe('uptimeWindowFromParams', () => {
  const now = 1_000 * 86_400_000;
  it('maps named windows and defaults to 24h', () => {
    expect(uptimeWindowFromParams({ window: '7d' }, now)).toEqual({ start: now - 7 * 86_400_000, end: now });
    expect(uptimeWindowFromParams({}, now)).toEqual({ start: now - 86_400_000, end: now });
  });
  it('takes from/to as RFC 3339 or ms, to defaulting to now', () => {
    expect(uptimeWindowFromParams({ from: '1970-01-02T00:00:00Z', to: '172800000' }, now)).toEqual({ start: 86_400_000, end: 172_800_000 });
    expect(uptimeWindowFromParams({ from: String(now - 5) }, now)).toEqual({ start: now - 5, end: now });
  });
  it('rejects unknown windows, mixed forms, reversed and oversized ranges and unknown params', () => {
    for (const params of [{ window: '1y' }, { window: '7d', from: '1' }, { from: '10', to: '5' }, { to: '5' }, { from: '0', to: String(400 * 86_400_000) }, { 'from[$gt]': '1' }, { from: 'yesterday' }]) {
      expect(() => uptimeWindowFromParams(params, now), JSON.stringify(params)).toThrow(expect.objectContaining({ code: 'bad_request' }));
    }
  });
});
