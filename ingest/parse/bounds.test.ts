import { afterAll, describe, expect, it, vi } from 'vitest';
import { ExportLogsServiceRequest } from '../../proto/gen/compat/opentelemetry/proto/collector/logs/v1/logs_service.js';
import { ExportMetricsServiceRequest } from '../../proto/gen/compat/opentelemetry/proto/collector/metrics/v1/metrics_service.js';
import { WriteRequest } from '../../proto/gen/compat/prometheus/remote.js';
import { createWorkCounter } from '../../test/support/work.js';
import { checkOtlpJsonAttributes, checkOtlpProtobufAttributes, checkRemoteWriteLabels } from './bounds.js';
import { parsePayload } from './index.js';

const kvs = (n: number, prefix = 'k'): Array<{ key: string; value: { stringValue: string } }> => Array.from({ length: n }, (_, i) => ({ key: `${prefix}${i}`, value: { stringValue: 'v' } }));
const thrown = (f: () => void): Record<string, unknown> => {
  try {
    f();
  } catch (err) {
    return err as Record<string, unknown>;
  }
  return {};
};

function logsRequest(resource: number, record: number, nested: number): Record<string, unknown> {
  return {
    resourceLogs: [
      {
        resource: { attributes: kvs(resource, 'r') },
        scopeLogs: [{ scope: { name: 's', attributes: kvs(1, 's') }, logRecords: [{ timeUnixNano: '1', attributes: [...kvs(record), { key: 'nested', value: { kvlistValue: { values: kvs(nested, 'n') } } }] }] }],
      },
    ],
  };
}

describe('OTLP attribute bound', () => {
  it('counts resource, scope, record and nested key-values the same on the wire and in JSON', () => {
    // 3 resource + 1 scope + 4 record + 1 "nested" + 2 inside it = 11
    const json = logsRequest(3, 4, 2);
    const wire = ExportLogsServiceRequest.encode(ExportLogsServiceRequest.fromJSON(json)).finish();
    expect(() => checkOtlpJsonAttributes(json, 11)).not.toThrow();
    expect(() => checkOtlpProtobufAttributes(wire, 'logs', 11)).not.toThrow();
    expect(thrown(() => checkOtlpJsonAttributes(json, 10))).toMatchObject({ httpStatus: 413, reason: 'too_many_attributes' });
    expect(thrown(() => checkOtlpProtobufAttributes(wire, 'logs', 10))).toMatchObject({ httpStatus: 413, reason: 'too_many_attributes' });
  });

  it('counts data point attributes of every metric kind on the wire', () => {
    const dp = (n: number): Record<string, unknown> => ({ attributes: kvs(n), timeUnixNano: '1', asDouble: 1 });
    const json = {
      resourceMetrics: [
        {
          resource: { attributes: kvs(1, 'r') },
          scopeMetrics: [
            {
              metrics: [
                { name: 'g', gauge: { dataPoints: [dp(2)] } },
                { name: 's', sum: { dataPoints: [dp(3)] } },
                { name: 'h', histogram: { dataPoints: [{ attributes: kvs(4), count: '1' }] } },
                { name: 'e', exponentialHistogram: { dataPoints: [{ attributes: kvs(5), count: '1' }] } },
                { name: 'q', summary: { dataPoints: [{ attributes: kvs(6), count: '1' }] } },
              ],
            },
          ],
        },
      ],
    };
    const wire = ExportMetricsServiceRequest.encode(ExportMetricsServiceRequest.fromJSON(json)).finish();
    expect(() => checkOtlpProtobufAttributes(wire, 'metrics', 21)).not.toThrow();
    expect(thrown(() => checkOtlpProtobufAttributes(wire, 'metrics', 20))).toMatchObject({ reason: 'too_many_attributes' });
    expect(thrown(() => checkOtlpJsonAttributes(json, 20))).toMatchObject({ reason: 'too_many_attributes' });
  });

  // Not timed (a 500 ms budget took 435 ms in a quiet CI run): the refusal comes from the wire walk, so the
  // generated decoder, which would build an object per attribute, never runs. bench/edge-bystander.ts measures.
  it('refuses 200 000 attributes before decoding them', () => {
    const json = logsRequest(0, 200_000, 0);
    const wire = Buffer.from(ExportLogsServiceRequest.encode(ExportLogsServiceRequest.fromJSON(json)).finish());
    const decode = vi.spyOn(ExportLogsServiceRequest, 'decode');
    try {
      const err = thrown(() => parsePayload({ endpoint: 'otlp_logs', contentType: 'application/x-protobuf', body: wire, params: {}, now: 0 }, { maxItems: 10_000, maxDepth: 32, maxLineBytes: 1 << 20, maxAttributes: 100_000 }));
      expect(err).toMatchObject({ httpStatus: 413, reason: 'too_many_attributes' });
      expect(decode).not.toHaveBeenCalled();
      // A body under the limit is decoded: the spy sees the decoder the parser calls.
      const small = Buffer.from(ExportLogsServiceRequest.encode(ExportLogsServiceRequest.fromJSON(logsRequest(0, 10, 0))).finish());
      parsePayload({ endpoint: 'otlp_logs', contentType: 'application/x-protobuf', body: small, params: {}, now: 0 }, { maxItems: 10_000, maxDepth: 32, maxLineBytes: 1 << 20, maxAttributes: 100_000 });
      expect(decode).toHaveBeenCalled();
    } finally {
      decode.mockRestore();
    }
  });

  it('leaves malformed wire data to the decoder', () => {
    expect(() => checkOtlpProtobufAttributes(Buffer.from([0x0a, 0xff, 0xff, 0xff]), 'logs', 1)).not.toThrow();
    expect(thrown(() => parsePayload({ endpoint: 'otlp_logs', contentType: 'application/x-protobuf', body: Buffer.from([0x0a, 0xff, 0xff, 0xff]), params: {}, now: 0 }, { maxItems: 10, maxDepth: 32, maxLineBytes: 1024 }))).toMatchObject({ httpStatus: 400 });
  });
});

describe('remote_write labels per series', () => {
  // Started before any test runs: block counts come only from code compiled after the coverage began.
  const counter = createWorkCounter({ blocks: true });
  afterAll(() => counter.close());
  const series = (n: number): { labels: Array<{ name: string; value: string }>; samples: Array<{ value: number; timestamp: string }> } => ({
    labels: [{ name: '__name__', value: 'm' }, ...Array.from({ length: n - 1 }, (_, i) => ({ name: `l${i}`, value: 'v' }))],
    samples: [{ value: 1, timestamp: '1' }],
  });
  const encode = (...ts: Array<ReturnType<typeof series>>): Uint8Array => WriteRequest.encode(WriteRequest.fromPartial({ timeseries: ts })).finish();

  it('refuses the request naming the first series over the bound', () => {
    expect(() => checkRemoteWriteLabels(encode(series(64), series(3)), 64)).not.toThrow();
    const err = thrown(() => checkRemoteWriteLabels(encode(series(3), series(65)), 64));
    expect(err).toMatchObject({ httpStatus: 400, reason: 'too_many_labels', details: [{ at: 'timeseries[1].labels' }] });
    expect(String(err.message)).toContain('series 1 has more than 64 labels');
  });

  // Counted in steps, not timed (a 500 ms budget took 335 ms in a CI run): the label count stops at the
  // bound, so a series of 300 000 labels costs the refusal what one of 1 000 does.
  it('refuses 300 000 labels without decoding them', () => {
    const refuse = (labels: number) => {
      const body = Buffer.from(encode(series(labels)));
      return counter.count(() => parsePayload({ endpoint: 'prometheus', contentType: 'application/x-protobuf', body, params: {}, now: 0 }, { maxItems: 10_000, maxDepth: 32, maxLineBytes: 1024 }));
    };
    const small = refuse(1_000);
    const huge = refuse(300_000);
    for (const w of [small, huge]) {
      expect(w.outcome.ok).toBe(false);
      if (!w.outcome.ok) expect(w.outcome.error).toMatchObject({ httpStatus: 400, reason: 'too_many_labels' });
    }
    expect(huge.steps).toBeLessThan(small.steps * 2);
    // The count sees a walk over every label: the check given a bound above the series' size reads them all.
    const body = Buffer.from(encode(series(300_000)));
    expect(counter.count(() => checkRemoteWriteLabels(body, 1_000_000)).steps).toBeGreaterThan(300_000);
  });
});
