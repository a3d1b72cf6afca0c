// The external-Prometheus rule source against a real Prometheus, and against our engine on the same samples;
// held to CHECK_ALLOWED_NETWORKS against real HTTP servers on loopback.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createGuard } from '../net/guard.js';
import { parseNetworks, type Networks } from '../net/networks.js';
import { createEngine } from '../promql/engine.js';
import { PromQLError } from '../promql/errors.js';
import { createMemoryQuerier } from '../promql/memory-querier.js';
import { localRuleSource } from '../promql/alerting/source.js';
import { generateSeries } from '../promql/testing/generate.js';
import { prometheusAvailable, startPrometheus, type RunningPrometheus } from '../../test/support/prometheus.js';
import { SourceRefusedError, SourceUnavailableError, prometheusHttpSource } from './http-source.js';
import { freePort } from '../redis/local-server.js';

const T0 = Date.UTC(2026, 0, 1);
const series = generateSeries({ startMs: T0, durationMs: 3_600_000, intervalMs: 15_000, instances: 2, seed: 3 });
const available = await prometheusAvailable();

describe.skipIf(!available)('prometheusHttpSource (skipped when prometheus is not installed)', () => {
  let prom: RunningPrometheus;
  beforeAll(async () => {
    prom = await startPrometheus(series);
  }, 120_000);
  afterAll(async () => {
    await prom?.stop();
  });

  it('gives the same instant vector as our engine on the same samples', async () => {
    const remote = prometheusHttpSource({ url: prom.url });
    const local = localRuleSource(createEngine(), createMemoryQuerier(series));
    const expr = 'rate(http_requests_total[5m]) > 1';
    const t = T0 + 1_800_000;
    const sort = (xs: { labels: Record<string, string> }[]): string[] => xs.map((x) => JSON.stringify(Object.entries(x.labels).sort())).sort();
    const [a, b] = await Promise.all([remote.instantVector(expr, t), local.instantVector(expr, t)]);
    expect(a.length).toBeGreaterThan(0);
    expect(sort(a)).toEqual(sort(b));
  });

  it('keeps Prometheus error types', async () => {
    const err = await prometheusHttpSource({ url: prom.url }).instantVector('rate(x)', T0).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PromQLError);
    expect(err).toMatchObject({ errorType: 'bad_data' });
  });
});

describe('prometheusHttpSource without a server', () => {
  it('reports an unreachable Prometheus as retryable', async () => {
    const port = await freePort();
    const err = await prometheusHttpSource({ url: `http://127.0.0.1:${port}`, timeoutMs: 2000 }).instantVector('up', 0).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SourceUnavailableError);
  });
});

describe('prometheusHttpSource under CHECK_ALLOWED_NETWORKS', () => {
  const networks = (list: string): Networks => parseNetworks(list) as Networks;
  const LOOPBACK = networks('127.0.0.0/8,::1/128');
  const DOC_NET = networks('192.0.2.0/24'); // loopback is outside
  const servers: Server[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
  });

  /** A real HTTP server on 127.0.0.1 answering every request with `answer`; it records the requests it got. */
  const serve = async (answer: (req: IncomingMessage, res: ServerResponse) => void): Promise<{ url: string; requests: string[] }> => {
    const requests: string[] = [];
    const server = createServer((req, res) => {
      requests.push(`${req.method} ${req.url}`);
      answer(req, res);
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests };
  };
  /** A Prometheus query API answering one series. */
  const prometheus = () =>
    serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 'success', data: { resultType: 'vector', result: [{ metric: { instance: 'web-1' }, value: [1767225600, '1'] }] } }));
    });
  const query = (url: string, allowed: Networks) => prometheusHttpSource({ url, guard: createGuard(allowed), timeoutMs: 5000 }).instantVector('up == 1', T0);

  it('evaluates on a Prometheus inside the allowed networks, by address and by name', async () => {
    const prom = await prometheus();
    expect(await query(prom.url, LOOPBACK)).toEqual([{ labels: { instance: 'web-1' }, timeMs: 1767225600_000, value: 1 }]);
    // The name's addresses are all allowed (127.0.0.1, and ::1 where localhost has it too).
    expect(await query(prom.url.replace('127.0.0.1', 'localhost'), LOOPBACK)).toEqual([{ labels: { instance: 'web-1' }, timeMs: 1767225600_000, value: 1 }]);
    expect(prom.requests).toEqual(['POST /api/v1/query', 'POST /api/v1/query']);
  });

  it('refuses an address outside the allowed networks before connecting, with the reason', async () => {
    const prom = await prometheus();
    const err = await query(prom.url, DOC_NET).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SourceRefusedError);
    expect((err as Error).message).toBe(`prometheus at ${prom.url} refused: address 127.0.0.1 is outside CHECK_ALLOWED_NETWORKS`);
    expect(prom.requests).toEqual([]);
  });

  it('refuses a name that resolves to an address outside the allowed networks', async () => {
    const prom = await prometheus();
    const err = await query(prom.url.replace('127.0.0.1', 'localhost'), DOC_NET).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SourceRefusedError);
    expect((err as Error).message).toMatch(/refused: address (127\.0\.0\.1|::1) of localhost is outside CHECK_ALLOWED_NETWORKS$/);
    expect(prom.requests).toEqual([]);
  });

  it('does not follow a redirect, so it cannot lead to an address the guard did not check', async () => {
    const inside = await prometheus();
    const redirecting = await serve((_req, res) => res.writeHead(307, { location: `${inside.url}/api/v1/query` }).end());
    const err = await query(redirecting.url, networks('127.0.0.1/32')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SourceRefusedError);
    expect((err as Error).message).toBe(`prometheus at ${redirecting.url} answered 307 (a redirect to ${inside.url}/api/v1/query): redirects are not followed, give the final URL`);
    expect(redirecting.requests).toEqual(['POST /api/v1/query']);
    expect(inside.requests).toEqual([]);
  });
});
