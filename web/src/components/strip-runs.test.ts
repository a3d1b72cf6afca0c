// The strip's runs: consecutive segments of one level become one rect.
import { describe, expect, it } from 'vitest';
import { runs } from './Strip.js';

describe('strip runs', () => {
  it('merges consecutive levels and keeps every segment', () => {
    expect(runs(['up', 'up', 'down', 'up', 'none', 'none'])).toEqual([['up', 0, 2], ['down', 2, 1], ['up', 3, 1], ['none', 4, 2]]);
    expect(runs([])).toEqual([]);
    const levels = Array.from({ length: 90 }, (_, i) => (i % 7 === 0 ? 'minor' : 'up'));
    expect(runs(levels).reduce((n, [, , c]) => n + c, 0)).toBe(90);
  });
});
