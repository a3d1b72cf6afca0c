import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import type { Streams } from '../../lib/streams/port.js';
import pino from 'pino';
import { Registry } from 'prom-client';
import { deletePrefix, newRedis, newStreams, uniquePrefix } from '../../test/support/redis.js';
import { eventsOfEntry } from '../../lib/streams/codec.js';
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
    const events = (await redis.xrange(names.events(1), '-', '+')).flatMap(([, f]) => eventsOfEntry(f));
    expect(events.map((e) => e.kind)).toEqual(['check', 'check', 'check', 'check', 'check']);
    expect(events[0]).toMatchObject({ tenant: 't', body: { ok: true, status: 200, attempts: 1 } });
    expect(await observed()).toBe(6);
  });
});
