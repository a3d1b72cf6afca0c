import { describe, expect, it } from 'vitest';
import { isStaleNaN, STALE_NAN } from '../promql/querier.js';
import { decodeRun, encodeRun } from './run.js';

describe('head runs', () => {
  it('round-trips samples with every special value bit-exact, from arrays and typed arrays', () => {
    const ts = [1_700_000_000_000, 1_700_000_000_015, 1_700_000_000_030, 1_700_000_000_045, 1_700_000_000_060];
    const vs = [1.5, NaN, STALE_NAN, -0, -Infinity];
    for (const [t, v] of [[ts, vs], [Float64Array.from(ts), Float64Array.from(vs)]] as const) {
      const run = decodeRun(encodeRun(t, v));
      expect(Array.from(run.timestamps)).toEqual(ts);
      expect(run.values[0]).toBe(1.5);
      expect(Number.isNaN(run.values[1]) && !isStaleNaN(run.values[1] as number)).toBe(true);
      expect(isStaleNaN(run.values[2] as number)).toBe(true);
      expect(Object.is(run.values[3], -0)).toBe(true);
      expect(run.values[4]).toBe(-Infinity);
    }
  });

  it('reads a run from an unaligned buffer, and refuses one of partial samples', () => {
    const data = encodeRun([5], [7]);
    const shifted = Buffer.alloc(data.length + 3);
    data.copy(shifted, 3);
    const run = decodeRun(shifted.subarray(3));
    expect([run.timestamps[0], run.values[0]]).toEqual([5, 7]);
    expect(() => decodeRun(data.subarray(0, 15))).toThrow(/whole samples/);
    expect(() => encodeRun([1, 2], [1])).toThrow(RangeError);
  });
});
