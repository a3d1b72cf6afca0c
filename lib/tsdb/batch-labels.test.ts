import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isStaleNaN, setStaleNaN } from '../promql/querier.js';
import { decodeMetricBatchJson, sampleCount } from './batch.js';
import { compileMatcher, labelProblem, labelsOfKey, MatcherError, seriesKey } from './labels.js';
import { mergeRuns } from './merge.js';

const labelsArb = fc.dictionary(fc.stringMatching(/^[a-z_][a-z0-9_]{0,8}$/), fc.string({ maxLength: 12 }).filter((v) => !v.includes('\u0000') && !v.includes('\u0001')), { maxKeys: 6 });

describe('metric batch entries of the JSON form (written before the binary one)', () => {
  it('decode, tokens for the values JSON has no number for', () => {
    const back = decodeMetricBatchJson('{"n":"acme","r":7,"i":"01J","s":[["web","gauge","bytes",{"__name__":"m","instance":"web"},[1000,15,15,15,15],[1.5,"NaN","S","Inf","-0"]],["db","counter","",{"__name__":"c"},[5],["-Inf"]]]}');
    expect(back).toMatchObject({ tenant: 'acme', receivedAt: 7, id: '01J' });
    expect(back.series.map((s) => [s.target, s.type, s.unit, s.labels, Array.from(s.timestamps)])).toEqual([
      ['web', 'gauge', 'bytes', { __name__: 'm', instance: 'web' }, [1000, 1015, 1030, 1045, 1060]],
      ['db', 'counter', undefined, { __name__: 'c' }, [5]],
    ]);
    const [a, b] = back.series;
    expect(a?.values[0]).toBe(1.5);
    expect(Number.isNaN(a?.values[1]) && !isStaleNaN(a?.values[1] as number)).toBe(true);
    expect(isStaleNaN(a?.values[2] as number)).toBe(true);
    expect(a?.values[3]).toBe(Infinity);
    expect(Object.is(a?.values[4], -0)).toBe(true);
    expect(b?.values[0]).toBe(-Infinity);
    expect(sampleCount(back)).toBe(6);
  });

  it('refuses what it did not write', () => {
    expect(() => decodeMetricBatchJson('[]')).toThrow(TypeError);
    expect(() => decodeMetricBatchJson('{"n":"a","r":1,"i":"x","s":[["t","gauge","",{},[1],[]]]}')).toThrow(/mismatched/);
    expect(() => decodeMetricBatchJson('{"n":"a","r":1,"i":"x","s":[["t","bogus","",{},[],[]]]}')).toThrow(/malformed/);
    expect(() => decodeMetricBatchJson('{"n":"a","r":1,"i":"x","s":[["t","gauge","",{},[1],["?"]]]}')).toThrow(/bad value/);
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

  it('keeps the staleness marker through a merge of overlapping runs', () => {
    const a = Float64Array.of(0, 0, 5);
    setStaleNaN(a, 0);
    const b = Float64Array.of(2, 0);
    setStaleNaN(b, 1);
    const out = mergeRuns([{ timestamps: Float64Array.of(1, 3, 5), values: a }, { timestamps: Float64Array.of(2, 4), values: b }], 0, 10);
    expect(Array.from(out.timestamps)).toEqual([1, 2, 3, 4, 5]);
    expect([0, 1, 2, 3, 4].map((i) => (isStaleNaN(out.values[i] as number) ? 'stale' : out.values[i]))).toEqual(['stale', 2, 0, 'stale', 5]);
  });
});
