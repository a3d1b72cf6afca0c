// Issue 17.12: CORS for /api/* is off by default; with CORS_ORIGINS only a listed origin is ever echoed
// (never `*`, never the request's origin when it is not listed, never with credentials), preflights are
// answered with the allowed methods and headers, and answers vary on Origin.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { envReader } from '../../lib/config/env.js';
import { startTestbed, type Testbed } from '../support/gateway.js';

const APP = 'https://app.example.com';

describe('CORS', () => {
  let on: Testbed;
  let off: Testbed;
  beforeAll(async () => {
    on = await startTestbed({ gateway: { corsOrigins: [APP, 'http://localhost:3000'] } });
    off = await startTestbed();
  });
  afterAll(async () => {
    await on?.close();
    await off?.close();
  });

  it('is off by default: no CORS header for any origin', async () => {
    const res = await fetch(`${off.url}/api/targets`, { headers: { origin: APP, authorization: `Bearer ${off.adminKey}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('echoes a listed origin only, with Vary: Origin and no credentials', async () => {
    const res = await fetch(`${on.url}/api/targets`, { headers: { origin: APP, authorization: `Bearer ${on.adminKey}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe(APP);
    expect(res.headers.get('vary')).toBe('Origin');
    expect(res.headers.get('access-control-allow-credentials')).toBeNull();
    const evil = await fetch(`${on.url}/api/targets`, { headers: { origin: 'https://evil.example.com', authorization: `Bearer ${on.adminKey}` } });
    expect(evil.headers.get('access-control-allow-origin')).toBeNull();
    expect(evil.headers.get('vary')).toBe('Origin');
    const unauth = await fetch(`${on.url}/api/targets`, { headers: { origin: APP } });
    expect(unauth.status).toBe(401);
    expect(unauth.headers.get('access-control-allow-origin')).toBe(APP);
  });

  it('answers a preflight from a listed origin with the allowed methods and headers', async () => {
    const res = await fetch(`${on.url}/api/targets`, { method: 'OPTIONS', headers: { origin: 'http://localhost:3000', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type' } });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe('http://localhost:3000');
    expect(res.headers.get('access-control-allow-methods')).toContain('POST');
    expect(res.headers.get('access-control-allow-headers')).toContain('Authorization');
    expect(res.headers.get('vary')).toBe('Origin');
  });

  it('refuses a preflight from an origin not on the list', async () => {
    for (const origin of ['https://evil.example.com', 'null', 'https://app.example.com.evil.net']) {
      const res = await fetch(`${on.url}/api/targets`, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'DELETE' } });
      expect(res.status).toBe(403);
      expect(res.headers.get('access-control-allow-origin')).toBeNull();
    }
  });

  it('CORS_ORIGINS is a comma-separated list of origins; anything else names the variable', () => {
    expect(envReader({ CORS_ORIGINS: 'https://App.example.com, http://localhost:3000' }).origins('CORS_ORIGINS')).toEqual(['https://app.example.com', 'http://localhost:3000']);
    expect(envReader({}).origins('CORS_ORIGINS')).toEqual([]);
    const r = envReader({ CORS_ORIGINS: '*,https://x.example.com/path' });
    r.origins('CORS_ORIGINS');
    expect(() => r.done()).toThrow(/CORS_ORIGINS entry "\*" is not valid[\s\S]*CORS_ORIGINS entry "https:\/\/x.example.com\/path"/);
  });
});
