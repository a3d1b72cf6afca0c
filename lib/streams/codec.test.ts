import { describe, expect, it } from 'vitest';
import { encodeMetricBatch } from '../tsdb/batch-codec.js';
import { contentOfEntry, eventsOfEntry, FIELD_METRIC_BATCH, FIELD_METRICS, FIELD_TENANT } from './codec.js';

describe('metric-batch entries', () => {
  const series = { target: 'web', labels: { __name__: 'cpu', instance: 'web' }, type: 'gauge' as const, timestamps: [1000, 2000], values: [0.5, 0.75] };

  it('read the binary form and the JSON form older versions wrote alike', () => {
    const binary = [FIELD_METRIC_BATCH, encodeMetricBatch({ tenant: 'acme', receivedAt: 5, id: 'b1', series: [series] }), FIELD_TENANT, 'acme'];
    const json = [FIELD_METRICS, '{"n":"acme","r":5,"i":"b1","s":[["web","gauge","",{"__name__":"cpu","instance":"web"},[1000,1000],[0.5,0.75]]]}', FIELD_TENANT, 'acme'];
    const plain = (fields: string[]) => {
      const { batch } = contentOfEntry(fields);
      return batch && { ...batch, series: batch.series.map((s) => ({ ...s, timestamps: Array.from(s.timestamps), values: Array.from(s.values) })) };
    };
    expect(plain(binary)).toEqual({ tenant: 'acme', receivedAt: 5, id: 'b1', series: [series] });
    expect(plain(json)).toEqual(plain(binary));
    expect(eventsOfEntry(binary)).toEqual(eventsOfEntry(json));
    expect(eventsOfEntry(binary).map((e) => [e.id, e.ts, e.kind === 'metric' ? e.body.value : undefined])).toEqual([
      ['b1-0.0', 1000, 0.5],
      ['b1-0.1', 2000, 0.75],
    ]);
  });
});
