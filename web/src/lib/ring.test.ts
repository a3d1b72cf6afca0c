// The live tail's bounded buffer: keeps the newest items in order, counts everything received.
import { describe, expect, it } from 'vitest';
import { Ring } from './ring.js';

describe('Ring', () => {
  it('keeps the newest `capacity` items oldest first', () => {
    const r = new Ring<number>(3);
    r.pushAll([1, 2]);
    expect(r.toArray()).toEqual([1, 2]);
    r.push(3);
    r.push(4);
    expect(r.toArray()).toEqual([2, 3, 4]);
    expect(r.at(0)).toBe(2);
    expect(r.at(3)).toBeUndefined();
    expect(r.total).toBe(4);
  });

  it('takes a batch larger than its capacity without growing', () => {
    const r = new Ring<number>(1000);
    r.pushAll(Array.from({ length: 50_000 }, (_, i) => i));
    expect(r.size).toBe(1000);
    expect(r.at(0)).toBe(49_000);
    expect(r.at(999)).toBe(49_999);
    expect(r.total).toBe(50_000);
    r.clear();
    expect(r.size).toBe(0);
    expect(r.total).toBe(0);
  });
});
