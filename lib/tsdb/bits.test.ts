import { describe, expect, it } from 'vitest';
import { BitReader, BitWriter, TruncatedError } from './bits.js';

/** Deterministic widths and values, so a failure reproduces. */
function lcg(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648;
  };
}

describe('BitReader', () => {
  it('reads back every width written at every bit offset', () => {
    const rnd = lcg(7);
    const w = new BitWriter();
    const written: [number, number][] = [];
    for (let i = 0; i < 5000; i++) {
      const n = 1 + Math.floor(rnd() * 32);
      const v = Math.floor(rnd() * 2 ** n);
      w.write(v, n);
      written.push([v, n]);
    }
    const r = new BitReader(w.finish());
    for (const [v, n] of written) expect(r.read(n)).toBe(v);
  });

  it('readOnes counts set bits up to a maximum and consumes the zero that ends them', () => {
    const w = new BitWriter();
    // 110 | 11111 | 0 | 1110 then the tail: 11 (two ones at the very end).
    for (const [v, n] of [[0b110, 3], [0b11111, 5], [0, 1], [0b1110, 4], [0b11, 2]] as const) w.write(v, n);
    const bytes = w.finish();
    const r = new BitReader(bytes);
    expect(r.readOnes(5)).toBe(2);
    expect(r.readOnes(5)).toBe(5);
    expect(r.readOnes(5)).toBe(0);
    expect(r.readOnes(5)).toBe(3);
    // 15 bits used of 16: two ones then the padding zero, counted bit by bit this close to the end.
    expect(r.readOnes(5)).toBe(2);
  });

  it('throws TruncatedError past the end, also when counting ones', () => {
    const r = new BitReader(Uint8Array.of(0xff));
    expect(r.read(6)).toBe(0b111111);
    expect(() => r.readOnes(5)).toThrow(TruncatedError);
    expect(() => new BitReader(Uint8Array.of(1, 2)).read(17)).toThrow(TruncatedError);
  });
});
