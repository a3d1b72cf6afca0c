import { describe, expect, it } from 'vitest';
import { defaultQuorum, quorumSummary, quorumVerdict } from './quorum.js';

const q = { locations: ['eu', 'us', 'ap'], quorum: 2, failures: 1, staleMs: 150_000, now: 1_000_000 };
const r = (fails: number, at = 1_000_000, error = 'timeout') => ({ fails, at, error });

describe('quorum', () => {
  it('three locations where one disagrees: down only when two of three fail', () => {
    expect(quorumVerdict({ eu: r(1), us: r(0), ap: r(0) }, q)).toEqual({ down: false, failing: ['eu'], passing: ['us', 'ap'], silent: [] });
    expect(quorumVerdict({ eu: r(1), us: r(1), ap: r(0) }, q)).toMatchObject({ down: true, failing: ['eu', 'us'] });
  });

  it('a location needs `failures` consecutive failures to count', () => {
    expect(quorumVerdict({ eu: r(1), us: r(1), ap: r(0) }, { ...q, failures: 2 }).down).toBe(false);
    expect(quorumVerdict({ eu: r(2), us: r(3), ap: r(0) }, { ...q, failures: 2 }).down).toBe(true);
  });

  it('silent and stale locations have no vote; results from unnamed locations are ignored', () => {
    const v = quorumVerdict({ eu: r(1), us: r(1, 1_000_000 - 150_001), mars: r(5) }, q);
    expect(v).toEqual({ down: false, failing: ['eu'], passing: [], silent: ['us', 'ap'] });
  });

  it('defaults to a majority and names the failing locations', () => {
    expect([1, 2, 3, 4, 5].map(defaultQuorum)).toEqual([1, 2, 2, 3, 3]);
    const results = { eu: r(1, 0, 'connection refused'), us: r(1, 0, 'timeout'), ap: r(0) };
    expect(quorumSummary(quorumVerdict(results, { ...q, now: 0 }), results, 3)).toBe('check failed at 2 of 3 locations (eu: connection refused; us: timeout)');
  });
});
