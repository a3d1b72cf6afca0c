import { describe, expect, it } from 'vitest';
import { perMinute, perSecond, TokenBucket, TokenBuckets } from './token-bucket.js';

describe('TokenBucket', () => {
  it('allows a burst, then refills continuously with time', () => {
    let now = 0;
    const b = new TokenBucket(perSecond(3), () => now);
    expect([b.tryTake(), b.tryTake(), b.tryTake(), b.tryTake()]).toEqual([true, true, true, false]);
    expect(b.take()).toBe(334);
    now += 334;
    expect([b.tryTake(), b.tryTake()]).toEqual([true, false]);
    now += 10_000;
    expect([b.tryTake(), b.tryTake(), b.tryTake(), b.tryTake()]).toEqual([true, true, true, false]);
  });

  it('is unlimited at a rate of 0, and a clock going back does not mint tokens', () => {
    let now = 1000;
    expect(new TokenBucket(perSecond(0), () => now).take()).toBe(0);
    const b = new TokenBucket({ perSecond: 1, burst: 1 }, () => now);
    expect(b.take()).toBe(0);
    now = 0;
    expect(b.take()).toBe(1000);
    now = 1000;
    expect(b.take()).toBe(1000);
    now = 2000;
    expect(b.take()).toBe(0);
  });
});

describe('TokenBuckets', () => {
  it('keeps one bucket per key with the rate each take names', () => {
    let now = 0;
    const bs = new TokenBuckets({ now: () => now });
    expect([0, 1, 2].map(() => bs.take('c', perMinute(3)))).toEqual([0, 0, 0]);
    expect(bs.take('c', perMinute(3))).toBe(20_000);
    expect(bs.take('d', perMinute(3))).toBe(0);
    now = 20_000;
    expect(bs.take('c', perMinute(3))).toBe(0);
    expect(bs.take('other', perMinute(0))).toBe(0);
    expect(bs.size).toBe(2);
    bs.delete('c');
    expect(bs.size).toBe(1);
  });

  it('wait tells how long until a token without taking one', () => {
    let now = 0;
    const rate = { perSecond: 1, burst: 2 };
    const bs = new TokenBuckets({ now: () => now });
    expect(bs.wait('a', rate)).toBe(0);
    expect(bs.size).toBe(0);
    bs.take('a', rate);
    bs.take('a', rate);
    expect(bs.wait('a', rate)).toBe(1000);
    expect(bs.wait('a', rate)).toBe(1000);
    now = 400;
    expect(bs.wait('a', rate)).toBe(600);
    now = 1000;
    expect(bs.wait('a', rate)).toBe(0);
    expect(bs.take('a', rate)).toBe(0);
  });

  it('past maxKeys forgets refilled buckets first, then the oldest', () => {
    let now = 0;
    const rate = { perSecond: 1, burst: 2 };
    const bs = new TokenBuckets<string>({ now: () => now, maxKeys: 2 });
    bs.take('a', rate);
    bs.take('a', rate);
    bs.take('b', rate);
    now = 1500; // b refilled (1 + 1.5 ≥ 2), a not (0 + 1.5)
    bs.take('c', rate);
    expect(bs.size).toBe(2);
    expect(bs.take('a', rate)).toBe(0); // a kept: its half token plus 1.5 s
    expect(bs.take('a', rate)).toBe(500);
    bs.take('d', rate); // nothing refilled: the oldest (a) goes
    expect(bs.size).toBe(2);
    expect(bs.take('a', rate)).toBe(0);
  });
});
