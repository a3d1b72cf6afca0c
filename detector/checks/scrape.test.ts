// The scrape check against real HTTP(S) servers started here: Prometheus's Accept negotiation and the parser it
// selects, gzip, bearer and basic auth, TLS (CA, server name, insecureSkipVerify), every failure a scrape can
// meet, CHECK_ALLOWED_NETWORKS, and the settings held to what the probe and the recorder read.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHECK_SETTINGS, type CheckSettingsOf } from '../../lib/api/check-settings.js';
import { OPENMETRICS_CONTENT_TYPE, TEXT_CONTENT_TYPE } from '../../lib/exposition/parse.js';
import { parseNetworks, type Networks } from '../../lib/net/networks.js';
import { freePort } from '../../lib/redis/local-server.js';
import { recordingReads } from '../../test/support/reads.js';
import { compileTargetRules } from '../rules/compile.js';
import { createGuard } from '../../lib/net/guard.js';
import { PROBES } from './kinds/index.js';
import { runCheckDetailed } from './probe.js';
import { createScrapeRecorder } from './scrape-recorder.js';
import { makeCerts, type TestCerts } from './testing/servers.js';

const stop = new AbortController().signal;
const TEXT = '# TYPE requests_total counter\nrequests_total{code="200"} 7\n';
const OM = '# TYPE requests counter\nrequests_total{code="200"} 7 1700000000.5\nrequests_created{code="200"} 1700000000\n# EOF\n';

function scrape(settings: Record<string, unknown>, networks: Networks | null = null) {
  const parsed = CHECK_SETTINGS.scrape.parse({ timeoutMs: 3000, ...settings });
  return runCheckDetailed({ kind: 'scrape', settings: parsed }, PROBES, stop, createGuard(networks));
}

const seen: IncomingMessage[] = [];
function handler(req: IncomingMessage, res: ServerResponse): void {
  seen.push(req);
  const wantsOm = (req.headers.accept ?? '').startsWith('application/openmetrics-text');
  switch (req.url) {
    case '/metrics':
      res.writeHead(200, { 'content-type': wantsOm ? OPENMETRICS_CONTENT_TYPE : TEXT_CONTENT_TYPE }).end(wantsOm ? OM : TEXT);
      return;
    case '/text-only':
      res.writeHead(200, { 'content-type': TEXT_CONTENT_TYPE }).end(TEXT);
      return;
    case '/gzip':
      res.writeHead(200, { 'content-type': TEXT_CONTENT_TYPE, 'content-encoding': 'gzip' }).end(gzipSync(TEXT));
      return;
    case '/auth':
      if (req.headers.authorization === 'Bearer s3cret' || req.headers.authorization === `Basic ${Buffer.from('prom:pw').toString('base64')}`) res.writeHead(200, { 'content-type': TEXT_CONTENT_TYPE }).end(TEXT);
      else res.writeHead(401).end('unauthorized');
      return;
    case '/broken':
      res.writeHead(200, { 'content-type': TEXT_CONTENT_TYPE }).end('ok 1\nbroken{a="b" 1\n');
      return;
    case '/big':
      res.writeHead(200, { 'content-type': TEXT_CONTENT_TYPE }).end(`big_metric ${'1'.repeat(4000)}\n`);
      return;
    case '/slow':
      return; // never answers
    default:
      res.writeHead(500).end('boom');
  }
}

let http: Server;
let https: Server;
let certs: TestCerts;
let base = '';
let tlsBase = '';

beforeAll(async () => {
  certs = makeCerts();
  http = createServer(handler);
  https = createHttpsServer({ ...certs.shortLived }, handler);
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  await new Promise<void>((r) => https.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(http.address() as { port: number }).port}`;
  tlsBase = `https://127.0.0.1:${(https.address() as { port: number }).port}`;
});
afterAll(async () => {
  http.closeAllConnections();
  https.closeAllConnections();
  await Promise.all([new Promise((r) => http.close(r)), new Promise((r) => https.close(r))]);
  certs.cleanup();
});

describe('scrape probe', () => {
  it('asks as Prometheus does and reads OpenMetrics when offered, the text format otherwise', async () => {
    const om = await scrape({ url: `${base}/metrics`, timeoutMs: 2500 });
    expect(om.body).toMatchObject({ ok: true, status: 200, attempts: 1 });
    const req = seen.at(-1) as IncomingMessage;
    expect(req.headers.accept).toBe('application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1');
    expect(req.headers['accept-encoding']).toBe('gzip');
    expect(req.headers['x-prometheus-scrape-timeout-seconds']).toBe('2.5');
    expect(om.last?.scrape?.exposition.samples.map((s) => [s.name, s.value, s.ts])).toEqual([
      ['requests_total', 7, 1700000000500],
      ['requests_created', 1700000000, null],
    ]);
    expect(om.last?.scrape?.durationSec).toBeGreaterThan(0);
    const text = await scrape({ url: `${base}/text-only` });
    expect(text.last?.scrape?.exposition.samples).toEqual([{ name: 'requests_total', labels: { code: '200' }, value: 7, ts: null }]);
    const gz = await scrape({ url: `${base}/gzip` });
    expect(gz.last?.scrape?.exposition.samples).toHaveLength(1);
  });

  it('sends bearer or basic credentials', async () => {
    expect((await scrape({ url: `${base}/auth` })).body).toMatchObject({ ok: false, status: 401, error: 'server returned HTTP status 401 Unauthorized' });
    expect((await scrape({ url: `${base}/auth`, bearerToken: 's3cret' })).body.ok).toBe(true);
    expect((await scrape({ url: `${base}/auth`, basicAuth: { username: 'prom', password: 'pw' } })).body.ok).toBe(true);
  });

  it('names each failure: status, unparsable body, body limit, refused, timeout', async () => {
    expect((await scrape({ url: `${base}/nope` })).body).toMatchObject({ ok: false, status: 500, error: 'server returned HTTP status 500 Internal Server Error' });
    expect((await scrape({ url: `${base}/broken` })).body).toMatchObject({ ok: false, status: 200, error: 'unparsable text format body: line 2: expected \',\' or \'}\' after the value of label a, found \'1\'' });
    expect((await scrape({ url: `${base}/big`, bodySizeLimitBytes: 1024 })).body).toMatchObject({ ok: false, error: 'body size limit exceeded: more than 1024 bytes' });
    const dead = await freePort();
    expect((await scrape({ url: `http://127.0.0.1:${dead}/metrics` })).body).toMatchObject({ ok: false, error: 'connection refused' });
    const slow = await scrape({ url: `${base}/slow`, timeoutMs: 300 });
    expect(slow.body).toMatchObject({ ok: false, error: 'timeout after 300 ms' });
    expect(slow.last).toBeUndefined();
  });

  it('verifies TLS against the given CA and server name, or not at all when told', async () => {
    expect((await scrape({ url: `${tlsBase}/metrics` })).body).toMatchObject({ ok: false, error: 'unable to verify the certificate chain' });
    expect((await scrape({ url: `${tlsBase}/metrics`, tls: { ca: certs.ca } })).body.ok).toBe(true);
    expect((await scrape({ url: `${tlsBase}/metrics`, tls: { ca: certs.ca, serverName: 'localhost' } })).body.ok).toBe(true);
    const wrongName = (await scrape({ url: `${tlsBase}/metrics`, tls: { ca: certs.ca, serverName: 'example.org' } })).body;
    expect(wrongName).toMatchObject({ ok: false, error: 'certificate does not match the host name' });
    expect((await scrape({ url: `${tlsBase}/metrics`, tls: { insecureSkipVerify: true } })).body.ok).toBe(true);
  });

  it('never connects outside CHECK_ALLOWED_NETWORKS', async () => {
    const onlyDocNet = parseNetworks('203.0.113.0/24') as Networks;
    expect((await scrape({ url: `${base}/metrics` }, onlyDocNet)).body).toMatchObject({ ok: false, error: 'address 127.0.0.1 is outside CHECK_ALLOWED_NETWORKS' });
    expect((await scrape({ url: `${base}/metrics` }, parseNetworks('127.0.0.0/8') as Networks)).body.ok).toBe(true);
  });

  it('reads every setting it accepts (probe and recorder), and only those', async () => {
    const reads = new Set<string>();
    const settings: CheckSettingsOf['scrape'] = recordingReads(
      CHECK_SETTINGS.scrape.parse({ url: `${base}/auth`, job: 'j', labels: { env: 'x' }, honorLabels: true, honorTimestamps: false, bearerToken: 's3cret', sampleLimit: 10, bodySizeLimitBytes: 4096, timeoutMs: 3000 }),
      reads,
    );
    compileTargetRules({ id: 't', tenant: 'x', name: 'node', kind: 'scrape', labels: {}, channels: [], paused: false, createdAt: 0, updatedAt: 0, scrape: settings }, []);
    const run = await runCheckDetailed({ kind: 'scrape', settings }, PROBES, stop);
    const rec = createScrapeRecorder().record({ tenant: 't', targetId: 'id', targetName: 'node', settings, body: run.body, last: run.last, at: 1000 });
    expect(rec.body.ok).toBe(true);
    expect(rec.series.find((s) => s.labels.__name__ === 'requests_total')?.labels).toEqual({ __name__: 'requests_total', code: '200', job: 'j', instance: new URL(base).host, env: 'x' });
    // basicAuth and tls are read when set (the tests above); the rest on every run.
    const accepted = Object.keys(CHECK_SETTINGS.scrape.shape).filter((k) => k !== 'basicAuth' && k !== 'tls');
    expect(accepted.filter((k) => !reads.has(k))).toEqual([]);
  });
});

describe('scrape recorder', () => {
  it('fails the check when the exposition breaks the sample limit, and marks the last series stale', async () => {
    const recorder = createScrapeRecorder();
    const ok = await scrape({ url: `${base}/text-only` });
    const settings = CHECK_SETTINGS.scrape.parse({ url: `${base}/text-only` });
    const first = recorder.record({ tenant: 't', targetId: 'id', targetName: 'node', settings, body: ok.body, last: ok.last, at: 1000 });
    expect(first.body.ok).toBe(true);
    expect(recorder.size).toBe(1);
    const limited = recorder.record({ tenant: 't', targetId: 'id', targetName: 'node', settings: { ...settings, sampleLimit: 0 }, body: ok.body, last: ok.last, at: 2000 });
    expect(limited.body).toMatchObject({ ok: false, error: 'sample_limit exceeded: 1 samples, the limit is 0' });
    expect(limited.series.find((s) => s.labels.__name__ === 'up')?.values).toEqual([0]);
    expect(recorder.size).toBe(0);
  });
});
