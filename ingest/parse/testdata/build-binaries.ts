// Rebuilds the binary golden inputs of ingest/parse/testdata with the generated encoders, compressed the way
// real clients send them (snappy block format for remote_write and Promtail). Not a test; run once after a
// deliberate change: `node --import tsx ingest/parse/testdata/build-binaries.ts`, then review the diff.
// A dev script beside the data it writes, not domain code: testdata/ is outside the no-I/O rule.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import snappy from 'snappyjs';
import { PushRequest } from '../../../proto/gen/compat/loki/push.js';
import { ExportLogsServiceRequest } from '../../../proto/gen/compat/opentelemetry/proto/collector/logs/v1/logs_service.js';
import { ExportMetricsServiceRequest } from '../../../proto/gen/compat/opentelemetry/proto/collector/metrics/v1/metrics_service.js';
import { WriteRequest } from '../../../proto/gen/compat/prometheus/remote.js';
import { MetricMetadata_MetricType } from '../../../proto/gen/compat/prometheus/types.js';
import type { Label } from '../../../proto/gen/compat/prometheus/types.js';

const dir = dirname(fileURLToPath(import.meta.url));
const T = 1704448800000; // 2024-01-05T10:00:00Z

const labels = (o: Record<string, string>): Label[] => Object.entries(o).map(([name, value]) => ({ name, value }));
const series = (l: Record<string, string>, samples: [number, number][]) => ({ labels: labels(l), samples: samples.map(([value, t]) => ({ value, timestamp: String(t) })), exemplars: [], histograms: [] });

// What a Prometheus server sends: label sets sorted by name, __name__ first, job and instance from the scrape.
const write: WriteRequest = {
  timeseries: [
    series({ __name__: 'up', instance: 'web-1:9100', job: 'node' }, [[1, T]]),
    series({ __name__: 'node_cpu_seconds_total', cpu: '0', instance: 'web-1:9100', job: 'node', mode: 'idle' }, [
      [123456.78, T],
      [123471.78, T + 15000],
    ]),
    series({ __name__: 'node_memory_MemAvailable_bytes', instance: 'web-1:9100', job: 'node' }, [[8.5e9, T]]),
    series({ __name__: 'http_request_duration_seconds_bucket', handler: '/api', instance: 'api-1:8080', job: 'api', le: '0.1' }, [[940, T]]),
    series({ __name__: 'http_request_duration_seconds_bucket', handler: '/api', instance: 'api-1:8080', job: 'api', le: '+Inf' }, [[1000, T]]),
    series({ __name__: 'http_request_duration_seconds_count', handler: '/api', instance: 'api-1:8080', job: 'api' }, [[1000, T]]),
    series({ __name__: 'rpc_duration_seconds', job: 'batch', quantile: '0.99' }, [[0.25, T]]),
    // A staleness marker (the target went away): skipped and counted.
    series({ __name__: 'up', instance: 'gone:9100', job: 'node' }, [[NaN, T]]),
    // Not storable: rejected by index.
    series({ __name__: 'weird_ratio', job: 'node' }, [[Infinity, T]]),
    series({ job: 'node', instance: 'web-1:9100' }, [[1, T]]),
    {
      labels: labels({ __name__: 'rpc_latency_seconds', instance: 'api-1:8080', job: 'api' }),
      samples: [],
      exemplars: [],
      histograms: [
        {
          count: { $case: 'countInt', value: '12' },
          sum: 3.5,
          schema: 3,
          zeroThreshold: 1e-128,
          zeroCount: { $case: 'zeroCountInt', value: '0' },
          negativeSpans: [],
          negativeDeltas: [],
          negativeCounts: [],
          positiveSpans: [{ offset: 0, length: 2 }],
          positiveDeltas: ['5', '2'],
          positiveCounts: [],
          resetHint: 0,
          timestamp: String(T),
          customValues: [],
        },
      ],
    },
  ],
  metadata: [
    { type: MetricMetadata_MetricType.COUNTER, metricFamilyName: 'node_cpu_seconds_total', help: 'Seconds the CPUs spent in each mode.', unit: 'seconds' },
    { type: MetricMetadata_MetricType.HISTOGRAM, metricFamilyName: 'http_request_duration_seconds', help: 'Request latency.', unit: '' },
  ],
};
writeFileSync(join(dir, 'prometheus-write.bin'), snappy.compress(Buffer.from(WriteRequest.encode(write).finish())));

// What Promtail sends: one stream per label set, entries in time order, snappy-compressed protobuf.
const push: PushRequest = {
  format: '',
  streams: [
    {
      labels: '{filename="/var/log/nginx/error.log", host="web-1", job="nginx"}',
      hash: '0',
      entries: [
        { timestamp: new Date(T + 1), line: '2024/01/05 10:00:00 [error] 1234#1234: *5 connect() failed (111: Connection refused) while connecting to upstream', structuredMetadata: [], parsed: [] },
        { timestamp: new Date(T + 2), line: '2024/01/05 10:00:00 [warn] 1234#1234: *6 an upstream response is buffered to a temporary file', structuredMetadata: [{ name: 'trace_id', value: '0242ac120002' }], parsed: [] },
      ],
    },
    {
      labels: '{job="app", level="debug", service_name="checkout"}',
      hash: '0',
      entries: [{ timestamp: new Date(T + 3), line: '{"msg":"cart loaded","items":3}', structuredMetadata: [], parsed: [] }],
    },
    { labels: '{job="broken", =oops}', hash: '0', entries: [{ timestamp: new Date(T + 4), line: 'x', structuredMetadata: [], parsed: [] }] },
  ],
};
writeFileSync(join(dir, 'loki-push.bin'), snappy.compress(Buffer.from(PushRequest.encode(push).finish())));

// The OTLP documentation examples, protobuf-encoded (ids are hex in OTLP/JSON, bytes in protobuf).
const logsJson = JSON.parse(readFileSync(join(dir, 'otlp-logs.json'), 'utf8'));
const logs = ExportLogsServiceRequest.fromJSON(logsJson);
for (const rl of logs.resourceLogs) {
  for (const sl of rl.scopeLogs) {
    for (const lr of sl.logRecords) {
      lr.traceId = Buffer.from('5B8EFFF798038103D269B633813FC60C', 'hex');
      lr.spanId = Buffer.from('EEE19B7EC3C1B174', 'hex');
    }
  }
}
writeFileSync(join(dir, 'otlp-logs.bin'), ExportLogsServiceRequest.encode(logs).finish());
const metricsJson = JSON.parse(readFileSync(join(dir, 'otlp-metrics.json'), 'utf8'));
writeFileSync(join(dir, 'otlp-metrics.bin'), ExportMetricsServiceRequest.encode(ExportMetricsServiceRequest.fromJSON(metricsJson)).finish());
console.log('wrote prometheus-write.bin, loki-push.bin, otlp-logs.bin, otlp-metrics.bin');
