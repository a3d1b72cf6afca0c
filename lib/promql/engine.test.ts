// The engine's limits and its contract with the Querier: max samples, timeout, cancellation, fetch planning.
import { describe, expect, it } from 'vitest';
import { createEngine } from './engine.js';
import { PromQLError } from './errors.js';
import { createMemoryQuerier } from './memory-querier.js';
import type { MemorySeries } from './memory-querier.js';
import type { LabelMatcher, Querier, SelectRange } from './querier.js';
import { SampleLimitError } from './querier.js';
import { toApiData } from './result.js';

function counter(name: string, labels: Record<string, string>, points: number, stepMs = 15_000): MemorySeries {
  const ts = Float64Array.from({ length: points }, (_, i) => i * stepMs);
  return { labels: { __name__: name, ...labels }, timestamps: ts, values: Float64Array.from(ts, (_, i) => i) };
}

const data = Array.from({ length: 10 }, (_, i) => counter('c', { i: String(i) }, 400));
const querier = createMemoryQuerier(data);

async function failure(p: Promise<unknown>): Promise<PromQLError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(PromQLError);
  return err as PromQLError;
}

describe('limits', () => {
  it('answers a query over the sample limit with Prometheus error and type', async () => {
    const engine = createEngine({ maxSamples: 100 });
    const err = await failure(engine.instantQuery(querier, 'sum_over_time(c[1h])', 3_600_000));
    expect(err.errorType).toBe('execution');
    expect(err.message).toBe('query processing would load too many samples into memory in query execution');
    await expect(engine.instantQuery(querier, 'sum(c)', 3_600_000)).resolves.toMatchObject({ resultType: 'vector' });
  });

  it('counts the points of a range query against the limit', async () => {
    const engine = createEngine({ maxSamples: 500 });
    const err = await failure(engine.rangeQuery(querier, 'c', 0, 3_600_000, 15_000));
    expect(err.errorType).toBe('execution');
    await expect(createEngine({ maxSamples: 5000 }).rangeQuery(querier, 'c', 0, 3_600_000, 15_000)).resolves.toBeDefined();
  });

  it('maps a Querier that refuses a selection to the same error', async () => {
    const refusing: Querier = { ...querier, select: async () => Promise.reject(new SampleLimitError(1)) };
    const err = await failure(createEngine().instantQuery(refusing, 'c', 0));
    expect(err.message).toContain('too many samples');
  });

  it('times out with errorType timeout, on an injected clock', async () => {
    let now = 0;
    const engine = createEngine({ timeoutMs: 1000, now: () => (now += 400) });
    const err = await failure(engine.rangeQuery(querier, 'sum(rate(c[5m]))', 0, 3_600_000, 15_000));
    expect(err.errorType).toBe('timeout');
    expect(err.message).toMatch(/^query timed out in /);
  });

  it('stops when the caller aborts', async () => {
    const ac = new AbortController();
    ac.abort();
    const err = await failure(createEngine().instantQuery(querier, 'c', 0, { signal: ac.signal }));
    expect(err.errorType).toBe('canceled');
  });

  it('refuses more than 11,000 points per series and a step of zero (bad_data)', async () => {
    const engine = createEngine();
    expect((await failure(engine.rangeQuery(querier, 'c', 0, 11_001_000, 1000))).errorType).toBe('bad_data');
    await expect(engine.rangeQuery(querier, 'c', 0, 11_000_000, 1000)).resolves.toBeDefined();
    expect((await failure(engine.rangeQuery(querier, 'c', 0, 1000, 0))).message).toContain('zero or negative query resolution step');
  });

  it('gives parse errors as bad_data with Prometheus position', async () => {
    const err = await failure(createEngine().instantQuery(querier, 'sum(c) +', 0));
    expect(err).toMatchObject({ errorType: 'bad_data', message: '1:9: parse error: unexpected end of input' });
  });
});

describe('fetching', () => {
  it('selects each distinct selector once, over the range its evaluation reads', async () => {
    const calls: { matchers: readonly LabelMatcher[]; range: SelectRange }[] = [];
    const spy: Querier = {
      ...querier,
      async select(matchers, range) {
        calls.push({ matchers, range });
        return querier.select(matchers, range);
      },
    };
    await createEngine().rangeQuery(spy, 'rate(c[5m] offset 1m) + c + max_over_time(c[10m:1m] @ 100)', 3_600_000, 7_200_000, 60_000);
    expect(calls).toHaveLength(1);
    // Union of: [start-1m-5m, end-1m], [start-5m, end], and [100s-10m-5m, 100s].
    expect(calls[0]?.range).toMatchObject({ startMs: 100_000 - 900_000, endMs: 7_200_000 });
  });

  it('gives instant results as Prometheus API data', async () => {
    const res = await createEngine().instantQuery(querier, 'c{i="3"} / 1e7', 60_000);
    expect(toApiData(res)).toEqual({ resultType: 'vector', result: [{ metric: { i: '3' }, value: [60, '4e-07'] }] });
    expect(toApiData(await createEngine().instantQuery(querier, '"hello"', 1500))).toEqual({ resultType: 'string', result: [1.5, 'hello'] });
  });
});

describe('stale markers', () => {
  it('recognises the marker by payload, also with the quiet bit V8 may set', async () => {
    const values = new Float64Array([1, 0, 3]);
    const view = new DataView(values.buffer);
    view.setBigUint64(8, 0x7ff8000000000002n, true); // quieted stale marker at t=60s
    const q = createMemoryQuerier([{ labels: { __name__: 's' }, timestamps: Float64Array.from([0, 60_000, 240_000]), values }]);
    const engine = createEngine();
    const at = async (t: number): Promise<number> => {
      const r = await engine.instantQuery(q, 's', t);
      return r.resultType === 'vector' ? r.result.length : -1;
    };
    expect(await at(30_000)).toBe(1);
    expect(await at(90_000)).toBe(0);
    expect(await at(240_000)).toBe(1);
  });
});
