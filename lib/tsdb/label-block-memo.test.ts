import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createLabelBlockMemo } from './label-block-memo.js';

const viewOf = (b: Uint8Array): DataView => new DataView(b.buffer, b.byteOffset, b.byteLength);

describe('label block memo', () => {
  it('finds a block by its bytes wherever they lie, and only by exactly those bytes, property', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.uint8Array({ maxLength: 40 }), { minLength: 1, maxLength: 30, selector: (b) => Buffer.from(b).toString('hex') }), fc.nat(7), (blocks, shift) => {
        const memo = createLabelBlockMemo<number>();
        blocks.forEach((b, i) => {
          const at = new Uint8Array(b.length + 3);
          at.set(b, 3);
          memo.set(viewOf(at), 3, 3 + b.length, i);
        });
        blocks.forEach((b, i) => {
          // Another buffer, another offset: same bytes, same value.
          const copy = new Uint8Array(b.length + shift + 2);
          copy.set(b, shift);
          expect(memo.get(viewOf(copy), shift, shift + b.length)).toBe(i);
          // One byte more or less, or one byte changed: not that value.
          if (b.length > 0) expect(memo.get(viewOf(copy), shift, shift + b.length - 1)).not.toBe(i);
          expect(memo.get(viewOf(copy), shift, shift + b.length + 1)).not.toBe(i);
          if (b.length > 0) {
            copy[shift + b.length - 1] = ((copy[shift + b.length - 1] as number) + 1) & 0xff;
            expect(memo.get(viewOf(copy), shift, shift + b.length)).not.toBe(i);
          }
        });
      }),
    );
  });

  it('finds the right block whatever order lookups come in (each block predicts the one looked up after it), property', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.uint8Array({ maxLength: 12 }), { minLength: 1, maxLength: 8, selector: (b) => Buffer.from(b).toString('hex') }),
        fc.array(fc.nat(), { maxLength: 60 }),
        (blocks, order) => {
          const memo = createLabelBlockMemo<number>();
          blocks.forEach((b, i) => memo.set(viewOf(b), 0, b.length, i));
          // Cycled in one order then in another: a prediction learned from the first is wrong in the second.
          for (const k of [...blocks.keys(), ...order, ...blocks.keys(), ...order]) {
            const i = k % blocks.length;
            const b = blocks[i] as Uint8Array;
            expect(memo.get(viewOf(Buffer.from(b)), 0, b.length)).toBe(i);
          }
        },
      ),
    );
  });

  it('forgets everything when full, by entries or by bytes', () => {
    const memo = createLabelBlockMemo<string>(3, 1024);
    const block = (s: string): Uint8Array => new TextEncoder().encode(s);
    for (const s of ['a', 'b', 'c']) memo.set(viewOf(block(s)), 0, 1, s);
    expect(memo.size).toBe(3);
    memo.set(viewOf(block('d')), 0, 1, 'd');
    expect(memo.size).toBe(1);
    expect(memo.get(viewOf(block('a')), 0, 1)).toBeUndefined();
    expect(memo.get(viewOf(block('d')), 0, 1)).toBe('d');
    const big = new Uint8Array(600);
    memo.set(viewOf(big), 0, 600, 'big');
    big[0] = 1;
    memo.set(viewOf(big), 0, 600, 'big2');
    expect(memo.size).toBe(1);
    expect(memo.get(viewOf(big), 0, 600)).toBe('big2');
    // A block larger than the whole memo is not kept.
    memo.set(viewOf(new Uint8Array(2000)), 0, 2000, 'huge');
    expect(memo.get(viewOf(new Uint8Array(2000)), 0, 2000)).toBeUndefined();
  });
});
