// Request bodies in the wire formats agents send, built from small descriptions, for gateway tests, the
// fuzzer and the benchmarks.
import snappy from 'snappyjs';
import { WriteRequest } from '../../proto/gen/compat/prometheus/remote.js';

/** A snappy-compressed Prometheus remote_write 1.0 WriteRequest. */
export function remoteWrite(series: Array<{ labels: Array<[string, string]>; samples: Array<[number, number]> }>): Buffer {
  const proto = WriteRequest.encode({
    timeseries: series.map((s) => ({
      labels: s.labels.map(([name, value]) => ({ name, value })),
      samples: s.samples.map(([value, ts]) => ({ value, timestamp: String(ts) })),
      exemplars: [],
      histograms: [],
    })),
    metadata: [],
  }).finish();
  return Buffer.from(snappy.compress(proto));
}
