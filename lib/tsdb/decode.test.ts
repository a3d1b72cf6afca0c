import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { STALE_NAN, setStaleNaN } from '../promql/querier.js';
import { decodeChunk, decodeChunkInto, encodeChunk } from './chunk.js';
import { decodeSeriesRuns } from './decode.js';
import { mergeRuns } from './merge.js';
import { encodeRun } from './run.js';

/**
 * The float64 bits of every element, read from the array's bytes (a JavaScript number on the way may lose a NaN
 * payload), with the staleness marker named whatever V8 did to its quiet bit.
 */
function bits(a: Float64Array): string[] {
  const w = new Uint32Array(a.buffer, a.byteOffset, a.length * 2);
  return Array.from({ length: a.length }, (_, i) => {
    const lo = w[2 * i] as number;
    const hi = w[2 * i + 1] as number;
    return (hi | 0x00080000) === 0x7ff80000 && lo === 2 ? 'stale' : hi.toString(16).padStart(8, '0') + lo.toString(16).padStart(8, '0');
  });
}

/** A series' samples cut into consecutive pieces: the first `chunked` pieces as chunks, the rest as head runs. */
const seriesArb = fc
  .tuple(
    fc.array(fc.integer({ min: 1, max: 40_000 }), { minLength: 1, maxLength: 400 }),
    fc.array(fc.oneof(fc.integer({ min: -1000, max: 1e6 }), fc.double(), fc.constantFrom('stale', NaN, -0, Infinity)), { minLength: 400, maxLength: 400 }),
    fc.array(fc.integer({ min: 1, max: 120 }), { minLength: 1, maxLength: 8 }),
    fc.nat(8),
  )
  .map(([gaps, pool, sizes, chunked]) => {
    const ts: number[] = [];
    let t = 1_767_225_600_000;
    for (const g of gaps) ts.push((t += g));
    const vs = new Float64Array(ts.length);
    ts.forEach((_, i) => {
      const v = pool[i] as number | 'stale';
      if (v === 'stale') setStaleNaN(vs, i);
      else vs[i] = v;
    });
    const pieces: [number, number][] = [];
    for (let from = 0, k = 0; from < ts.length; k++) {
      const to = Math.min(ts.length, from + (sizes[k % sizes.length] as number));
      pieces.push([from, to]);
      from = to;
    }
    return { ts, vs, pieces, chunked: Math.min(chunked, pieces.length) };
  });

describe('decodeSeriesRuns', () => {
  it('gives the samples mergeRuns gives of separately decoded chunks and runs, as views of one buffer, property', () => {
    fc.assert(
      fc.property(seriesArb, fc.integer({ min: -50_000, max: 4_000_000 }), fc.integer({ min: 0, max: 4_000_000 }), ({ ts, vs, pieces, chunked }, from, span) => {
        const chunks = pieces.slice(0, chunked).map(([a, b]) => encodeChunk(ts.slice(a, b), vs.subarray(a, b)));
        const heads = pieces.slice(chunked).map(([a, b]) => encodeRun(ts.slice(a, b), vs.subarray(a, b)));
        const start = (ts[0] as number) + from;
        const end = start + span;
        const runs = decodeSeriesRuns(chunks, heads);
        const got = mergeRuns(runs, start, end);
        // The copying path of mergeRuns, over the same runs as separate buffers.
        const separate = mergeRuns(
          runs.map((r) => ({ timestamps: Float64Array.from(r.timestamps), values: (r.values as Float64Array).slice() })),
          start,
          end,
        );
        expect(Array.from(got.timestamps)).toEqual(Array.from(separate.timestamps));
        expect(bits(got.values)).toEqual(bits(separate.values));
        const lo = ts.findIndex((t) => t >= start);
        const hi = lo < 0 ? lo : ts.findIndex((t) => t > end);
        const want = lo < 0 ? [] : [lo, hi < 0 ? ts.length : hi];
        expect(Array.from(got.timestamps)).toEqual(lo < 0 ? [] : ts.slice(want[0], want[1]));
        expect(bits(got.values)).toEqual(lo < 0 ? [] : bits(vs.subarray(want[0], want[1])));
        if (runs.length > 0) expect(got.timestamps.buffer).toBe(runs[0]?.timestamps instanceof Float64Array ? runs[0].timestamps.buffer : undefined);
      }),
      { numRuns: 200 },
    );
  });

  it('keeps chunks and runs that overlap in time apart, for mergeRuns to merge (the first stored wins a tie)', () => {
    const runs = decodeSeriesRuns([encodeChunk([1, 3, 5], [10, 30, 50])], [encodeRun([2, 3, 6], [20, 99, 60])]);
    expect(runs).toHaveLength(2);
    expect(mergeRuns(runs, 2, 5)).toEqual({ timestamps: Float64Array.of(2, 3, 5), values: Float64Array.of(20, 30, 50) });
    expect(decodeSeriesRuns([encodeChunk([1, 3], [1, 3]), encodeChunk([4, 5], [4, 5])], [encodeRun([6], [6])])).toHaveLength(1);
    expect(decodeSeriesRuns([], [])).toEqual([]);
  });

  it('decodes a chunk at an offset without touching the samples around it', () => {
    const chunk = encodeChunk([10, 20, 31], [1.5, STALE_NAN, 3]);
    const ts = new Float64Array(6).fill(-1);
    const vs = new Float64Array(6).fill(-1);
    expect(decodeChunkInto(chunk, ts, vs, 2)).toBe(3);
    expect(Array.from(ts)).toEqual([-1, -1, 10, 20, 31, -1]);
    expect(bits(vs)).toEqual(bits(Float64Array.of(-1, -1, 1.5, 0, 3, -1)).map((b, i) => (i === 3 ? 'stale' : b)));
    expect(() => decodeChunkInto(chunk, ts, vs, 4)).toThrow(/no room/);
  });

  it('refuses truncated chunks whatever their encoding', () => {
    for (const vs of [[1.1, 2.2, 3.3, 4.4], [1, 5, 9, 100_000]]) {
      const bytes = encodeChunk([1000, 16_000, 31_000, 47_000], vs);
      expect(decodeChunk(bytes).timestamps.length).toBe(4);
      for (let cut = 2; cut < bytes.length; cut++) expect(() => decodeChunk(bytes.slice(0, cut))).toThrow();
    }
  });
});
