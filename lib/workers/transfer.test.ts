import { describe, expect, it } from 'vitest';
import { exclusiveBuffers } from './transfer.js';

describe('exclusiveBuffers', () => {
  it('names a buffer its views cover completely, once, whatever their order or overlap', () => {
    const whole = Buffer.allocUnsafeSlow(100);
    const views = [whole.subarray(40, 100), whole.subarray(0, 30), whole.subarray(20, 40)];
    expect(exclusiveBuffers(views)).toEqual([whole.buffer]);
    expect(exclusiveBuffers([new Uint8Array(8)])).toHaveLength(1);
  });

  it('leaves out a buffer with bytes no view holds: a gap, a missing tail, or a slab of the Buffer pool', () => {
    const whole = Buffer.allocUnsafeSlow(100);
    expect(exclusiveBuffers([whole.subarray(0, 40), whole.subarray(41, 100)])).toEqual([]);
    expect(exclusiveBuffers([whole.subarray(0, 99)])).toEqual([]);
    const pooled = Buffer.from('small');
    expect(pooled.buffer.byteLength).toBeGreaterThan(pooled.length);
    expect(exclusiveBuffers([pooled])).toEqual([]);
    expect(exclusiveBuffers([new Uint8Array(new SharedArrayBuffer(8))])).toEqual([]);
  });
});
