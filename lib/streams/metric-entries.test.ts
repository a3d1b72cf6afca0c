// planMetricEntries: every series lands in its partition's entry, each entry decodes to exactly the batch
// encodeMetricBatchBytes writes for its series (the entries share one buffer), and an entry over the size bound
// is split in halves with ids numbered in order.
import { describe, expect, it } from 'vitest';
import type { BatchSeries } from '../tsdb/batch.js';
import { decodeMetricBatch, encodeMetricBatchBytes, labelBytesOf } from '../tsdb/batch-codec.js';
import { planMetricEntries } from './metric-entries.js';
import { partitionOf, streamNames } from './partition.js';

const names = streamNames('lw-test', 4);

function series(i: number, samples: number, withBytes: boolean): BatchSeries {
  const labels = Object.freeze({ __name__: `m_${i % 3}`, instance: `host-${i % 7}:9100`, job: 'node', series: String(i) });
  const s: BatchSeries = {
    target: i % 5 === 0 ? `elsewhere-${i}` : labels.instance,
    labels,
    type: i % 2 === 0 ? 'gauge' : 'counter',
    timestamps: Array.from({ length: samples }, (_, k) => 1_700_000_000_000 + i * 10 + k),
    values: Array.from({ length: samples }, (_, k) => (k === 1 ? NaN : i + k / 7)),
  };
  if (withBytes) s.labelBytes = labelBytesOf(labels);
  if (i % 4 === 0) s.unit = 'seconds';
  return s;
}

describe('planMetricEntries', () => {
  it('writes one entry per partition that decodes to the series of that partition, as encodeMetricBatchBytes does', () => {
    const all = Array.from({ length: 40 }, (_, i) => series(i, 1 + (i % 3), i % 2 === 0));
    all.push({ ...series(99, 0, false) });
    const entries = planMetricEntries('acme', 123, 'B', all, names, 1_000_000);
    expect(new Set(entries.map((e) => e.stream)).size).toBe(entries.length);
    let seen = 0;
    entries.forEach((e, k) => {
      const batch = decodeMetricBatch(e.payload);
      expect(batch.id).toBe(`B${k}`);
      const mine = all.filter((s) => s.timestamps.length > 0 && names.events(partitionOf('acme', s.target, names.partitions)) === e.stream);
      expect(e.payload.equals(encodeMetricBatchBytes({ tenant: 'acme', receivedAt: 123, id: `B${k}`, series: mine }))).toBe(true);
      expect(e.samples).toBe(mine.reduce((n, s) => n + s.timestamps.length, 0));
      expect(batch.series.map((s) => s.labels)).toEqual(mine.map((s) => s.labels));
      seen += e.samples;
    });
    expect(seen).toBe(all.reduce((n, s) => n + s.timestamps.length, 0));
  });

  it('splits an entry over the bound in halves, ids in order, each half byte for byte its own batch', () => {
    const one = Array.from({ length: 9 }, (_, i) => ({ ...series(i, 3, true), target: 'same' }));
    const whole = encodeMetricBatchBytes({ tenant: 't', receivedAt: 1, id: 'X0', series: one }).length;
    const entries = planMetricEntries('t', 1, 'X', one, names, Math.floor(whole / 2));
    expect(entries.length).toBeGreaterThan(1);
    let from = 0;
    entries.forEach((e, k) => {
      const batch = decodeMetricBatch(e.payload);
      expect(batch.id).toBe(`X${k}`);
      const part = one.slice(from, from + batch.series.length);
      expect(e.payload.equals(encodeMetricBatchBytes({ tenant: 't', receivedAt: 1, id: `X${k}`, series: part }))).toBe(true);
      from += batch.series.length;
    });
    expect(from).toBe(one.length);
  });
});
