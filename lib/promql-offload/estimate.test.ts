// The estimate that decides where a query runs: series counted per distinct selector over its range, times the
// steps plus the range's samples at the nominal interval; a query that does not parse costs nothing.
import { describe, expect, it } from 'vitest';
import { createMemoryQuerier, type MemorySeries } from '../promql/memory-querier.js';
import { estimatePoints, NOMINAL_SAMPLE_INTERVAL_MS } from './estimate.js';

const HOUR = 3_600_000;
const series = (n: number, name: string, untilMs: number): MemorySeries[] =>
  Array.from({ length: n }, (_, i) => {
    const ts = Float64Array.from({ length: untilMs / 60_000 + 1 }, (_, k) => k * 60_000);
    return { labels: { __name__: name, instance: `i-${i}` }, timestamps: ts, values: new Float64Array(ts.length) };
  });

describe('estimatePoints', () => {
  const querier = createMemoryQuerier([...series(30, 'a', 24 * HOUR), ...series(5, 'b', 24 * HOUR)]);
  const lookback = 300_000;

  it('counts series × (steps + samples in the range at the nominal interval)', async () => {
    const range = { kind: 'range', query: 'sum(rate(a[5m]))', startMs: 12 * HOUR, endMs: 13 * HOUR, stepMs: 60_000 } as const;
    // 61 steps; the data range is [start - 5m, end].
    expect(await estimatePoints(querier, range, lookback)).toBe(30 * (61 + Math.ceil((HOUR + 300_000) / NOMINAL_SAMPLE_INTERVAL_MS)));
    const instant = { kind: 'instant', query: 'a', timeMs: 12 * HOUR } as const;
    expect(await estimatePoints(querier, instant, lookback)).toBe(30 * (1 + Math.ceil(lookback / NOMINAL_SAMPLE_INTERVAL_MS)));
  });

  it('counts a selector repeated once, over the union of its ranges, and each distinct selector', async () => {
    const q = (query: string) => ({ kind: 'instant', query, timeMs: 12 * HOUR }) as const;
    const once = await estimatePoints(querier, q('rate(a[1h])'), lookback);
    expect(await estimatePoints(querier, q('rate(a[1h]) / rate(a[1h])'), lookback)).toBe(once);
    expect(await estimatePoints(querier, q('rate(a[1h]) + on() group_left sum(b)'), lookback)).toBe(once + 5 * (1 + Math.ceil(lookback / NOMINAL_SAMPLE_INTERVAL_MS)));
  });

  it('is 0 for a query that does not parse or selects no series', async () => {
    expect(await estimatePoints(querier, { kind: 'instant', query: 'sum(a', timeMs: 0 }, lookback)).toBe(0);
    expect(await estimatePoints(querier, { kind: 'instant', query: 'vector(1) + absent(c)', timeMs: 12 * HOUR }, lookback)).toBe(0);
  });
});
