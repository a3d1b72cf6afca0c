import { describe, expect, it } from 'vitest';
import { STALE_NAN, isStaleNaN } from '../../lib/promql/querier.js';
import { WriteRequest, type DeepPartial } from '../../proto/gen/compat/prometheus/remote.js';
import { MetricMetadata_MetricType } from '../../proto/gen/compat/prometheus/types.js';
import { decodedSeries, decodeWriteRequest, parsePrometheusSeries } from './prometheus.js';
import { readPlainWriteRequest, type WireLabels } from './remote-write-wire.js';
import { checkRemoteWriteLabels } from './bounds.js';
import { LightwatchError } from '../../lib/errors/errors.js';
import { labelBytesOf } from '../../lib/tsdb/batch-codec.js';

const OPTS = { maxItems: 100_000, defaultTarget: 'dflt' };

/** A seeded generator, so a failure names its case. */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}

const NAMES = ['__name__', 'job', 'instance', 'le', 'quantile', 'a', '__proto__', 'bad-name', 'é'];
const VALUES = ['', 'x', 'host:9100', '0.5', 'ünïcødé ✓', 'x'.repeat(100), 'é'.repeat(40)];
const FLOATS = [0, 1, -0, 1.5e-300, Math.PI, NaN, STALE_NAN, Infinity, -Infinity, 42];
const TIMES = ['0', '1700000000000', '1700000000015', String(2 ** 53 - 1), String(2 ** 53), '-1', '9223372036854775807'];

function randomRequest(r: () => number, plain: boolean): Uint8Array {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;
  const req = WriteRequest.fromPartial({
    timeseries: Array.from({ length: 1 + Math.floor(r() * 5) }, () => ({
      labels: Array.from({ length: Math.floor(r() * 5) }, () => ({ name: pick(NAMES), value: pick(VALUES) })).concat(r() < 0.9 ? [{ name: '__name__', value: pick(['up', 'x_total', 'h_bucket', 'é']) }] : []),
      samples: Array.from({ length: Math.floor(r() * 4) }, () => ({ value: pick(FLOATS), timestamp: r() < 0.9 ? pick(TIMES.slice(0, 3)) : pick(TIMES) })),
      exemplars: r() < 0.2 ? [{ labels: [{ name: 'trace_id', value: 'abc' }], value: 1, timestamp: '5' }] : [],
      histograms: !plain && r() < 0.3 ? [{ count: { $case: 'countInt', value: '3' }, sum: 1.5, timestamp: '1700000000000' }] : [],
    })),
    metadata: !plain && r() < 0.3 ? [{ type: MetricMetadata_MetricType.COUNTER, metricFamilyName: 'up', help: '', unit: 's' }] : [],
  });
  return WriteRequest.encode(req).finish();
}

const comparable = (x: unknown): unknown => JSON.parse(JSON.stringify(x, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? `n:${String(v)}` : Object.is(v, -0) ? 'n:-0' : v)));

describe('remote_write read off the wire', () => {
  it('gives the same series, rejections and indexes as the generated decoder, on random requests', () => {
    let fast = 0;
    for (let seed = 1; seed <= 400; seed++) {
      const body = randomRequest(rng(seed), seed % 2 === 0);
      const viaWire = parsePrometheusSeries(body, OPTS);
      const viaDecoder = decodedSeries(decodeWriteRequest(body), OPTS);
      const plain = readPlainWriteRequest(body) !== undefined;
      if (plain) fast++;
      for (const s of viaWire.series ?? []) {
        expect(s.labelBytes).toEqual(plain ? labelBytesOf(s.labels) : undefined);
        expect(s.labelCount).toBe(plain ? Object.keys(s.labels).length : undefined);
        delete s.labelBytes;
        delete s.labelCount;
      }
      expect(comparable(viaWire), `seed ${seed}`).toEqual(comparable(viaDecoder));
    }
    // Requests without histograms or metadata take the wire path (not the fallback), exemplars or not,
    // unless a timestamp is outside [0, 2^53).
    expect(fast).toBeGreaterThan(150);
  });

  it('bounds labels per series as checkRemoteWriteLabels does, on the wire path and off it, on random requests', () => {
    const outcome = (fn: () => unknown): string => {
      try {
        return JSON.stringify(comparable(fn()));
      } catch (err) {
        return err instanceof LightwatchError ? `${err.reason ?? ''} ${err.message}` : `thrown ${String(err)}`;
      }
    };
    let refused = 0;
    for (let seed = 1; seed <= 300; seed++) {
      const body = randomRequest(rng(seed), seed % 2 === 0);
      const max = seed % 5;
      const separate = outcome(() => {
        checkRemoteWriteLabels(body, max);
        return parsePrometheusSeries(body, OPTS);
      });
      if (separate.startsWith('too_many_labels')) refused++;
      expect(outcome(() => parsePrometheusSeries(body, { ...OPTS, maxSeriesLabels: max })), `seed ${seed}`).toBe(separate);
    }
    expect(refused).toBeGreaterThan(50);
  });

  it('keeps the staleness marker bit-exact and reads non-ASCII labels', () => {
    const body = WriteRequest.encode(
      WriteRequest.fromPartial({ timeseries: [{ labels: [{ name: '__name__', value: 'up' }, { name: 'city', value: 'Zürich' }], samples: [{ value: STALE_NAN, timestamp: '1700000000000' }] }] }),
    ).finish();
    const [s] = readPlainWriteRequest(body) ?? [];
    expect(s?.labels.labels).toEqual({ __name__: 'up', city: 'Zürich' });
    expect(isStaleNaN(s?.values[0] as number)).toBe(true);
  });

  it('reads each label set once: a repeat of the same bytes is the same frozen entry', () => {
    const body = (v: number): Uint8Array =>
      WriteRequest.encode(WriteRequest.fromPartial({ timeseries: [{ labels: [{ name: '__name__', value: 'memo_test' }, { name: 'a', value: 'b' }], samples: [{ value: v, timestamp: '1' }] }] })).finish();
    const [first] = readPlainWriteRequest(body(1)) ?? [];
    const [again] = readPlainWriteRequest(body(2)) ?? [];
    expect(again?.labels).toBe(first?.labels);
    expect(Object.isFrozen(first?.labels.labels)).toBe(true);
    expect(again?.values).toEqual([2]);
  });

  it('leaves histograms, metadata, negative or huge timestamps and malformed bytes to the generated decoder', () => {
    const one = (partial: DeepPartial<WriteRequest>): Uint8Array => WriteRequest.encode(WriteRequest.fromPartial(partial)).finish();
    const labels = [{ name: '__name__', value: 'up' }];
    expect(readPlainWriteRequest(one({ timeseries: [{ labels, histograms: [{ sum: 1, timestamp: '1' }] }] }))).toBeUndefined();
    expect(readPlainWriteRequest(one({ metadata: [{ metricFamilyName: 'up' }] }))).toBeUndefined();
    expect(readPlainWriteRequest(one({ timeseries: [{ labels, samples: [{ value: 1, timestamp: '-5' }] }] }))).toBeUndefined();
    expect(readPlainWriteRequest(one({ timeseries: [{ labels, samples: [{ value: 1, timestamp: String(2 ** 53) }] }] }))).toBeUndefined();
    const good = one({ timeseries: [{ labels, samples: [{ value: 1, timestamp: '5' }], exemplars: [{ labels: [{ name: 'trace_id', value: 'abc' }], value: 2, timestamp: '5' }] }] });
    expect(readPlainWriteRequest(good)).toHaveLength(1);
    expect(readPlainWriteRequest(good.subarray(0, good.length - 3))).toBeUndefined();
    expect(readPlainWriteRequest(Uint8Array.from([0xff, 0xff, 0xff]))).toBeUndefined();
  });
  it('gives each series arrays of its own, exactly as long as its samples, untouched by later requests', () => {
    const one = (values: number[][]): Uint8Array =>
      WriteRequest.encode(WriteRequest.fromPartial({ timeseries: values.map((vs, s) => ({ labels: [{ name: '__name__', value: `m${s}` }], samples: vs.map((value, k) => ({ value, timestamp: String(1000 + k) })) })) })).finish();
    const first = readPlainWriteRequest(one([[1, 2, 3], [4], [], [5, 6]])) ?? [];
    expect(first.map((s) => [s.timestamps, s.values])).toEqual([
      [[1000, 1001, 1002], [1, 2, 3]],
      [[1000], [4]],
      [[], []],
      [[1000, 1001], [5, 6]],
    ]);
    const later = readPlainWriteRequest(one([[7, 8, 9, 10, 11]])) ?? [];
    expect(later[0]?.values).toEqual([7, 8, 9, 10, 11]);
    expect(first[0]?.values).toEqual([1, 2, 3]);
    expect(first[0]?.timestamps).not.toBe(first[1]?.timestamps);
    expect(first[0]?.values).not.toBe(later[0]?.values);
  });

  it('hands each series its label count with its labels, empty values and __proto__ left out as in the labels', () => {
    const body = WriteRequest.encode(
      WriteRequest.fromPartial({ timeseries: [{ labels: [{ name: '__name__', value: 'up' }, { name: 'job', value: 'j' }, { name: 'empty', value: '' }, { name: 'a', value: 'b' }], samples: [{ value: 1, timestamp: '5' }] }] }),
    ).finish();
    const [s] = parsePrometheusSeries(body, OPTS).series ?? [];
    expect(s?.labelCount).toBe(3);
    expect(s?.labelCount).toBe(Object.keys(s?.labels ?? {}).length);
  });
  it('tells label sets apart by every byte: 2000 sets that differ in one byte or in length, each read twice', () => {
    const set = (i: number): DeepPartial<WriteRequest>['timeseries'] => [
      { labels: [{ name: '__name__', value: 'm' }, { name: 'k', value: `v${String(i).padStart(4, '0')}${i % 3 === 0 ? 'x' : ''}` }], samples: [{ value: i, timestamp: '5' }] },
    ];
    const ids = Array.from({ length: 2000 }, (_, i) => i);
    const read = (i: number): WireLabels | undefined => readPlainWriteRequest(WriteRequest.encode(WriteRequest.fromPartial({ timeseries: set(i) })).finish())?.[0]?.labels;
    const first = ids.map(read);
    const again = ids.map(read);
    expect(new Set(first).size).toBe(2000);
    ids.forEach((i) => {
      expect(again[i]).toBe(first[i]);
      expect(first[i]?.labels.k).toBe(`v${String(i).padStart(4, '0')}${i % 3 === 0 ? 'x' : ''}`);
    });
  });
  it('refuses a request over maxItems whole on the wire path, however many of its series have bad labels', () => {
    const series = (name: string, n: number): { labels: { name: string; value: string }[]; samples: { value: number; timestamp: string }[] } => ({
      labels: [{ name: '__name__', value: name }],
      samples: Array.from({ length: n }, (_, k) => ({ value: k, timestamp: String(k) })),
    });
    const over = WriteRequest.encode(WriteRequest.fromPartial({ timeseries: [series('ok', 3), series('bad-name', 5), series('ok2', 3)] })).finish();
    expect(readPlainWriteRequest(over)).toHaveLength(3);
    expect(() => parsePrometheusSeries(over, { maxItems: 10 })).toThrow(expect.objectContaining({ httpStatus: 413, reason: 'batch_too_large', message: expect.stringContaining('11 samples') as string }) as Error);
    const within = parsePrometheusSeries(over, { maxItems: 11 });
    expect(within.series?.map((s) => [s.labels.__name__, s.firstIndex])).toEqual([['ok', 0], ['ok2', 8]]);
    expect(within.rejected.map((r) => r.index)).toEqual([3, 4, 5, 6, 7]);
  });

  it('names the series by its position among all of them when it has too many labels, series without samples counted', () => {
    const wide = { labels: Array.from({ length: 4 }, (_, i) => ({ name: `l${i}`, value: 'v' })).concat([{ name: '__name__', value: 'w' }]), samples: [{ value: 1, timestamp: '1' }] };
    const body = WriteRequest.encode(WriteRequest.fromPartial({ timeseries: [{ labels: [{ name: '__name__', value: 'a' }] }, { labels: [{ name: '__name__', value: 'b' }], samples: [{ value: 1, timestamp: '1' }] }, wide] })).finish();
    expect(() => parsePrometheusSeries(body, { maxItems: 10, maxSeriesLabels: 3 })).toThrow(expect.objectContaining({ httpStatus: 400 }) as Error);
    let message = '';
    try {
      parsePrometheusSeries(body, { maxItems: 10, maxSeriesLabels: 3 });
    } catch (err) {
      message = (err as Error).message;
    }
    let viaCheck = '';
    try {
      checkRemoteWriteLabels(body, 3);
    } catch (err) {
      viaCheck = (err as Error).message;
    }
    expect(message).toBe(viaCheck);
  });
  it('tells apart label sets of one length that differ only in their first or their last byte', () => {
    const read = (name: string, value: string): WireLabels | undefined =>
      readPlainWriteRequest(WriteRequest.encode(WriteRequest.fromPartial({ timeseries: [{ labels: [{ name, value }], samples: [{ value: 1, timestamp: '1' }] }] })).finish())?.[0]?.labels;
    for (const len of [1, 3, 4, 5, 8, 13]) {
      const v = 'v'.repeat(len);
      const sets = [read('__name__', v), read('__name__', `${v.slice(0, -1)}w`), read('__namf__', v), read('__name__', v)];
      expect(sets[0]?.labels).toEqual({ __name__: v });
      expect(sets[1]?.labels).toEqual({ __name__: `${v.slice(0, -1)}w` });
      expect(sets[2]?.labels).toEqual({ __namf__: v });
      expect(sets[3]).toBe(sets[0]);
    }
  });
});
