import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { STALE_NAN, isStaleNaN } from '../promql/querier.js';
import { BitReader, BitWriter } from './bits.js';
import { chunkLength, decodeChunk, encodeChunk, encodeChunkWith, ENCODING_INT_DELTA, ENCODING_INT_DOD, ENCODING_XOR } from './chunk.js';

const f64 = new Float64Array(1);
const u8 = new Uint8Array(f64.buffer);
/** The float64 bits, with the staleness marker named (V8 may set its quiet bit in a typed array). */
function bitsOf(v: number): string {
  if (isStaleNaN(v)) return 'stale';
  f64[0] = v;
  return Buffer.from(u8).toString('hex');
}

/** Ascending distinct timestamps from a start and positive gaps. */
const timestampsArb = fc
  .tuple(fc.integer({ min: -1e12, max: 4e12 }), fc.array(fc.oneof(fc.integer({ min: 1, max: 100 }), fc.integer({ min: 14_990, max: 15_010 }), fc.integer({ min: 1, max: 2 ** 40 })), { maxLength: 300 }))
  .map(([start, gaps]) => {
    const ts = [start];
    for (const g of gaps) ts.push((ts[ts.length - 1] as number) + g);
    return ts;
  });

const anyDouble = fc.oneof(fc.double(), fc.integer(), fc.constantFrom(NaN, STALE_NAN, Infinity, -Infinity, -0, 0, Number.MAX_VALUE, Number.MIN_VALUE, 2 ** 50, -(2 ** 50), 2 ** 50 + 1));

function expectSame(ts: number[], vs: number[]): void {
  const bytes = encodeChunk(ts, vs);
  const out = decodeChunk(bytes);
  expect(chunkLength(bytes)).toBe(ts.length);
  expect(Array.from(out.timestamps)).toEqual(ts);
  expect(Array.from(out.values, bitsOf)).toEqual(vs.map(bitsOf));
}

describe('bits', () => {
  it('reads back every width and varint', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 1, max: 32 }), fc.nat()), { maxLength: 100 }), fc.array(fc.integer({ min: -(2 ** 52), max: 2 ** 52 }), { maxLength: 20 }), (fields, varints) => {
        const w = new BitWriter(1);
        for (const [n, v] of fields) w.write(v, n);
        for (const v of varints) w.writeVarint(v);
        const r = new BitReader(w.finish());
        for (const [n, v] of fields) expect(r.read(n)).toBe(n === 32 ? v >>> 0 : v % 2 ** n);
        for (const v of varints) expect(r.readVarint()).toBe(v);
      }),
    );
  });

  it('throws on reading past the end', () => {
    const w = new BitWriter();
    w.write(5, 3);
    const r = new BitReader(w.finish());
    r.read(8);
    expect(() => r.read(1)).toThrow(/ends early/);
  });
});

describe('chunk', () => {
  it('round-trips any doubles bit-exactly (XOR), property', () => {
    fc.assert(
      fc.property(timestampsArb.chain((ts) => fc.tuple(fc.constant(ts), fc.array(anyDouble, { minLength: ts.length, maxLength: ts.length }))), ([ts, vs]) => {
        expectSame(ts, vs);
        const xor = decodeChunk(encodeChunkWith(ENCODING_XOR, ts, vs));
        expect(Array.from(xor.values, bitsOf)).toEqual(vs.map(bitsOf));
      }),
      { numRuns: 300 },
    );
  });

  it('round-trips integer series in every encoding, property', () => {
    const ints = fc.integer({ min: -(2 ** 50), max: 2 ** 50 });
    fc.assert(
      fc.property(timestampsArb.chain((ts) => fc.tuple(fc.constant(ts), fc.array(fc.oneof(ints, fc.integer({ min: -3, max: 3 })), { minLength: ts.length, maxLength: ts.length }))), ([ts, vs]) => {
        expectSame(ts, vs);
        for (const enc of [ENCODING_XOR, ENCODING_INT_DOD, ENCODING_INT_DELTA] as const) {
          const out = decodeChunk(encodeChunkWith(enc, ts, vs));
          expect(Array.from(out.timestamps)).toEqual(ts);
          expect(Array.from(out.values)).toEqual(vs);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('keeps the staleness marker distinct from other NaNs, ±Inf and -0', () => {
    const ts = [1000, 16_000, 31_003, 45_998, 61_000, 76_000, 91_000];
    const vs = [1.5, STALE_NAN, NaN, Infinity, -Infinity, -0, 0];
    const out = decodeChunk(encodeChunk(ts, vs));
    expect(isStaleNaN(out.values[1] as number)).toBe(true);
    // Stored with Prometheus's exact bits, whatever V8 did to the quiet bit on the way in.
    const raw = encodeChunkWith(ENCODING_XOR, [1], [STALE_NAN]);
    expect(Buffer.from(raw.subarray(raw.length - 8)).toString('hex')).toBe('7ff0000000000002');
    expect(Number.isNaN(out.values[2] as number) && !isStaleNaN(out.values[2] as number)).toBe(true);
    expect(out.values[3]).toBe(Infinity);
    expect(out.values[4]).toBe(-Infinity);
    expect(Object.is(out.values[5], -0)).toBe(true);
    expect(Object.is(out.values[6], 0)).toBe(true);
  });

  it('round-trips empty and single-sample chunks', () => {
    expectSame([], []);
    expectSame([42], [STALE_NAN]);
    expectSame([-5], [-0]);
  });

  it('codes scrape jitter and steady counters in few bits', () => {
    const ts: number[] = [];
    const vs: number[] = [];
    let t = 1_700_000_000_000;
    for (let i = 0; i < 120; i++) {
      t += 15_000 + ((i * 7919) % 7) - 3;
      ts.push(t);
      vs.push(1000 + i * 37 + (i % 3));
    }
    const bytes = encodeChunk(ts, vs);
    expect(bytes[0]).not.toBe(ENCODING_XOR);
    expect(bytes.length / 120).toBeLessThan(2.5);
    expectSame(ts, vs);
  });

  it('refuses corrupt input with an error, not garbage', () => {
    expect(() => decodeChunk(new Uint8Array([]))).toThrow(/empty/);
    expect(() => decodeChunk(new Uint8Array([9, 1]))).toThrow(/unknown chunk encoding/);
    const bytes = encodeChunk([1, 2, 3, 4], [1.1, 2.2, 3.3, 4.4]);
    expect(() => decodeChunk(bytes.slice(0, bytes.length - 4))).toThrow();
    expect(() => encodeChunk([1, 2], [1])).toThrow(/length/);
  });
});
