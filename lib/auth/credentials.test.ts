// Credential extraction from every form CONTRACTS.md accepts, shared by the gateway and realtime.
import { describe, expect, it } from 'vitest';
import { extractCredential } from './credentials.js';

const none = { authorization: '', apiKey: '', token: '' };
const b64 = (s: string): string => Buffer.from(s).toString('base64');

describe('extractCredential', () => {
  it.each([
    ['Bearer', { ...none, authorization: 'Bearer k1' }, 'k1'],
    ['bearer, any case and spacing', { ...none, authorization: 'bEaReR  k1 ' }, 'k1'],
    ['a JWT as Bearer', { ...none, authorization: 'Bearer eyJ.a.b' }, 'eyJ.a.b'],
    ['Basic password', { ...none, authorization: `Basic ${b64('filebeat:k2')}` }, 'k2'],
    ['Basic password holding a colon', { ...none, authorization: `Basic ${b64('u:k:2')}` }, 'k:2'],
    ['Basic with an empty user name', { ...none, authorization: `Basic ${b64(':lw_key2')}` }, 'lw_key2'],
    ['Basic user name only', { ...none, authorization: `Basic ${b64('k3:')}` }, 'k3'],
    ['ApiKey base64(id:key)', { ...none, authorization: `ApiKey ${b64('id1:k4')}` }, 'k4'],
    ['ApiKey bare lw_ key', { ...none, authorization: 'ApiKey lw_k5' }, 'lw_k5'],
    // Any BOOTSTRAP_API_KEY: base64 characters, but not base64 of id:key (issue 17, item 11).
    ['ApiKey bare key of base64 characters', { ...none, authorization: 'ApiKey s3cretBootstrapKey42' }, 's3cretBootstrapKey42'],
    ['ApiKey bare key that decodes to text without a colon', { ...none, authorization: `ApiKey ${b64('plainkey')}` }, b64('plainkey')],
    ['X-API-Key', { ...none, apiKey: ' k6 ' }, 'k6'],
    ['?token=', { ...none, token: 'k7' }, 'k7'],
    ['Authorization before X-API-Key and token', { authorization: 'Bearer k8', apiKey: 'no', token: 'no' }, 'k8'],
    ['X-API-Key before token', { ...none, apiKey: 'k9', token: 'no' }, 'k9'],
  ])('takes %s', (_name, src, credential) => {
    expect(extractCredential(src)).toEqual({ ok: true, credential });
  });

  it.each([
    ['nothing', {}, /missing credential/],
    ['an empty Bearer', { ...none, authorization: 'Bearer ' }, /carries no credential/],
    ['a bare Basic', { ...none, authorization: 'Basic' }, /carries no credential/],
    ['Basic that is not base64 of user:password', { ...none, authorization: `Basic ${b64('nocolon')}` }, /not base64 of user:password/],
    ['an empty Basic pair', { ...none, authorization: `Basic ${b64(':')}` }, /no key/],
    ['an unknown scheme', { ...none, authorization: 'Digest abc' }, /not supported/],
  ])('refuses %s', (_name, src, message) => {
    const r = extractCredential(src);
    expect(r.ok).toBe(false);
    expect(r.ok ? '' : r.message).toMatch(message);
  });
});
