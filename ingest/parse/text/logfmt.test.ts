import { describe, expect, it } from 'vitest';
import { parseLogfmt } from './logfmt.js';

describe('logfmt', () => {
  it('reads pairs, quoted values with escapes, and bare keys', () => {
    expect(parseLogfmt('level=warn msg="disk \\"almost\\" full" used=93% debug')).toEqual({ level: 'warn', msg: 'disk "almost" full', used: '93%', debug: true });
    expect(parseLogfmt('a= b=""')).toEqual({ a: '', b: '' });
  });

  it('declines plain text that merely contains a pair', () => {
    expect(parseLogfmt('user=bob logged in from somewhere')).toBeNull();
    expect(parseLogfmt('hello a=b')).toBeNull();
    expect(parseLogfmt('a="unterminated')).toBeNull();
  });
});
