// partitionOf is a contract with stored data: the same (tenant, target) must land on the same partition in
// every process and version.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { partitionOf } from './partition.js';

/** FNV-1a 32-bit over `tenant \0 target`, written the obvious way. */
function reference(tenant: string, target: string, partitions: number): number {
  let h = 0x811c9dc5;
  const s = `${tenant}\u0000${target}`;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % partitions;
}

describe('partitionOf', () => {
  it('keeps the partitions of existing data', () => {
    expect(partitionOf('acme', 'web-1', 16)).toBe(7);
    expect(partitionOf('bench', 'svc-7', 16)).toBe(15);
    expect(partitionOf('', '', 1024)).toBe(287);
    expect(partitionOf('t', 'é😀', 1024)).toBe(437);
  });

  it('is FNV-1a of tenant, NUL, target', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 40 }), fc.string({ unit: 'binary', maxLength: 40 }), fc.integer({ min: 1, max: 1024 }), (tenant, target, p) => {
        expect(partitionOf(tenant, target, p)).toBe(reference(tenant, target, p));
      }),
      { numRuns: 1000 },
    );
  });
});
