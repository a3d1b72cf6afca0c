import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { STALE_NAN_BITS } from '../promql/querier.js';
import { sampleCount, type MetricBatch } from './batch.js';
import { base64Length, decodeMetricBatch, encodeMetricBatch, encodeMetricBatchBytes, labelBytesOf, readMetricBatch, type MetricBatchSink } from './batch-codec.js';

const bitsView = new DataView(new ArrayBuffer(8));
const bitsOf = (v: number): bigint => {
  bitsView.setFloat64(0, v);
  return bitsView.getBigUint64(0);
};
const fromBits = (bits: bigint): number => {
  bitsView.setBigUint64(0, bits);
  return bitsView.getFloat64(0);
};

// Any float64 bit pattern, NaN payloads (Prometheus's stale marker among them) included.
const valueArb = fc.oneof(
  fc.double(),
  fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }).map(fromBits),
  fc.constantFrom(NaN, fromBits(STALE_NAN_BITS), Infinity, -Infinity, -0, 0),
);
const text = fc.string({ maxLength: 12, unit: 'grapheme' });
const labelsArb = fc.dictionary(fc.stringMatching(/^[a-zA-Z_][a-zA-Z0-9_]{0,10}$/), text, { maxKeys: 7 });
const seriesArb = fc
  .record({
    labels: labelsArb,
    targetFrom: fc.constantFrom('instance', 'job', 'own'),
    own: text,
    type: fc.constantFrom('gauge', 'counter', 'histogram', 'summary', 'untyped' as const),
    unit: fc.option(text, { nil: undefined }),
    samples: fc.array(fc.tuple(fc.oneof(fc.integer({ min: 0, max: 4e12 }), fc.double()), valueArb), { maxLength: 12 }),
  })
  .map((s) => {
    const labels: Record<string, string> = { ...s.labels };
    if (s.targetFrom !== 'own') labels[s.targetFrom] = s.own;
    return {
      target: s.own,
      labels,
      type: s.type,
      ...(s.unit === undefined ? {} : { unit: s.unit }),
      timestamps: s.samples.map((x) => x[0]),
      values: s.samples.map((x) => x[1]),
    };
  });
const batchArb = fc.record({
  tenant: text,
  receivedAt: fc.integer({ min: 0, max: 4e12 }),
  id: text,
  series: fc.array(seriesArb, { maxLength: 8 }),
});

/** What readMetricBatch hands a sink, copied out (its views are of a reused buffer), as decodeMetricBatch's shape. */
function readAll(payload: string): { header: [string, number, string][]; series: MetricBatch['series'] } {
  const out: ReturnType<typeof readAll> = { header: [], series: [] };
  const sink: MetricBatchSink = {
    header: (tenant, receivedAt, id) => out.header.push([tenant, receivedAt, id]),
    series: (labels, target, type, unit, ts, vs, from, count) => {
      out.series.push({ labels, target, type, ...(unit === undefined ? {} : { unit }), timestamps: ts.slice(from, from + count), values: vs.slice(from, from + count) });
    },
  };
  readMetricBatch(payload, sink);
  return out;
}

describe('metric batch entries (binary, base64)', () => {
  it('round-trip tenant, ids, series and every timestamp and value bit for bit, property', () => {
    fc.assert(
      fc.property(batchArb, (batch: MetricBatch) => {
        const payload = encodeMetricBatch(batch);
        expect(payload).toMatch(/^[A-Za-z0-9+/]*=*$/);
        expect(payload.length).toBe(base64Length(encodeMetricBatchBytes(batch).length));
        // Labels handed over already encoded give the very same entry.
        expect(encodeMetricBatch({ ...batch, series: batch.series.map((s) => ({ ...s, labelBytes: labelBytesOf(s.labels) })) })).toBe(payload);
        const back = decodeMetricBatch(payload);
        expect({ tenant: back.tenant, receivedAt: back.receivedAt, id: back.id }).toEqual({ tenant: batch.tenant, receivedAt: batch.receivedAt, id: batch.id });
        expect(back.series.map((s) => ({ target: s.target, labels: s.labels, type: s.type, unit: s.unit }))).toEqual(batch.series.map((s) => ({ target: s.target, labels: s.labels, type: s.type, unit: s.unit })));
        back.series.forEach((s, i) => {
          const want = batch.series[i] as MetricBatch['series'][number];
          expect(Array.from(s.timestamps, bitsOf)).toEqual(Array.from(want.timestamps, bitsOf));
          expect(Array.from(s.values, bitsOf)).toEqual(Array.from(want.values, bitsOf));
        });
        expect(sampleCount(back)).toBe(sampleCount(batch));
        // Read series by series: the same header, the same (shared) labels objects, the same bits.
        const read = readAll(payload);
        expect(read.header).toEqual([[back.tenant, back.receivedAt, back.id]]);
        expect(read.series.length).toBe(back.series.length);
        read.series.forEach((s, i) => {
          const want = back.series[i] as MetricBatch['series'][number];
          expect(s.labels).toBe(want.labels);
          expect({ target: s.target, type: s.type, unit: s.unit }).toEqual({ target: want.target, type: want.type, unit: want.unit });
          expect(Array.from(s.timestamps, bitsOf)).toEqual(Array.from(want.timestamps, bitsOf));
          expect(Array.from(s.values, bitsOf)).toEqual(Array.from(want.values, bitsOf));
        });
      }),
    );
  });

  it('reads entries series by series through one reused buffer, large after small and small after large', () => {
    const series = (n: number, v: number) => ({ target: 'a', labels: { __name__: 'm' }, type: 'gauge' as const, timestamps: Array.from({ length: n }, (_, i) => i), values: Array.from({ length: n }, () => v) });
    for (const n of [1, 10_000, 3, 50_000, 2]) {
      const read = readAll(encodeMetricBatch({ tenant: 't', receivedAt: n, id: 'x', series: [series(n, n), series(1, -n)] }));
      expect(read.header).toEqual([['t', n, 'x']]);
      expect(read.series.map((s) => [s.timestamps.length, s.values[0], s.values[s.values.length - 1]])).toEqual([[n, n, n], [1, -n, -n]]);
    }
  });

  it('keeps the stale marker, other NaNs, ±Inf and -0 exact', () => {
    // In a Float64Array, set by bit pattern: a plain array may set the quiet bit of a signalling NaN (the stale marker is one).
    const bits = [STALE_NAN_BITS, bitsOf(NaN), 0x7ff8dead00000001n, 0xfff0000000000001n, bitsOf(Infinity), bitsOf(-Infinity), bitsOf(-0)];
    const values = new Float64Array(bits.length);
    const view = new DataView(values.buffer);
    bits.forEach((b, i) => view.setBigUint64(8 * i, b, true));
    const back = decodeMetricBatch(encodeMetricBatch({ tenant: 't', receivedAt: 1, id: 'x', series: [{ target: 'a', labels: { __name__: 'm' }, type: 'gauge', timestamps: bits.map((_, i) => i), values }] }));
    const out = back.series[0]?.values as Float64Array;
    expect(bits.map((_, i) => new DataView(out.buffer, out.byteOffset).getBigUint64(8 * i, true))).toEqual(bits);
  });

  it('gives every batch the same frozen labels object for the same label set', () => {
    const series = (ts: number) => ({ target: 'h:9100', labels: { __name__: 'up', instance: 'h:9100', job: 'node' }, type: 'gauge' as const, timestamps: [ts], values: [1] });
    const a = decodeMetricBatch(encodeMetricBatch({ tenant: 't', receivedAt: 1, id: 'a', series: [series(1), { ...series(1), labels: { __name__: 'up', instance: 'h:9100', job: 'other' } }] }));
    const b = decodeMetricBatch(encodeMetricBatch({ tenant: 't', receivedAt: 2, id: 'b', series: [series(2)] }));
    expect(b.series[0]?.labels).toBe(a.series[0]?.labels);
    expect(a.series[1]?.labels).not.toBe(a.series[0]?.labels);
    expect(Object.isFrozen(a.series[0]?.labels)).toBe(true);
    expect(a.series.map((s) => s.target)).toEqual(['h:9100', 'h:9100']);
  });

  it('refuses what it did not write', () => {
    const good = encodeMetricBatchBytes({ tenant: 't', receivedAt: 1, id: 'x', series: [{ target: 'a', labels: { __name__: 'm' }, type: 'gauge', timestamps: [1, 2], values: [3, 4] }] });
    expect(() => decodeMetricBatch('')).toThrow(TypeError);
    expect(() => decodeMetricBatch('eyJuIjoiYSJ9')).toThrow(/version/); // a JSON batch's base64
    for (let cut = 1; cut < good.length; cut++) expect(() => decodeMetricBatch(good.subarray(0, cut).toString('base64'))).toThrow(TypeError);
    expect(() => decodeMetricBatch(Buffer.concat([good, Buffer.alloc(8)]).toString('base64'))).toThrow(/bytes/);
    // version, tenant, receivedAt, id, the two counts, the label block's length and bytes: then the flags.
    const flagsAt = 1 + 2 + 8 + 2 + 2 + 1 + good[15]!;
    const badType = Buffer.from(good);
    badType[flagsAt] = 7;
    expect(() => decodeMetricBatch(badType.toString('base64'))).toThrow(/flags/);
    const badTarget = Buffer.from(good);
    badTarget[flagsAt] = 2 << 3; // target = the job label, which the series does not have
    expect(() => decodeMetricBatch(badTarget.toString('base64'))).toThrow(/target/);
    // Read series by series: refused likewise, before the sink sees anything of the entry.
    const two = encodeMetricBatchBytes({ tenant: 't', receivedAt: 1, id: 'x', series: [{ target: 'a', labels: { __name__: 'm' }, type: 'gauge', timestamps: [1], values: [3] }, { target: 'a', labels: { __name__: 'n' }, type: 'gauge', timestamps: [2], values: [4] }] });
    const seen: string[] = [];
    const sink: MetricBatchSink = { header: () => seen.push('header'), series: () => seen.push('series') };
    for (let cut = 1; cut < two.length; cut++) expect(() => readMetricBatch(two.subarray(0, cut).toString('base64'), sink)).toThrow(TypeError);
    expect(() => readMetricBatch(badTarget.toString('base64'), sink)).toThrow(/target/);
    expect(seen).toEqual([]);
  });

  it('refuses to encode what it could not decode', () => {
    expect(() => encodeMetricBatchBytes({ tenant: 't', receivedAt: 1, id: 'x', series: [{ target: 'a', labels: {}, type: 'gauge', timestamps: [1, 2], values: [3] }] })).toThrow(/2 timestamps and 1 values/);
    expect(() => encodeMetricBatchBytes({ tenant: 't', receivedAt: 1, id: 'x', series: [{ target: 'a', labels: {}, type: 'bogus' as 'gauge', timestamps: [], values: [] }] })).toThrow(/unknown type/);
  });
});
