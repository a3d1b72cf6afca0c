import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { LightwatchError } from '../errors/errors.js';
import { canonicalJson, decodeCursor, encodeCursor, fingerprint } from './cursor.js';

function refusal(fn: () => unknown): LightwatchError {
  try {
    fn();
  } catch (err) {
    return err as LightwatchError;
  }
  throw new Error('expected a refusal');
}

describe('cursor', () => {
  it('round-trips any position for the same order and filter', () => {
    fc.assert(
      fc.property(fc.integer({ min: -(2 ** 52), max: 2 ** 52 }), fc.string({ minLength: 1, maxLength: 64 }), fc.constantFrom('asc' as const, 'desc' as const), (ts, id, order) => {
        const filter = fingerprint({ tenant: 't', kind: 'log' });
        const token = encodeCursor({ ts, id, order, filter });
        expect(token).toMatch(/^[A-Za-z0-9_-]+$/);
        expect(decodeCursor(token, { order, filter })).toEqual({ ts, id });
      }),
    );
  });

  it('refuses a cursor of another order or filter with bad_cursor', () => {
    const filter = fingerprint({ tenant: 't', kind: 'log' });
    const token = encodeCursor({ ts: 1, id: 'a', order: 'desc', filter });
    const order = refusal(() => decodeCursor(token, { order: 'asc', filter }));
    expect([order.code, order.reason, order.httpStatus]).toEqual(['bad_request', 'bad_cursor', 400]);
    expect(order.message).toContain('sort order');
    const other = refusal(() => decodeCursor(token, { order: 'desc', filter: fingerprint({ tenant: 't', kind: 'metric' }) }));
    expect(other.reason).toBe('bad_cursor');
    expect(other.details).toEqual([{ at: 'cursor', message: 'it was issued for a different filter' }]);
  });

  it('refuses garbage of every shape with bad_cursor, never another error', () => {
    const expected = { order: 'desc' as const, filter: fingerprint({}) };
    const b64 = (s: string) => Buffer.from(s).toString('base64url');
    const samples = [
      '',
      '!!!',
      'a'.repeat(2000),
      b64('not json'),
      b64('{}'),
      b64('[1,2,3]'),
      b64(`[2,1,"a","d","${expected.filter}"]`),
      b64(`[1,1.5,"a","d","${expected.filter}"]`),
      b64(`[1,"1","a","d","${expected.filter}"]`),
      b64(`[1,1,"","d","${expected.filter}"]`),
      b64(`[1,1,5,"d","${expected.filter}"]`),
      b64(`[1,1,"a","x","${expected.filter}"]`),
      b64(`[1,1,"${'x'.repeat(300)}","d","${expected.filter}"]`),
      b64('null'),
    ];
    for (const s of samples) expect(refusal(() => decodeCursor(s, expected)).reason).toBe('bad_cursor');
    fc.assert(
      fc.property(fc.string(), (s) => {
        try {
          decodeCursor(s, expected);
        } catch (err) {
          expect((err as LightwatchError).reason).toBe('bad_cursor');
        }
      }),
    );
  });

  it('fingerprints filters independently of key order and undefined fields', () => {
    expect(fingerprint({ a: 1, b: { y: 2, x: [1, 'z'] } })).toBe(fingerprint({ b: { x: [1, 'z'], y: 2 }, a: 1, c: undefined }));
    expect(fingerprint({ a: 1 })).not.toBe(fingerprint({ a: '1' }));
    expect(fingerprint({ labels: [['env', 'prod']] })).not.toBe(fingerprint({ labels: [['env', 'dev']] }));
    expect(canonicalJson({ b: 1, a: [true, null] })).toBe('{"a":[true,null],"b":1}');
    expect(fingerprint({})).toMatch(/^[0-9a-f]{16}$/);
  });
});
