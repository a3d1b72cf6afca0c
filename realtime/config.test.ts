// Config validation fails with the field and the expected form, before uWS could abort the process.
import { describe, expect, it } from 'vitest';
import { DEFAULT_REALTIME_CONFIG, validateRealtimeConfig } from './config.js';

const ok = { ...DEFAULT_REALTIME_CONFIG, replicaId: 'rt-1' };

describe('validateRealtimeConfig', () => {
  it('accepts the defaults, a zero grace period and idle timeouts of 0 and 8..960', () => {
    expect(validateRealtimeConfig(ok)).toEqual(ok);
    expect(validateRealtimeConfig({ ...ok, laggedGraceMs: 0, idleTimeoutSec: 0 }).laggedGraceMs).toBe(0);
    expect(validateRealtimeConfig({ ...ok, idleTimeoutSec: 8 }).idleTimeoutSec).toBe(8);
    expect(validateRealtimeConfig({ ...ok, idleTimeoutSec: 960 }).idleTimeoutSec).toBe(960);
    expect(validateRealtimeConfig({ ...ok, readLingerMs: 0 }).readLingerMs).toBe(0);
  });

  it.each([
    [{ replicaId: '' }, /replicaId/],
    [{ replicaId: 'a b' }, /replicaId/],
    [{ maxBufferBytes: 0 }, /maxBufferBytes must be a positive integer/],
    [{ maxConnections: 1.5 }, /maxConnections/],
    [{ laggedGraceMs: -1 }, /laggedGraceMs must be an integer >= 0/],
    [{ idleTimeoutSec: 7 }, /idleTimeoutSec must be 0 or an integer in 8..960/],
    [{ idleTimeoutSec: 3600 }, /idleTimeoutSec must be 0 or an integer in 8..960/],
    [{ readLingerMs: -1 }, /readLingerMs must be an integer in 0..1000/],
    [{ readLingerMs: 2.5 }, /readLingerMs/],
  ])('refuses %j', (over, message) => {
    expect(() => validateRealtimeConfig({ ...ok, ...over })).toThrow(message);
  });
});
