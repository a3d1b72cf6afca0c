import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import type { Streams } from '../../lib/streams/port.js';
import pino from 'pino';
import { Registry } from 'prom-client';
import { deletePrefix, newRedis, newStreams, uniquePrefix } from '../../test/support/redis.js';
import { streamEntries } from '../../test/support/stream-entries.js';
import { eventsOfEntry, metricBatchOfEntry } from '../../lib/streams/codec.js';
import { createServer } from 'node:http';
import { CHECK_SETTINGS } from '../../lib/api/check-settings.js';
import { isStaleNaN } from '../../lib/promql/querier.js';
import { createManualClock } from '../../lib/time/manual-clock.js';
import type { MetricBatch } from '../../lib/tsdb/batch.js';
import { streamNames, type StreamNames } from '../../lib/streams/partition.js';
import type { HttpCheck } from '../../lib/store/types.js';
import { freePort } from '../../lib/redis/local-server.js';
import { startReceiver, until, type Receiver } from '../testing/harness.js';
import { systemClock } from '../../lib/time/clock.js';
import { createChecker } from './checker.js';
import { bodyMatches } from './kinds/http.js';
import { PROBES } from './kinds/index.js';
import { runCheck } from './probe.js';

const check = (url: string, over: Partial<HttpCheck> = {}): HttpCheck => ({ url, intervalSec: 60, timeoutMs: 3000, retries: 0, retryBackoffMs: 10, ...over });
const probe = (c: HttpCheck, stop: AbortSignal) => runCheck({ kind: 'http', settings: c }, PROBES, stop);

describe('probe', () => {
  let site: Receiver;
  beforeEach(async () => {
    site = await startReceiver();
  });
  afterEach(async () => {
    await site.close();
  });

  it('ok on 2xx/3xx by default, or on the expected statuses only', async () => {
    site.respond = () => 204;
    expect(await probe(check(site.url), new AbortController().signal)).toMatchObject({ ok: true, status: 204, attempts: 1 });
    expect(await probe(check(site.url, { expectedStatus: [200] }), new AbortController().signal)).toMatchObject({ ok: false, status: 204, error: 'unexpected status 204' });
  });

  it('retries a failure with backoff and reports the number of attempts', async () => {
    site.respond = (_r, n) => (n < 2 ? 503 : 200);
    expect(await probe(check(site.url, { retries: 3 }), new AbortController().signal)).toMatchObject({ ok: true, status: 200, attempts: 3 });
  });

  it('times out a slow server and says so', async () => {
    site.respond = async () => {
      await new Promise((r) => setTimeout(r, 500));
      return 200;
    };
    const r = await probe(check(site.url, { timeoutMs: 50, retries: 1 }), new AbortController().signal);
    expect(r).toMatchObject({ ok: false, attempts: 2, error: 'timeout after 50 ms' });
  });

  it('reports a refused connection', async () => {
    const port = await freePort(); // nothing listens there
    const r = await probe(check(`http://127.0.0.1:${port}/`), new AbortController().signal);
    expect(r.ok).toBe(false);
    expect(r.error).toBe('connection refused');
  });

  it('matches the body by substring or /regex/flags', () => {
    expect(bodyMatches('"status":"ok"', '{"status":"ok"}')).toBe(true);
    expect(bodyMatches('/STATUS.*OK/i', '{"status":"ok"}')).toBe(true);
    expect(bodyMatches('/down/', 'up')).toBe(false);
    expect(bodyMatches('/(/', '(')).toBe(false);
  });
});

describe('checker', () => {
  let redis: Redis;
  let streams: Streams;
  let names: StreamNames;
  let prefix: string;
  let site: Receiver;

  beforeEach(async () => {
    redis = newRedis();
    streams = await newStreams();
    prefix = uniquePrefix('chk');
    names = streamNames(prefix, 2);
    site = await startReceiver();
  });
  afterEach(async () => {
    await site.close();
    await deletePrefix(redis, prefix);
    redis.disconnect();
    await streams.close();
  });

  it('runs at most `concurrency` checks at once and writes one check event per run to the partition stream', async () => {
    let active = 0;
    let peak = 0;
    site.respond = async () => {
      active++;
      peak = Math.max(peak, active);
      await new Promise((r) => setTimeout(r, 50));
      active--;
      return 200;
    };
    const registry = new Registry();
    const checker = createChecker({ streams, names, clock: systemClock, logger: pino({ level: 'silent' }), registry, concurrency: 2, owns: (p) => p === 1 });
    for (let i = 0; i < 6; i++) checker.run({ type: 'schedule-check', tenant: 't', targetId: `id${i}`, targetName: `site${i}`, ruleId: 'builtin:http', check: { kind: 'http', settings: check(site.url) }, due: 0 }, i < 5 ? 1 : 0);
    const observed = async (): Promise<number> => {
      const hist = await registry.getSingleMetric('lightwatch_check_latency_seconds')!.get();
      return hist.values.find((v) => (v as { metricName?: string }).metricName === 'lightwatch_check_latency_seconds_count')?.value ?? 0;
    };
    await until(async () => (await redis.xlen(names.events(1))) === 5 && (await observed()) === 6, 5_000, 'six runs, five results written');
    await checker.close();
    expect(peak).toBe(2);
    expect(await redis.xlen(names.events(0))).toBe(0); // not our partition: run, but nothing written
    const events = (await streamEntries(redis, names.events(1))).flatMap(([, f]) => eventsOfEntry(f));
    expect(events.map((e) => e.kind)).toEqual(['check', 'check', 'check', 'check', 'check']);
    expect(events[0]).toMatchObject({ tenant: 't', body: { ok: true, status: 200, attempts: 1 } });
    expect(await observed()).toBe(6);
  });

  it('a scrape run writes its samples as a metric batch on the target\'s partition with its check result, stamped by the clock; the next run marks vanished series stale', async () => {
    let body = '# TYPE jobs_total counter\njobs_total{queue="a"} 3\njobs_total{queue="b"} 5\n';
    const server = createServer((_q, r) => r.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(body));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/metrics`;
    const clock = createManualClock(1_800_000_000_000);
    const checker = createChecker({ streams, names, clock, logger: pino({ level: 'silent' }), registry: new Registry(), concurrency: 2, owns: () => true });
    const settings = CHECK_SETTINGS.scrape.parse({ url, job: 'worker', intervalSec: 15 });
    const run = (): void => checker.run({ type: 'schedule-check', tenant: 't', targetId: 'id1', targetName: 'worker-1', ruleId: 'builtin:http', check: { kind: 'scrape', settings }, due: clock.now() }, 1);
    // Through the port: a batch's bytes come as a Buffer (a plain XRANGE would decode them as UTF-8).
    const entries = async () => (await streams.rangeAfter(names.events(1), '0-0', 100)).map(([, f]) => f);
    // Samples as arrays: a decoded batch holds Float64Array views. Copied one by one: Array.from may drop a NaN's
    // payload, and with it the stale marker.
    const array = (xs: ArrayLike<number>): number[] => {
      const out: number[] = [];
      for (let i = 0; i < xs.length; i++) out.push(xs[i] as number);
      return out;
    };
    const series = (batch: MetricBatch | undefined, name: string, queue?: string) => {
      const x = batch?.series.find((s) => s.labels.__name__ === name && (queue === undefined || s.labels.queue === queue));
      return x && { ...x, timestamps: array(x.timestamps), values: array(x.values) };
    };
    try {
      run();
      await until(async () => (await entries()).length === 2, 5_000, 'first scrape written');
      const [m1, c1] = await entries();
      const first = metricBatchOfEntry(m1 ?? []);
      expect(first?.tenant).toBe('t');
      expect(series(first, 'jobs_total', 'a')).toMatchObject({ target: 'worker-1', type: 'counter', labels: { job: 'worker', instance: new URL(url).host }, timestamps: [1_800_000_000_000], values: [3] });
      expect(series(first, 'up')?.values).toEqual([1]);
      expect(series(first, 'scrape_series_added')?.values).toEqual([2]);
      expect(eventsOfEntry(c1 ?? [])[0]).toMatchObject({ kind: 'check', target: 'worker-1', body: { ok: true, status: 200 } });

      body = 'jobs_total{queue="a"} 4\n';
      clock.advance(15_000);
      run();
      await until(async () => (await entries()).length === 4, 5_000, 'second scrape written');
      const second = metricBatchOfEntry((await entries())[2] ?? []);
      expect(series(second, 'jobs_total', 'a')?.timestamps).toEqual([1_800_000_015_000]);
      const gone = series(second, 'jobs_total', 'b');
      expect(gone?.timestamps).toEqual([1_800_000_015_000]);
      expect(isStaleNaN(gone?.values[0] as number)).toBe(true);
      expect(series(second, 'scrape_series_added')?.values).toEqual([0]);
    } finally {
      await checker.close();
      await new Promise((r) => server.close(r));
    }
  });
});

