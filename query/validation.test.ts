// Body parsing and validation problems as located, readable details.
import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { instantSchema, targetBody } from '../lib/api/schemas.js';
import { issuesToDetails, mergeForUpdate, parseBody, parseJsonObject } from './validation.js';

function detailsOf(schema: z.ZodType, value: unknown): { at?: string; message: string }[] {
  const res = schema.safeParse(value);
  if (res.success) throw new Error('expected a failure');
  return issuesToDetails(res.error.issues);
}

describe('issuesToDetails', () => {
  it('locates problems by JSON pointer, escaping ~ and /', () => {
    const schema = z.strictObject({ labels: z.record(z.string(), z.number()) });
    expect(detailsOf(schema, { labels: { 'a/b~c': 'x' } })).toEqual([{ at: '/labels/a~1b~0c', message: expect.stringContaining('expected number') }]);
  });
  it('lists each unknown field at its own pointer', () => {
    expect(detailsOf(z.strictObject({ a: z.strictObject({}) }), { a: { x: 1, y: 2 }, z: 3 })).toEqual([
      { at: '/a/x', message: 'unknown field' },
      { at: '/a/y', message: 'unknown field' },
      { at: '/z', message: 'unknown field' },
    ]);
  });
  it('names every accepted type when a union gets the wrong type', () => {
    expect(detailsOf(z.strictObject({ t: instantSchema }), { t: true })).toEqual([{ at: '/t', message: 'expected number or string' }]);
    expect(detailsOf(z.strictObject({ t: instantSchema }), { t: 'soon' })).toEqual([{ at: '/t', message: 'expected RFC 3339 (2024-05-01T12:00:00Z) or epoch milliseconds' }]);
  });
});

describe('parseBody', () => {
  it('tells malformed JSON (400 malformed_json) from invalid content (422)', () => {
    expect(() => parseJsonObject('{"a":')).toThrow(expect.objectContaining({ code: 'bad_request', reason: 'malformed_json' }));
    expect(() => parseJsonObject('"text"')).toThrow(expect.objectContaining({ code: 'unprocessable' }));
    expect(() => parseJsonObject('')).toThrow(expect.objectContaining({ code: 'unprocessable' }));
    expect(parseJsonObject('  ', true)).toEqual({});
    expect(() => parseBody(targetBody, '{"name":"x","kind":"log","labels":{"env":1}}', 'target body')).toThrow(
      expect.objectContaining({ code: 'unprocessable', message: expect.stringContaining('invalid target body: /labels/env'), details: [expect.objectContaining({ at: '/labels/env' })] }),
    );
  });
});

describe('mergeForUpdate', () => {
  it('replaces top-level fields, removes those given as null, keeps the rest', () => {
    expect(mergeForUpdate({ a: 1, b: { x: 1 }, c: 3 }, { b: { y: 2 }, c: null, d: 4 })).toEqual({ a: 1, b: { y: 2 }, d: 4 });
  });
});
