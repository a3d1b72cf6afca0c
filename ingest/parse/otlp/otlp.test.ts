import { describe, expect, it } from 'vitest';
import { ExportLogsServiceRequest } from '../../../proto/gen/compat/opentelemetry/proto/collector/logs/v1/logs_service.js';
import { anyValue, resourceInfo } from './common.js';
import { runStepsCooperatively } from '../../../lib/lifecycle/steps.js';
import { otlpLogsSteps, parseOtlpLogs } from './logs.js';
import { otlpMetricsSteps, parseOtlpMetrics } from './metrics.js';

const OPTS = { maxItems: 100, maxDepth: 32 };
const attrs = (o: Record<string, unknown>) => Object.entries(o).map(([key, v]) => ({ key, value: typeof v === 'string' ? { stringValue: v } : { intValue: String(v) } }));

describe('OTLP common', () => {
  it('converts AnyValues (camelCase or snake_case) to JSON', () => {
    expect(anyValue({ kvlistValue: { values: [{ key: 'a', value: { array_value: { values: [{ boolValue: true }, { double_value: 1.5 }, {}] } } }] } })).toEqual({ a: [true, 1.5, null] });
    expect(anyValue({ intValue: '9007199254740993' })).toBe('9007199254740993');
    expect(anyValue({ intValue: '42' })).toBe(42);
  });

  it('takes service.name as target, ignoring the SDK placeholder', () => {
    expect(resourceInfo({ attributes: attrs({ 'service.name': 'unknown_service:node', 'host.name': 'h1' }) }, undefined).target).toBe('h1');
    expect(resourceInfo({ attributes: attrs({ 'service.name': 'api', 'k8s.pod.name': 'p' }) }, undefined)).toEqual({ target: 'api', labels: { 'k8s.pod.name': 'p' }, attributes: { 'k8s.pod.name': 'p' } });
  });
});

describe('OTLP logs', () => {
  it('maps severity numbers, names and text, and structured bodies', () => {
    const rec = (o: Record<string, unknown>) => ({ resourceLogs: [{ scopeLogs: [{ logRecords: [o] }] }] });
    const level = (o: Record<string, unknown>) => {
      const d = parseOtlpLogs(JSON.stringify(rec(o)), OPTS).items[0]?.draft;
      return d?.kind === 'log' ? d.body : undefined;
    };
    expect(level({ severityNumber: 13 })?.level).toBe('warn');
    expect(level({ severityNumber: 'SEVERITY_NUMBER_ERROR2' })?.level).toBe('error');
    expect(level({ severity_text: 'Critical' })?.level).toBe('fatal');
    expect(level({ body: { stringValue: 'level=debug x' } })?.level).toBe('debug');
    expect(level({ body: { kvlistValue: { values: [{ key: 'message', value: { stringValue: 'hi' } }] } } })).toMatchObject({ message: 'hi', fields: { body: { message: 'hi' } } });
  });

  it('encodes trace ids as hex from both encodings', () => {
    const proto = ExportLogsServiceRequest.encode(
      ExportLogsServiceRequest.fromPartial({ resourceLogs: [{ scopeLogs: [{ logRecords: [{ traceId: Buffer.from('0102', 'hex'), body: { value: { $case: 'stringValue', value: 'x' } } }] }] }] }),
    ).finish();
    const d = parseOtlpLogs(Buffer.from(proto), OPTS).items[0]?.draft;
    expect(d?.kind === 'log' && d.body.fields.trace_id).toBe('0102');
  });

  it('refuses too many records with 413 and bad protobuf with 400', () => {
    const many = { resourceLogs: [{ scopeLogs: [{ logRecords: Array.from({ length: 3 }, () => ({})) }] }] };
    expect(() => parseOtlpLogs(JSON.stringify(many), { ...OPTS, maxItems: 2 })).toThrow(expect.objectContaining({ httpStatus: 413 }) as Error);
    expect(() => parseOtlpLogs(Buffer.from([0x0a, 0x05, 0x01]), OPTS)).toThrow(expect.objectContaining({ reason: 'bad_protobuf' }) as Error);
  });
});

describe('OTLP metrics', () => {
  const request = (metric: Record<string, unknown>) => JSON.stringify({ resourceMetrics: [{ resource: { attributes: attrs({ 'service.name': 'svc' }) }, scopeMetrics: [{ metrics: [metric] }] }] });

  it('maps a non-monotonic sum to a gauge and reads asInt strings', () => {
    const r = parseOtlpMetrics(request({ name: 'q', sum: { isMonotonic: false, dataPoints: [{ asInt: '7', attributes: attrs({ a: 'b' }) }] } }), OPTS);
    expect(r.items).toEqual([{ index: 0, draft: { kind: 'metric', target: 'svc', labels: { a: 'b' }, body: { name: 'q', value: 7, type: 'gauge' } } }]);
  });

  it('flattens histograms to _count, _sum and cumulative _bucket{le}', () => {
    const r = parseOtlpMetrics(request({ name: 'lat', histogram: { dataPoints: [{ count: '6', sum: 2, bucketCounts: ['1', '2', '3'], explicitBounds: [0.5, 1] }] } }), OPTS);
    expect(r.items.map((i) => (i.draft.kind === 'metric' ? [i.draft.body.name, i.draft.labels?.le, i.draft.body.value] : []))).toEqual([
      ['lat_count', undefined, 6],
      ['lat_sum', undefined, 2],
      ['lat_bucket', '0.5', 1],
      ['lat_bucket', '1', 3],
      ['lat_bucket', '+Inf', 6],
    ]);
  });

  it('flattens summaries, keeps quantile 0 (omitted as a default in protobuf JSON)', () => {
    const r = parseOtlpMetrics(request({ name: 's', summary: { dataPoints: [{ count: '2', sum: 3, quantileValues: [{ value: 1 }, { quantile: 0.99, value: 2 }] }] } }), OPTS);
    expect(r.items.map((i) => (i.draft.kind === 'metric' ? [i.draft.body.name, i.draft.labels?.quantile, i.draft.body.value, i.draft.body.type] : []))).toEqual([
      ['s_count', undefined, 2, 'summary'],
      ['s_sum', undefined, 3, 'summary'],
      ['s', '0', 1, 'summary'],
      ['s', '0.99', 2, 'summary'],
    ]);
  });

  it('skips no-recorded-value points, rejects points without a value and metrics without a name', () => {
    const r = parseOtlpMetrics(request({ name: 'g', gauge: { dataPoints: [{ flags: 1 }, {}, { asDouble: 1 }] } }), OPTS);
    expect(r.skipped).toEqual({ no_recorded_value: 1 });
    expect(r.rejected).toEqual([{ index: 1, error: 'g: data point has no finite asDouble/asInt value' }]);
    expect(r.items.map((i) => i.index)).toEqual([2]);
    expect(parseOtlpMetrics(request({ gauge: { dataPoints: [{ asDouble: 1 }] } }), OPTS).rejected).toEqual([{ index: 0, error: 'metric has no name' }]);
  });

  it('refuses histograms with absurd bucket counts per point', () => {
    const r = parseOtlpMetrics(request({ name: 'h', histogram: { dataPoints: [{ count: '1', bucketCounts: Array.from({ length: 500 }, () => '0') }] } }), OPTS);
    expect(r.rejected[0]?.error).toMatch(/500 histogram buckets/);
  });
});

describe('OTLP in slices', () => {
  const many = (n: number) => Array.from({ length: n }, (_, i) => ({ key: `k${i}`, value: { stringValue: `v${i}` } }));
  const logs = JSON.stringify({
    resourceLogs: [{ resource: { attributes: attrs({ 'service.name': 'svc' }) }, scopeLogs: [{ logRecords: [{ body: { stringValue: 'a' } }, { body: { stringValue: 'big' }, attributes: many(5_000) }, 'x', { body: { stringValue: 'c' } }] }] }],
  });
  const metrics = JSON.stringify({
    resourceMetrics: [{ scopeMetrics: [{ metrics: [{ name: 'h', histogram: { dataPoints: [{ count: '3', sum: 1, bucketCounts: ['1', '2'], explicitBounds: [0.5], attributes: many(3_000) }] } }, { name: 'g', gauge: { dataPoints: [{ asDouble: 1 }, {}] } }] }] }],
  });
  const opts = { ...OPTS, maxItems: 1_000 };

  it('gives the same items, rejections and order as in one go, and lets the loop run in between', async () => {
    for (const [steps, once] of [
      [() => otlpLogsSteps(logs, opts), () => parseOtlpLogs(logs, opts)],
      [() => otlpMetricsSteps(metrics, opts), () => parseOtlpMetrics(metrics, opts)],
    ] as const) {
      let turns = 0;
      const tick = setInterval(() => turns++, 0);
      const sliced = await runStepsCooperatively(steps(), 0);
      clearInterval(tick);
      expect(sliced).toEqual(once());
      expect(turns).toBeGreaterThan(0);
    }
  });
});
