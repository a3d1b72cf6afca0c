// Request bodies in the wire formats agents send, built from small descriptions, for gateway tests, the
// fuzzer and the benchmarks.
import snappy from 'snappyjs';
import { WriteRequest } from '../../proto/gen/compat/prometheus/remote.js';
import { Histogram } from '../../proto/gen/compat/prometheus/types.js';
import { ExportLogsServiceRequest } from '../../proto/gen/compat/opentelemetry/proto/collector/logs/v1/logs_service.js';
import { ExportMetricsServiceRequest } from '../../proto/gen/compat/opentelemetry/proto/collector/metrics/v1/metrics_service.js';

/** A native histogram sample: the fields given, the others empty (no buckets, schema 0). */
export type NativeHistogram = Partial<Histogram> & Pick<Histogram, 'sum' | 'timestamp'>;

/** A snappy-compressed Prometheus remote_write 1.0 WriteRequest; a series may carry native histogram samples. */
export function remoteWrite(series: Array<{ labels: Array<[string, string]>; samples: Array<[number, number]>; histograms?: NativeHistogram[] }>): Buffer {
  const proto = WriteRequest.encode({
    timeseries: series.map((s) => ({
      labels: s.labels.map(([name, value]) => ({ name, value })),
      samples: s.samples.map(([value, ts]) => ({ value, timestamp: String(ts) })),
      exemplars: [],
      histograms: (s.histograms ?? []).map((h) => Histogram.fromPartial(h)),
    })),
    metadata: [],
  }).finish();
  return Buffer.from(snappy.compress(proto));
}

/**
 * The largest OTLP requests the default limits allow (INGEST_MAX_ATTRIBUTES 100,000, INGEST_MAX_BATCH 10,000,
 * under the 5 MiB body limit): logs, one record with 100,000 attributes (~4.4 MB as JSON); metrics, 10,000 gauge
 * points of 10 attributes each (~5 MB as JSON). Protobuf is about a third of the size and costs more per byte.
 */
export function largestOtlp(signal: 'logs' | 'metrics', encoding: 'json' | 'protobuf', now = Date.now()): { body: Buffer; contentType: string } {
  const attributes = (n: number, suffix: string): Array<{ key: string; value: { stringValue: string } }> => Array.from({ length: n }, (_, i) => ({ key: `k${i}${suffix}`, value: { stringValue: 'v' } }));
  const json =
    signal === 'logs'
      ? { resourceLogs: [{ resource: { attributes: [] }, scopeLogs: [{ logRecords: [{ timeUnixNano: `${now}000000`, body: { stringValue: 'big' }, attributes: attributes(100_000, '') }] }] }] }
      : {
          resourceMetrics: [
            {
              resource: { attributes: [] },
              scopeMetrics: [{ metrics: Array.from({ length: 100 }, (_, m) => ({ name: `m${m}`, gauge: { dataPoints: Array.from({ length: 100 }, (_, p) => ({ timeUnixNano: `${now}000000`, asDouble: p, attributes: attributes(10, `_${p}`) })) } })) }],
            },
          ],
        };
  if (encoding === 'json') return { body: Buffer.from(JSON.stringify(json)), contentType: 'application/json' };
  const codec = signal === 'logs' ? ExportLogsServiceRequest : ExportMetricsServiceRequest;
  return { body: Buffer.from(codec.encode(codec.fromJSON(json) as never).finish()), contentType: 'application/x-protobuf' };
}
