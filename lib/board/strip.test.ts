// The uptime strip: bucket alignment, downtime per bucket minus maintenance, sparse form and its expansion.
import { describe, expect, it } from 'vitest';
import { stateOf } from './state.js';
import { computeStrip, segmentLevels, stripUptime, stripWindow } from './strip.js';

const H = 3_600_000;
const NOW = Date.UTC(2026, 0, 10, 12, 30);

describe('uptime strip', () => {
  it('aligns 90 buckets to UTC hours or days ending with the current one', () => {
    const w = stripWindow('hour', NOW);
    expect(w.end).toBe(Date.UTC(2026, 0, 10, 13));
    expect(w.start).toBe(w.end - 90 * H);
    expect(stripWindow('day', NOW).end).toBe(Date.UTC(2026, 0, 11));
  });

  it('spreads downtime over the buckets it covers, without maintenance, at least 1‰', () => {
    const w = stripWindow('hour', NOW);
    const created = w.start - 10 * H;
    const strip = computeStrip(w, NOW, created, [{ start: NOW - 2 * H, end: NOW - H - H / 2 }, { start: NOW - 10 * H, end: NOW - 10 * H + 100 }], [{ start: NOW - 2 * H, end: NOW - 2 * H + H / 4 }]);
    expect(strip.from).toBe(0);
    // 10:30–11:00 minus 10:30–10:45 in the 10:00 bucket = 15 min = 250‰; 100 ms in the 02:00 bucket = 1‰.
    expect(strip.down).toEqual([[79, 1], [87, 250]]);
    expect(segmentLevels(strip)[87]).toBe('major');
    expect(segmentLevels(strip)[79]).toBe('minor');
    expect(segmentLevels(strip)[0]).toBe('up');
  });

  it('measures the current bucket and the first one only over their monitored part', () => {
    const w = stripWindow('hour', NOW);
    const created = NOW - 2 * H;
    const strip = computeStrip(w, NOW, created, [{ start: NOW - 15 * 60_000, end: NOW }], []);
    expect(strip.from).toBe(87);
    expect(strip.down).toEqual([[89, 500]]);
    expect(segmentLevels(strip).slice(85)).toEqual(['none', 'none', 'up', 'up', 'down']);
    expect(stripUptime(strip)).toBeCloseTo(((3 - 0.5) / 3) * 100, 2);
    expect(stripUptime({ from: 90, down: [] })).toBeNull();
  });

  it('derives the state word with paused and maintenance first, then incidents, then contact', () => {
    const base = { kind: 'heartbeat', paused: false, inMaintenance: false, live: [], heartbeatIntervalMs: 60_000, lastContactAt: NOW - 1000, now: NOW };
    expect(stateOf(base)).toBe('up');
    expect(stateOf({ ...base, lastContactAt: NOW - 61_000 })).toBe('late');
    expect(stateOf({ ...base, lastContactAt: undefined })).toBe('pending');
    expect(stateOf({ ...base, live: [{ id: 'i', status: 'open', silenced: false }] })).toBe('down');
    expect(stateOf({ ...base, live: [{ id: 'i', status: 'acknowledged', silenced: true }] })).toBe('silenced');
    expect(stateOf({ ...base, live: [{ id: 'i', status: 'open', silenced: true }, { id: 'j', status: 'open', silenced: false }] })).toBe('down');
    expect(stateOf({ ...base, live: [{ id: 'i', status: 'pending', silenced: false }] })).toBe('pending');
    expect(stateOf({ ...base, inMaintenance: true, live: [{ id: 'i', status: 'open', silenced: false }] })).toBe('maintenance');
    expect(stateOf({ ...base, paused: true, inMaintenance: true })).toBe('paused');
    expect(stateOf({ ...base, kind: 'log', heartbeatIntervalMs: undefined, lastContactAt: undefined })).toBe('up');
  });
});
