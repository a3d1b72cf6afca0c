import { describe, expect, it } from 'vitest';
import { extractCredential } from './credentials.js';

const b64 = (s: string): string => Buffer.from(s).toString('base64');

describe('extractCredential', () => {
  it('takes a Bearer key or JWT', () => {
    expect(extractCredential({ authorization: 'Bearer lw_abc' })).toBe('lw_abc');
    expect(extractCredential({ authorization: 'bearer  lw_abc ' })).toBe('lw_abc');
  });
  it('takes the key as the Basic password with any user name', () => {
    expect(extractCredential({ authorization: `Basic ${b64('rsyslog:lw_key1')}` })).toBe('lw_key1');
    expect(extractCredential({ authorization: `Basic ${b64(':lw_key2')}` })).toBe('lw_key2');
  });
  it('takes the Elasticsearch ApiKey form, encoded or raw', () => {
    expect(extractCredential({ authorization: `ApiKey ${b64('id1:lw_key3')}` })).toBe('lw_key3');
    expect(extractCredential({ authorization: 'ApiKey lw_key4' })).toBe('lw_key4');
  });
  it('falls back to X-API-Key, then ?token=', () => {
    expect(extractCredential({ apiKey: 'lw_x' })).toBe('lw_x');
    expect(extractCredential({ token: 'lw_t' })).toBe('lw_t');
    expect(extractCredential({ apiKey: 'lw_x', token: 'lw_t' })).toBe('lw_x');
  });
  it('returns null for nothing usable', () => {
    expect(extractCredential({})).toBeNull();
    expect(extractCredential({ authorization: 'Digest abc' })).toBeNull();
    expect(extractCredential({ authorization: 'Basic' })).toBeNull();
  });
});
