import { describe, expect, it } from 'vitest';
import { encodeMetricBatch, encodeMetricBatchBytes, readMetricBatch } from '../tsdb/batch-codec.js';
import { contentOfEntry, eventsOfEntry, FIELD_METRIC_BATCH, FIELD_METRIC_BATCH_BASE64, FIELD_METRICS, FIELD_TENANT, isThin, metricBatchPayloadOf } from './codec.js';
import type { FieldValue } from './port.js';

describe('metric-batch entries', () => {
  const series = { target: 'web', labels: { __name__: 'cpu', instance: 'web' }, type: 'gauge' as const, timestamps: [1000, 2000], values: [0.5, 0.75] };
  const batch = { tenant: 'acme', receivedAt: 5, id: 'b1', series: [series] };

  it('read the bytes form and the base64 and JSON forms older versions wrote alike', () => {
    // Bytes as a read gives them: a view at an odd offset of a larger buffer (a reply), not 8-aligned.
    const bytes = encodeMetricBatchBytes(batch);
    const reply = Buffer.alloc(bytes.length + 11, 0xee);
    bytes.copy(reply, 3);
    const binary: FieldValue[] = [FIELD_METRIC_BATCH, reply.subarray(3, 3 + bytes.length), FIELD_TENANT, 'acme'];
    const base64 = [FIELD_METRIC_BATCH_BASE64, encodeMetricBatch(batch), FIELD_TENANT, 'acme'];
    const json = [FIELD_METRICS, '{"n":"acme","r":5,"i":"b1","s":[["web","gauge","",{"__name__":"cpu","instance":"web"},[1000,1000],[0.5,0.75]]]}', FIELD_TENANT, 'acme'];
    const plain = (fields: FieldValue[]) => {
      const { batch } = contentOfEntry(fields);
      return batch && { ...batch, series: batch.series.map((s) => ({ ...s, timestamps: Array.from(s.timestamps), values: Array.from(s.values) })) };
    };
    expect(plain(binary)).toEqual({ tenant: 'acme', receivedAt: 5, id: 'b1', series: [series] });
    expect(plain(base64)).toEqual(plain(binary));
    expect(plain(json)).toEqual(plain(binary));
    expect(eventsOfEntry(binary)).toEqual(eventsOfEntry(json));
    expect(eventsOfEntry(base64)).toEqual(eventsOfEntry(json));
    expect(eventsOfEntry(binary).map((e) => [e.id, e.ts, e.kind === 'metric' ? e.body.value : undefined])).toEqual([
      ['b1-0.0', 1000, 0.5],
      ['b1-0.1', 2000, 0.75],
    ]);
    // The persister's series-by-series read takes the bytes and the base64 alike.
    const read = (payload: Buffer | string | undefined): unknown[] => {
      const out: unknown[] = [];
      if (payload !== undefined)
        readMetricBatch(payload, {
          header: (tenant, receivedAt, id) => out.push([tenant, receivedAt, id]),
          series: (labels, target, _type, _unit, ts, vs, from, count) => out.push([labels, target, Array.from(ts.subarray(from, from + count)), Array.from(vs.subarray(from, from + count))]),
        });
      return out;
    };
    expect(read(metricBatchPayloadOf(binary))).toEqual([['acme', 5, 'b1'], [series.labels, 'web', [1000, 2000], [0.5, 0.75]]]);
    expect(read(metricBatchPayloadOf(base64))).toEqual(read(metricBatchPayloadOf(binary)));
    expect(metricBatchPayloadOf(json)).toBeUndefined();
  });

  it('a thin batch entry has its payload field, empty, in any form', () => {
    expect(isThin([FIELD_METRIC_BATCH, Buffer.alloc(0), FIELD_TENANT, 'acme'])).toBe(true);
    expect(isThin([FIELD_METRIC_BATCH_BASE64, '', FIELD_TENANT, 'acme'])).toBe(true);
    expect(isThin([FIELD_METRIC_BATCH, encodeMetricBatchBytes(batch), FIELD_TENANT, 'acme'])).toBe(false);
  });
});
