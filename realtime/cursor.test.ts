// Cursor vectors: exact round trips, ordering operations, and rejection of anything not issued by a server.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CursorError, MAX_ID_MS, Vector, WHOLE, decodeVector, encodeVector, lowerTo, parseStreamId } from './cursor.js';

const position = fc.record({
  ms: fc.oneof(fc.constant(0), fc.integer({ min: 1_600_000_000_000, max: 2_000_000_000_000 }), fc.integer({ min: 0, max: MAX_ID_MS - 1 })),
  seq: fc.oneof(fc.nat(20), fc.maxSafeNat()),
  idx: fc.oneof(fc.constant(WHOLE), fc.integer({ min: 1, max: 100_000 })),
});

const vector = (size: number): fc.Arbitrary<Vector> =>
  fc.array(position, { minLength: size, maxLength: size }).map((ps) => {
    const v = new Vector(size);
    ps.forEach((p, i) => v.set(i, p.ms, p.seq, p.idx));
    return v;
  });

const same = (a: Vector, b: Vector): boolean =>
  a.size === b.size && [...a.ms].every((x, i) => x === b.ms[i]) && [...a.seq].every((x, i) => x === b.seq[i]) && [...a.idx].every((x, i) => x === b.idx[i]);

describe('cursor encoding', () => {
  it('round-trips any vector exactly, as base64url', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }).chain((n) => vector(n)), (v) => {
        const text = encodeVector(v);
        expect(text).toMatch(/^[A-Za-z0-9_-]+$/);
        expect(same(decodeVector(text, v.size), v)).toBe(true);
      }),
    );
  });

  it('is compact for 16 busy partitions plus incidents', () => {
    const v = new Vector(17);
    const base = 1_795_000_000_000;
    for (let p = 0; p < 17; p++) v.set(p, base + p * 37, p % 3, p % 2 === 0 ? WHOLE : 12);
    expect(encodeVector(v).length).toBeLessThan(110);
  });

  it.each([
    ['', /empty/],
    ['not base64!', /not a cursor/],
    ['x'.repeat(9000), /not a cursor/],
    [Buffer.from([2, 1, 0, 0, 0]).toString('base64url'), /version/],
    [Buffer.from([1, 3, 0, 0, 0]).toString('base64url'), /covers 3 streams, this deployment has 2/],
    [Buffer.from([1, 2, 0, 0]).toString('base64url'), /truncated/],
    [Buffer.from([1, 2, 0, 0, 0, 0, 0, 0, 9]).toString('base64url'), /trailing/],
    [Buffer.from([1, 2, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f]).toString('base64url'), /out-of-range/],
    [Buffer.from([1, 2, 1, 0, 0, 0, 0, 0]).toString('base64url'), /invalid stream id/],
  ])('rejects %j', (text, message) => {
    expect(() => decodeVector(text, 2)).toThrow(CursorError);
    expect(() => decodeVector(text, 2)).toThrow(message);
  });

  it('never throws anything but CursorError on arbitrary text', () => {
    fc.assert(
      fc.property(fc.string(), (s) => {
        try {
          decodeVector(s, 17);
        } catch (err) {
          expect(err).toBeInstanceOf(CursorError);
        }
      }),
    );
  });
});

describe('vector order', () => {
  it('orders positions by entry id, then events passed, WHOLE last', () => {
    const v = new Vector(1);
    v.set(0, 10, 1, 3);
    expect(v.compareAt(0, 10, 1, 4)).toBeGreaterThan(0);
    expect(v.compareAt(0, 10, 1, WHOLE)).toBeGreaterThan(0);
    expect(v.compareAt(0, 10, 1, 3)).toBe(0);
    expect(v.compareAt(0, 10, 0, WHOLE)).toBeLessThan(0);
    expect(v.compareAt(0, 11, 0, 1)).toBeGreaterThan(0);
  });

  it('covers, raiseTo and lowerTo agree with the position order', () => {
    fc.assert(
      fc.property(vector(5), vector(5), (a, b) => {
        const hi = a.clone();
        hi.raiseTo(b);
        const lo = a.clone();
        lowerTo(lo, b);
        expect(hi.covers(a) && hi.covers(b)).toBe(true);
        expect(a.covers(lo) && b.covers(lo)).toBe(true);
        for (let p = 0; p < 5; p++) {
          const max = a.compareAt(p, b.ms[p] as number, b.seq[p] as number, b.idx[p] as number) > 0 ? b : a;
          expect(hi.compareAt(p, max.ms[p] as number, max.seq[p] as number, max.idx[p] as number)).toBe(0);
        }
        const aCoversB = [0, 1, 2, 3, 4].every((p) => a.compareAt(p, b.ms[p] as number, b.seq[p] as number, b.idx[p] as number) <= 0);
        expect(a.covers(b)).toBe(aCoversB);
      }),
    );
  });

  it('covers is false when any single position is behind', () => {
    const live = new Vector(3);
    const floor = new Vector(3);
    floor.set(1, 5, 0, WHOLE);
    expect(live.covers(floor)).toBe(false);
    expect(floor.covers(live)).toBe(true);
    live.set(1, 5, 0, 2);
    expect(live.covers(floor)).toBe(false);
    live.set(1, 5, 0, WHOLE);
    expect(live.covers(floor)).toBe(true);
  });
});

describe('stream ids', () => {
  it('parses ms-seq and rejects anything else', () => {
    expect(parseStreamId('1795376859912-7')).toEqual([1795376859912, 7]);
    expect(parseStreamId('0-0')).toEqual([0, 0]);
    expect(() => parseStreamId('abc-1')).toThrow(CursorError);
    expect(() => parseStreamId('-1-2')).toThrow(CursorError);
    expect(() => parseStreamId('99999999999999999999-0')).toThrow(CursorError);
    expect(() => parseStreamId(`${MAX_ID_MS}-0`)).toThrow(CursorError);
  });
});
