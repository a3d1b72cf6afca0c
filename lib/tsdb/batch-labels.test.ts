import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isStaleNaN, STALE_NAN } from '../promql/querier.js';
import { decodeMetricBatch, encodeMetricBatch, sampleCount, type MetricBatch } from './batch.js';
import { compileMatcher, labelProblem, labelsOfKey, MatcherError, seriesKey } from './labels.js';
import { mergeRuns } from './merge.js';

const labelsArb = fc.dictionary(fc.stringMatching(/^[a-z_][a-z0-9_]{0,8}$/), fc.string({ maxLength: 12 }).filter((v) => !v.includes('\u0000') && !v.includes('\u0001')), { maxKeys: 6 });

describe('metric batch entries', () => {
  it('round-trip series, labels and every value, property', () => {
    const value = fc.oneof(fc.double(), fc.constantFrom(NaN, STALE_NAN, Infinity, -Infinity, -0));
    const seriesArb = fc.record({
      target: fc.string({ maxLength: 10 }),
      labels: labelsArb,
      type: fc.constantFrom('gauge', 'counter', 'histogram', 'summary', 'untyped' as const),
      samples: fc.array(fc.tuple(fc.integer({ min: 0, max: 4e12 }), value), { maxLength: 20 }),
    });
    fc.assert(
      fc.property(fc.array(seriesArb, { maxLength: 10 }), (list) => {
        const batch: MetricBatch = {
          tenant: 'acme',
          receivedAt: 1,
          id: '01J',
          series: list.map((s) => ({ target: s.target, labels: s.labels, type: s.type, timestamps: s.samples.map((x) => x[0]), values: s.samples.map((x) => x[1]) })),
        };
        const text = encodeMetricBatch(batch);
        // Labels handed over already encoded give the very same entry.
        expect(encodeMetricBatch({ ...batch, series: batch.series.map((s) => ({ ...s, labelsJson: JSON.stringify(s.labels) })) })).toBe(text);
        expect(JSON.parse(text)).toMatchObject({ n: 'acme', r: 1, i: '01J' });
        const back = decodeMetricBatch(text);
        expect(back.series.map((s) => [s.target, s.labels, s.type, s.timestamps])).toEqual(batch.series.map((s) => [s.target, s.labels, s.type, s.timestamps]));
        back.series.forEach((s, i) =>
          s.values.forEach((v, k) => {
            const want = batch.series[i]?.values[k] as number;
            if (isStaleNaN(want)) expect(isStaleNaN(v)).toBe(true);
            else expect(Object.is(v, want)).toBe(true);
          }),
        );
        expect(sampleCount(back)).toBe(list.reduce((n, s) => n + s.samples.length, 0));
      }),
    );
  });

  it('refuses what it did not write', () => {
    expect(() => decodeMetricBatch('[]')).toThrow(TypeError);
    expect(() => decodeMetricBatch('{"n":"a","r":1,"i":"x","s":[["t","gauge","",{},[1],[]]]}')).toThrow(/mismatched/);
    expect(() => decodeMetricBatch('{"n":"a","r":1,"i":"x","s":[["t","bogus","",{},[],[]]]}')).toThrow(/malformed/);
    expect(() => decodeMetricBatch('{"n":"a","r":1,"i":"x","s":[["t","gauge","",{},[1],["?"]]]}')).toThrow(/bad value/);
  });
});

describe('labels', () => {
  it('gives equal keys to equal label sets in any order, and inverts, property', () => {
    fc.assert(
      fc.property(labelsArb, (labels) => {
        const reversed = Object.fromEntries(Object.entries(labels).reverse());
        expect(seriesKey(reversed)).toBe(seriesKey(labels));
        expect(labelsOfKey(seriesKey(labels))).toEqual(labels);
      }),
    );
  });

  it('names what Prometheus would refuse', () => {
    expect(labelProblem({ __name__: 'up', job: 'x' })).toBeNull();
    expect(labelProblem({ job: 'x' })).toMatch(/no metric name/);
    expect(labelProblem({ __name__: '1up' })).toMatch(/invalid metric name/);
    expect(labelProblem({ __name__: 'up', 'bad-name': 'x' })).toMatch(/invalid label name/);
    expect(labelProblem({ __name__: 'up', a: 'x', b: 'y' }, { maxLabels: 2, maxNameLength: 10, maxValueLength: 10 })).toMatch(/3 labels, over the limit of 2/);
    expect(labelProblem({ __name__: 'up', a: 'x'.repeat(11) }, { maxLabels: 5, maxNameLength: 10, maxValueLength: 10 })).toMatch(/longer than 10/);
  });

  it('anchors regular expressions and refuses broken ones', () => {
    expect(compileMatcher({ name: 'a', type: '=~', value: 'fo' }).matches('foo')).toBe(false);
    expect(compileMatcher({ name: 'a', type: '=~', value: 'fo|foo' }).matches('foo')).toBe(true);
    expect(compileMatcher({ name: 'a', type: '!~', value: 'x.*' }).matchesEmpty).toBe(true);
    expect(() => compileMatcher({ name: 'a', type: '=~', value: '(' })).toThrow(MatcherError);
  });
});

describe('mergeRuns', () => {
  it('merges overlapping runs, first run winning on equal timestamps, cut to the range', () => {
    const out = mergeRuns(
      [
        { timestamps: [1, 3, 5], values: [10, 30, 50] },
        { timestamps: [2, 3, 6], values: [20, 99, 60] },
      ],
      2,
      5,
    );
    expect(out).toEqual({ timestamps: Float64Array.of(2, 3, 5), values: Float64Array.of(20, 30, 50) });
  });

  it('cuts ascending runs to the range, typed (decoded chunks) or not (head rows)', () => {
    const out = mergeRuns(
      [
        { timestamps: Float64Array.of(1, 2, 3), values: Float64Array.of(10, 20, 30) },
        { timestamps: [4, 5, 7], values: [40, 50, 70] },
      ],
      2,
      6,
    );
    expect(out).toEqual({ timestamps: Float64Array.of(2, 3, 4, 5), values: Float64Array.of(20, 30, 40, 50) });
    expect(mergeRuns([{ timestamps: [1, 2], values: [1, 2] }], 3, 4)).toEqual({ timestamps: new Float64Array(0), values: new Float64Array(0) });
  });
});
