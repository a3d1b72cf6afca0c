import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createIdGenerator, derivedId, idTime } from './ids.js';

describe('ids', () => {
  it('are 26 Crockford base32 chars carrying their millisecond', () => {
    const id = createIdGenerator().next(1_700_000_000_123);
    expect(id).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(idTime(id)).toBe(1_700_000_000_123);
  });

  it('strictly increase within one generator, even in one millisecond or when time steps back', () => {
    const g = createIdGenerator();
    const ids = [g.next(1000), g.next(1000), g.next(1000), g.next(999), g.next(1001), g.next(1001)];
    for (let i = 1; i < ids.length; i++) expect((ids[i] as string) > (ids[i - 1] as string)).toBe(true);
    expect(idTime(ids[3] as string)).toBe(1000);
  });

  it('sort by time as strings', () => {
    const g = createIdGenerator();
    expect(g.next(2_000_000_000_000) > createIdGenerator().next(1_999_999_999_999)).toBe(true);
  });

  it('spell the time and the 80 bits in Crockford base32, most significant bit first', () => {
    // Reference: the bits one at a time.
    const spell = (ms: number, bytes: Uint8Array): string => {
      const bits = ms.toString(2).padStart(50, '0') + [...bytes].map((b) => b.toString(2).padStart(8, '0')).join('');
      return Array.from({ length: 26 }, (_, i) => '0123456789ABCDEFGHJKMNPQRSTVWXYZ'[parseInt(bits.slice(i * 5, i * 5 + 5), 2)]).join('');
    };
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 48 - 1 }), fc.string({ maxLength: 20 }), (ms, part) => {
        const id = derivedId(ms, part);
        expect(idTime(id)).toBe(ms);
        // The random part of a derived id is the first 10 bytes of the hash of its parts.
        const h = createHash('sha256').update(part).update('\u0000').digest().subarray(0, 10);
        expect(id).toBe(spell(ms, h));
      }),
      { numRuns: 300 },
    );
  });

  it('derive the same id from the same parts, and another from other parts', () => {
    expect(derivedId(5, 'acme', 'c1')).toBe(derivedId(5, 'acme', 'c1'));
    expect(derivedId(5, 'acme', 'c1')).not.toBe(derivedId(5, 'other', 'c1'));
    expect(derivedId(5, 'a', 'bc')).not.toBe(derivedId(5, 'ab', 'c'));
    expect(idTime(derivedId(123456, 'x'))).toBe(123456);
  });
});
