// Large PromQL queries are evaluated on worker threads, through the real gateway and query service over a real
// SQLite file: the same answers and errors as on the event loop, the loop free meanwhile, a bounded queue, and
// the timeout enforced on the thread (by the engine's checks, or by terminating a thread that does not answer).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { until } from '../../detector/testing/harness.js';
import { startTestbed, type Testbed, type TestbedOptions } from '../../test/support/gateway.js';
import { createSqliteStore } from '../store/sqlite/store.js';
import { createManualClock } from '../time/manual-clock.js';
import { createEngine } from '../promql/engine.js';
import { createPromQueries, GRACE_MS, type PromQueriesDeps } from './offload.js';
import { promQueryMetricsText } from './metrics.js';
import { evaluateToBody } from './query.js';
import type { ControlData } from './testdata/controlled-worker.js';

const CONTROLLED = new URL('./testdata/controlled-worker.ts', import.meta.url);
const T0 = Date.UTC(2026, 0, 1);
const HOURS = 2;
const SERIES = 50;
/** The same engine options everywhere: a max-samples limit a test query can reach. */
const ENGINE = { maxSamples: 10_000 };
const BIG = { query: 'sum by (job) (rate(http_requests_total[5m]))', start: T0 / 1000 + 600, end: T0 / 1000 + HOURS * 3600, step: 60 };

describe('PromQL evaluation on worker threads', () => {
  let dir: string;
  let storePath: string;
  const beds: Testbed[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lw-promql-offload-'));
    storePath = join(dir, 'lightwatch.db');
    const store = await createSqliteStore({ path: storePath });
    const n = (HOURS * 3600) / 15 + 1;
    await store.metrics.append(
      'default',
      Array.from({ length: SERIES }, (_, i) => ({
        labels: { __name__: 'http_requests_total', job: `job-${i % 3}`, instance: `i-${i}` },
        target: `i-${i}`,
        type: 'counter' as const,
        timestamps: Array.from({ length: n }, (_, k) => T0 + k * 15_000 + (i % 7)),
        // A reset in some series, so rate's walk over the window matters.
        values: Array.from({ length: n }, (_, k) => (i % 5 === 0 && k > n / 2 ? k - n / 2 : k) * (i + 1)),
      })),
    );
    await store.metrics.compact({ all: true });
    await store.close();
  }, 60_000);
  afterEach(async () => {
    for (const bed of beds.splice(0)) await bed.close();
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  async function bed(promql: Omit<PromQueriesDeps, 'metrics' | 'storePath'>, extra: TestbedOptions = {}): Promise<Testbed> {
    const b = await startTestbed({ storePath, promql: { engine: ENGINE, ...promql }, ...extra });
    beds.push(b);
    return b;
  }
  const controlled = (data: ControlData) => ({ entry: CONTROLLED, data: { ...data } });

  async function get(b: Testbed, path: string, params: Record<string, string | number>): Promise<{ status: number; body: string; retryAfter: string | null }> {
    const qs = new URLSearchParams(Object.entries(params).map(([k, v]): [string, string] => [k, String(v)]));
    const res = await fetch(`${b.url}/api/prom/api/v1/${path}?${qs}`, { headers: { authorization: `Bearer ${b.adminKey}` } });
    return { status: res.status, body: await res.text(), retryAfter: res.headers.get('retry-after') };
  }
  const big = (b: Testbed, extra: Record<string, string | number> = {}) => get(b, 'query_range', { ...BIG, ...extra });

  it('answers every query and error with the same bytes on a thread as on the loop', async () => {
    const inline = await bed({ offload: { workers: 0, inlinePoints: 0, queue: 0 } });
    const offload = await bed({ offload: { workers: 1, inlinePoints: 0, queue: 4 } });
    const cases: Array<[string, Record<string, string | number>]> = [
      ['query_range', BIG],
      ['query_range', { query: 'topk(3, http_requests_total) * on(instance) group_left(job) (http_requests_total > bool 100)', start: BIG.start, end: BIG.end, step: 300 }],
      ['query_range', { query: 'histogram_quantile(0.9, sum by (le) (label_replace(rate(http_requests_total[10m]), "le", "$1", "instance", "i-(.)")))', start: BIG.start, end: BIG.end, step: 120 }],
      ['query', { query: 'http_requests_total', time: BIG.end }],
      ['query', { query: 'count_values("v", round(http_requests_total / 1000))', time: BIG.end }],
      ['query', { query: 'sum(rate(http_requests_total[30m] @ end())) by (job)', time: BIG.end }],
      // Errors: a type error after parsing, too many samples (Prometheus's execution error), a runtime error.
      ['query_range', { query: 'http_requests_total[5m]', start: BIG.start, end: BIG.end, step: 60 }],
      ['query', { query: 'http_requests_total[2h]', time: BIG.end }],
      ['query_range', { query: 'rate(http_requests_total[5m])', start: BIG.start, end: BIG.end, step: 15 }],
      ['query', { query: 'label_replace(http_requests_total, "instance", "x", "", "")', time: BIG.end }],
    ];
    const statuses: number[] = [];
    for (const [path, params] of cases) {
      const a = await get(inline, path, params);
      const b = await get(offload, path, params);
      expect(b, `${path} ${params.query}`).toEqual(a);
      statuses.push(a.status);
    }
    expect(statuses).toEqual([200, 200, 200, 200, 200, 200, 400, 422, 422, 422]);
    expect(JSON.parse((await get(inline, 'query', { query: 'http_requests_total[2h]', time: BIG.end })).body)).toEqual({ status: 'error', errorType: 'execution', error: 'query processing would load too many samples into memory in query execution' });
    expect(inline.promql.stats.offloaded).toBe(0);
    expect(offload.promql.stats).toMatchObject({ offloaded: cases.length, inline: 0, inFlight: 0 });
  }, 120_000);

  it('keeps the loop serving small queries while large ones hold the threads, and refuses past the queue', async () => {
    const gate = new SharedArrayBuffer(4);
    const b = await bed({ offload: { workers: 1, inlinePoints: 1_000, queue: 1 }, worker: controlled({ gate }) });
    const expected = await createPromQueries({ metrics: b.store.metrics, engine: ENGINE }).answer('default', { kind: 'range', query: BIG.query, startMs: BIG.start * 1000, endMs: BIG.end * 1000, stepMs: BIG.step * 1000 });
    let settled = 0;
    const first = big(b).finally(() => settled++);
    await until(() => b.promql.stats.inFlight === 1, 10_000, 'the first large query on the thread');
    const second = big(b).finally(() => settled++);
    await until(() => b.promql.stats.inFlight === 2, 10_000, 'the second large query waiting');
    // Threads and queue are full: Prometheus's error shape, 503 with Retry-After.
    const third = await big(b);
    expect(third).toEqual({ status: 503, retryAfter: '1', body: expect.any(String) });
    expect(JSON.parse(third.body)).toMatchObject({ status: 'error', errorType: 'unavailable' });
    // A small query is answered on the loop while both large ones are still held.
    const small = await get(b, 'query', { query: 'http_requests_total{instance="i-3"}', time: BIG.end });
    expect(small.status).toBe(200);
    expect(JSON.parse(small.body).data.result).toHaveLength(1);
    expect(settled).toBe(0);
    expect(b.promql.stats).toMatchObject({ inline: 1, offloaded: 2, refused: 1, inFlight: 2 });
    const text = promQueryMetricsText(b.promql.stats);
    for (const line of ['lightwatch_promql_queries_total{where="loop"} 1', 'lightwatch_promql_queries_total{where="worker"} 2', 'lightwatch_promql_queries_total{where="refused"} 1', 'lightwatch_promql_worker_queries 2']) {
      expect(text).toContain(`${line}\n`);
    }
    Atomics.store(new Int32Array(gate), 0, 1);
    Atomics.notify(new Int32Array(gate), 0);
    expect(await first).toEqual({ status: 200, body: expected, retryAfter: null });
    expect(await second).toEqual({ status: 200, body: expected, retryAfter: null });
  }, 120_000);

  it('stops a query on its thread at the timeout, with the error the loop gives', async () => {
    // Every clock read on the thread is 1 s later: the evaluation outlasts its 30 s at the engine's checks.
    const b = await bed({ offload: { workers: 1, inlinePoints: 1_000, queue: 1 }, worker: controlled({ tickMs: 1_000 }) });
    for (let i = 0; i < 2; i++) {
      // The second one runs too: the first did not keep the thread.
      expect(await big(b, { timeout: '30s' })).toEqual({ status: 503, retryAfter: null, body: JSON.stringify({ status: 'error', errorType: 'timeout', error: 'query timed out in expression evaluation' }) });
    }
    expect(b.promql.stats).toMatchObject({ offloaded: 2, inFlight: 0 });
    // The loop's engine on the same clock stops the same query with the same error.
    let t = 0;
    const engine = createEngine({ ...ENGINE, now: () => (t += 1_000) });
    const q = { kind: 'range', query: BIG.query, startMs: BIG.start * 1000, endMs: BIG.end * 1000, stepMs: BIG.step * 1000 } as const;
    await expect(evaluateToBody(engine, b.store.metrics.querier('default'), q, { timeoutMs: 30_000 })).rejects.toMatchObject({ errorType: 'timeout', message: 'query timed out in expression evaluation' });
  }, 120_000);

  it('times out a query still waiting as Prometheus does, and terminates a thread that does not answer', async () => {
    const gate = new SharedArrayBuffer(4);
    const clock = createManualClock(Date.now());
    const b = await bed({ offload: { workers: 1, inlinePoints: 1_000, queue: 1 }, worker: controlled({ gate }), timers: clock });
    const running = big(b, { timeout: '10s' });
    await until(() => b.promql.stats.inFlight === 1, 10_000, 'the first large query on the thread');
    const waiting = big(b, { timeout: '10s' });
    await until(() => b.promql.stats.inFlight === 2, 10_000, 'the second large query waiting');
    clock.advance(10_000);
    expect(await waiting).toEqual({ status: 503, retryAfter: null, body: JSON.stringify({ status: 'error', errorType: 'timeout', error: 'query timed out in query queue' }) });
    // The running one's thread is held at the gate (as by a read that checks nothing): after the grace it goes.
    let done = false;
    void running.finally(() => (done = true));
    clock.advance(GRACE_MS - 1);
    await new Promise((r) => setImmediate(r));
    expect(done).toBe(false);
    clock.advance(1);
    expect(await running).toEqual({ status: 503, retryAfter: null, body: JSON.stringify({ status: 'error', errorType: 'timeout', error: 'query timed out in expression evaluation' }) });
    // A new thread serves the next query.
    Atomics.store(new Int32Array(gate), 0, 1);
    expect((await big(b)).status).toBe(200);
    expect(b.promql.stats).toMatchObject({ offloaded: 3, inFlight: 0 });
  }, 120_000);
});
