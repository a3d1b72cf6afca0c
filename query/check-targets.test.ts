// Check kinds through the API: each kind's settings in the block named after it, defaults applied, bad
// settings refused with 422 at their place, and passwords in connection URLs write-only.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createFixture, type Fixture } from './test-fixture.js';

let f: Fixture;
beforeEach(async () => {
  f = await createFixture();
});
afterEach(async () => {
  await f.close();
});

describe('check targets', () => {
  it('accepts each kind with its settings block and applies the defaults', async () => {
    const tcp = await f.http(f.keys.adminA, 'POST', '/api/targets', { body: { name: 'db-port', kind: 'tcp', tcp: { host: 'db.internal', port: 5432 } } });
    expect(tcp.status).toBe(201);
    expect(tcp.body.tcp).toEqual({ host: 'db.internal', port: 5432, intervalSec: 60, timeoutMs: 10000, retries: 0, retryBackoffMs: 1000 });
    const tls = await f.http(f.keys.adminA, 'POST', '/api/targets', { body: { name: 'cert', kind: 'tls', tls: { host: 'example.com', warnDays: 21 } } });
    expect(tls.body.tls).toMatchObject({ host: 'example.com', port: 443, warnDays: 21, checkHostname: true, checkChain: true });
    const dns = await f.http(f.keys.adminA, 'POST', '/api/targets', { body: { name: 'mx', kind: 'dns', dns: { name: 'example.com', type: 'MX', resolver: '1.1.1.1:53' } } });
    expect(dns.status).toBe(201);
  });

  it('refuses a block of another kind, a missing block and bad settings, at their place', async () => {
    const wrong = await f.http(f.keys.adminA, 'POST', '/api/targets', { body: { name: 'x', kind: 'tcp', tls: { host: 'a' } } });
    expect(wrong.status).toBe(422);
    expect(wrong.body.error.details.map((d: { at: string }) => d.at).sort()).toEqual(['/tcp', '/tls']);
    const port = await f.http(f.keys.adminA, 'POST', '/api/targets', { body: { name: 'x', kind: 'tcp', tcp: { host: 'a', port: 70000 } } });
    expect(port.body.error.details[0].at).toBe('/tcp/port');
    const type = await f.http(f.keys.adminA, 'POST', '/api/targets', { body: { name: 'x', kind: 'dns', dns: { name: 'a.example', type: 'PTR' } } });
    expect(type.body.error.details[0].at).toBe('/dns/type');
    const scheme = await f.http(f.keys.adminA, 'POST', '/api/targets', { body: { name: 'x', kind: 'postgres', postgres: { url: 'mysql://db/x' } } });
    expect(scheme.body.error.details[0]).toMatchObject({ at: '/postgres/url', message: 'must be an absolute postgres:// or postgresql:// URL' });
    const slow = await f.http(f.keys.adminA, 'POST', '/api/targets', { body: { name: 'x', kind: 'ping', ping: { host: 'a', intervalSec: 5, timeoutMs: 4000, retries: 1 } } });
    expect(slow.body.error.details[0].at).toBe('/ping/timeoutMs');
  });

  it('never shows the password of a connection URL, and keeps it when the mask is sent back', async () => {
    const created = await f.http(f.keys.adminA, 'POST', '/api/targets', { body: { name: 'pg', kind: 'postgres', postgres: { url: 'postgres://app:s3cret-pass@db:5432/app', query: 'SELECT 1' } } });
    expect(created.body.postgres.url).toBe('postgres://app:********@db:5432/app');
    const id = created.body.id as string;
    const put = await f.http(f.keys.adminA, 'PATCH', `/api/targets/${id}`, { body: { postgres: { ...created.body.postgres, query: 'SELECT 2' } } });
    expect(put.status).toBe(200);
    const stored = await f.store.targets.get('a', id);
    expect(stored?.postgres).toMatchObject({ url: 'postgres://app:s3cret-pass@db:5432/app', query: 'SELECT 2' });
  });

  it('takes a scrape target with its defaults, refuses bad scrape settings at their place, and keeps its secrets write-only', async () => {
    const created = await f.http(f.keys.adminA, 'POST', '/api/targets', {
      body: { name: 'node', kind: 'scrape', scrape: { url: 'https://node.internal:9100/metrics', bearerToken: 'tok-0123456789abcdef', tls: { ca: 'PEM', cert: 'CERT', key: 'private-key-0123456789', serverName: 'node' } } },
    });
    expect(created.status).toBe(201);
    expect(created.body.scrape).toEqual({
      url: 'https://node.internal:9100/metrics',
      intervalSec: 60,
      timeoutMs: 10000,
      retries: 0,
      retryBackoffMs: 1000,
      honorLabels: false,
      honorTimestamps: true,
      sampleLimit: 50000,
      bodySizeLimitBytes: 16 * 1024 * 1024,
      bearerToken: '********cdef',
      tls: { ca: 'PEM', cert: 'CERT', key: '********6789', serverName: 'node', insecureSkipVerify: false },
    });
    const id = created.body.id as string;
    const put = await f.http(f.keys.adminA, 'PATCH', `/api/targets/${id}`, { body: { scrape: { ...created.body.scrape, job: 'node-exporter' } } });
    expect(put.status).toBe(200);
    const stored = await f.store.targets.get('a', id);
    expect(stored?.scrape).toMatchObject({ job: 'node-exporter', bearerToken: 'tok-0123456789abcdef', tls: { key: 'private-key-0123456789' } });

    const both = await f.http(f.keys.adminA, 'POST', '/api/targets', { body: { name: 'x', kind: 'scrape', scrape: { url: 'http://a/metrics', bearerToken: 't', basicAuth: { username: 'u', password: 'p' } } } });
    expect(both.status).toBe(422);
    expect(both.body.error.details[0].at).toBe('/scrape/basicAuth');
    const reserved = await f.http(f.keys.adminA, 'POST', '/api/targets', { body: { name: 'x', kind: 'scrape', scrape: { url: 'http://a/metrics', labels: { __address__: 'x' } } } });
    expect(reserved.body.error.details[0].at).toBe('/scrape/labels/__address__');
    const located = await f.http(f.keys.adminA, 'POST', '/api/targets', { body: { name: 'x', kind: 'scrape', scrape: { url: 'http://a/metrics', locations: ['eu'] } } });
    expect(located.status).toBe(422);
  });
});
