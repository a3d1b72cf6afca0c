import { describe, expect, it } from 'vitest';
import { seriesKey } from './labels.js';

describe('seriesKey', () => {
  it('gives a frozen label set the key of its content, every time, and another frozen set its own', () => {
    const labels = Object.freeze({ job: 'node', __name__: 'up' });
    const key = seriesKey(labels);
    expect(key).toBe(seriesKey({ __name__: 'up', job: 'node' }));
    expect(seriesKey(labels)).toBe(key);
    expect(seriesKey(Object.freeze({ __name__: 'up', job: 'api' }))).not.toBe(key);
  });

  it('follows a label set that is not frozen when it changes', () => {
    const labels: Record<string, string> = { __name__: 'up', job: 'node' };
    const before = seriesKey(labels);
    labels.job = 'api';
    expect(seriesKey(labels)).not.toBe(before);
    expect(seriesKey(labels)).toBe(seriesKey({ job: 'api', __name__: 'up' }));
  });
});
