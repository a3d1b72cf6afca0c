// The external-Prometheus rule source against a real Prometheus, and against our engine on the same samples.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine } from '../promql/engine.js';
import { PromQLError } from '../promql/errors.js';
import { createMemoryQuerier } from '../promql/memory-querier.js';
import { localRuleSource } from '../promql/alerting/source.js';
import { generateSeries } from '../promql/testing/generate.js';
import { prometheusAvailable, startPrometheus, type RunningPrometheus } from '../../test/support/prometheus.js';
import { SourceUnavailableError, prometheusHttpSource } from './http-source.js';
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
