// /api/rules and CHECK_ALLOWED_NETWORKS: a promql rule's external Prometheus at an address outside the allowed
// networks is refused when the rule is saved (422 at /params/source/url), as other rule fields are validated; a
// name is left to the detector's guard, which resolves it when the rule runs.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseNetworks, type Networks } from '../lib/net/networks.js';
import { createFixture, type Fixture } from './test-fixture.js';

let f: Fixture;
beforeEach(async () => {
  f = await createFixture({ checkAllowedNetworks: parseNetworks('10.0.0.0/8,2001:db8::/32') as Networks });
});
afterEach(async () => {
  await f.close();
});

const promql = (url: string, name = 'ext') => ({ name, kind: 'promql', params: { expr: 'up == 0', source: { url } } });

describe('a promql rule source under CHECK_ALLOWED_NETWORKS', () => {
  it('refuses an IP address outside the allowed networks on create and on update, naming the field', async () => {
    for (const [url, address] of [['http://127.0.0.1:9090', '127.0.0.1'], ['http://[::1]:9090/', '::1'], ['https://169.254.169.254/', '169.254.169.254']] as const) {
      const res = await f.http(f.keys.adminA, 'POST', '/api/rules', { body: promql(url) });
      expect(res.status).toBe(422);
      expect(res.body.error).toMatchObject({ code: 'unprocessable', message: `invalid rule body: /params/source/url address ${address} is outside CHECK_ALLOWED_NETWORKS`, details: [{ at: '/params/source/url', message: `address ${address} is outside CHECK_ALLOWED_NETWORKS` }] });
    }
    const ok = await f.http(f.keys.adminA, 'POST', '/api/rules', { body: promql('http://10.1.2.3:9090') });
    expect(ok.status).toBe(201);
    const moved = await f.http(f.keys.adminA, 'PATCH', `/api/rules/${ok.body.id}`, { body: { params: { expr: 'up == 0', source: { url: 'http://192.168.1.1:9090' } } } });
    expect(moved.status).toBe(422);
    expect(moved.body.error.details).toEqual([{ at: '/params/source/url', message: 'address 192.168.1.1 is outside CHECK_ALLOWED_NETWORKS' }]);
    expect((await f.http(f.keys.adminA, 'GET', `/api/rules/${ok.body.id}`)).body.params.source.url).toBe('http://10.1.2.3:9090');
  });

  it('accepts a name (checked when the rule runs) and an address inside the networks', async () => {
    expect((await f.http(f.keys.adminA, 'POST', '/api/rules', { body: promql('http://prometheus.internal:9090') })).status).toBe(201);
    expect((await f.http(f.keys.adminA, 'POST', '/api/rules', { body: promql('http://[2001:db8::5]:9090', 'ext6') })).status).toBe(201);
  });
});
