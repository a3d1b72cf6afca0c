// OTLP/HTTP metrics (POST /v1/metrics), JSON or protobuf. One draft per gauge/sum data point (monotonic sum
// → counter). Histograms and summaries are flattened the way Prometheus stores them, so a histogram reads
// the same whether it came by remote_write or OTLP: `<name>_count`, `<name>_sum` and cumulative
// `<name>_bucket{le=...}` (summaries: `<name>{quantile=...}`, `_count`, `_sum`); exponential histograms keep
// `_count` and `_sum` only. Data points flagged "no recorded value" are skipped and counted. Pure.
import type { DraftEvent, MetricType } from '../../../lib/events/event.js';
import { ExportMetricsServiceRequest } from '../../../proto/gen/compat/opentelemetry/proto/collector/metrics/v1/metrics_service.js';
import { batchTooLarge } from '../json.js';
import { isObject } from '../values.js';
import type { JsonObject, ParsedItem, Rejection } from '../values.js';
import { runSteps, type Steps } from '../../../lib/lifecycle/steps.js';
import type { JsonValue } from '../../../lib/events/event.js';
import { arrayField, field, keyValuesSteps, labelValue, nanoTime, objectField, resourceInfo } from './common.js';
import { jsonRequest, protobufAsJson } from './logs.js';
import { DEFAULT_MAX_ATTRIBUTES, type OtlpOptions, type OtlpResult } from './logs.js';
import { checkOtlpJsonAttributesSteps, checkOtlpProtobufAttributes } from '../bounds.js';

/** More explicit buckets than this in one data point and the point is rejected (each bucket is an event). */
export const MAX_HISTOGRAM_BUCKETS = 200;

export function parseOtlpMetrics(body: Buffer | string, opts: OtlpOptions): OtlpResult {
  return runSteps(otlpMetricsSteps(body, opts));
}

/** parseOtlpMetrics as steps: decoding is one step, then mapping pauses after each data point and every 1 024 attributes. */
export function* otlpMetricsSteps(body: Buffer | string, opts: OtlpOptions): Steps<OtlpResult> {
  const max = opts.maxAttributes ?? DEFAULT_MAX_ATTRIBUTES;
  if (typeof body === 'string') {
    const req = jsonRequest(body, opts.maxDepth, 'ExportMetricsServiceRequest');
    yield;
    yield* checkOtlpJsonAttributesSteps(req, max);
    return yield* mapMetrics(req, opts, 'otlp_json');
  }
  checkOtlpProtobufAttributes(body, 'metrics', max);
  const req = protobufAsJson(ExportMetricsServiceRequest, body, 'ExportMetricsServiceRequest');
  yield;
  return yield* mapMetrics(req, opts, 'otlp_protobuf');
}

function num(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && v !== '') return Number(v);
  return NaN;
}

interface Out {
  items: ParsedItem[];
  rejected: Rejection[];
  noValue: number;
  maxItems: number;
}

function push(out: Out, index: number, draft: DraftEvent): void {
  if (out.items.length >= out.maxItems) throw batchTooLarge(`more than ${out.maxItems} metric events`, out.maxItems);
  out.items.push({ index, draft });
}

function* mapMetrics(req: JsonObject, opts: OtlpOptions, format: OtlpResult['format']): Steps<OtlpResult> {
  const out: Out = { items: [], rejected: [], noValue: 0, maxItems: opts.maxItems };
  let index = 0;
  for (const rm of arrayField(req, 'resourceMetrics', 'resource_metrics')) {
    if (!isObject(rm)) continue;
    const res = resourceInfo(objectField(rm, 'resource', 'resource'), opts.defaultTarget);
    let scopes = arrayField(rm, 'scopeMetrics', 'scope_metrics');
    if (scopes.length === 0) scopes = arrayField(rm, 'instrumentationLibraryMetrics', 'instrumentation_library_metrics');
    for (const sm of scopes) {
      if (!isObject(sm)) continue;
      for (const m of arrayField(sm, 'metrics', 'metrics')) {
        if (!isObject(m)) {
          out.rejected.push({ index: index++, error: 'metric must be an object' });
          continue;
        }
        index = yield* mapMetric(m, res.target, res.labels, index, out);
      }
    }
  }
  const result: OtlpResult = { items: out.items, rejected: out.rejected, format };
  if (out.noValue > 0) result.skipped = { no_recorded_value: out.noValue };
  return result;
}

/** Maps one Metric's data points (each one index); returns the next free index. */
function* mapMetric(m: JsonObject, target: string | undefined, resLabels: Record<string, string>, index: number, out: Out): Steps<number> {
  const name = typeof m.name === 'string' ? m.name : '';
  const unit = typeof m.unit === 'string' && m.unit !== '' ? m.unit : undefined;
  const gauge = objectField(m, 'gauge', 'gauge');
  const sum = objectField(m, 'sum', 'sum');
  const histogram = objectField(m, 'histogram', 'histogram');
  const expHistogram = objectField(m, 'exponentialHistogram', 'exponential_histogram');
  const summary = objectField(m, 'summary', 'summary');
  const data = gauge ?? sum ?? histogram ?? expHistogram ?? summary;
  const points = data ? arrayField(data, 'dataPoints', 'data_points') : [];
  if (name === '') {
    for (let k = 0; k < Math.max(points.length, 1); k++) out.rejected.push({ index: index++, error: 'metric has no name' });
    return index;
  }
  // attrs: the point's attributes (read once per point, however many drafts it gives).
  const make = (p: JsonObject, attrs: Record<string, JsonValue>, suffix: string, value: number, type: MetricType, extra?: Record<string, string>): DraftEvent => {
    const labels: Record<string, string> = { ...resLabels };
    for (const k in attrs) {
      const v = labelValue(attrs[k] ?? null);
      if (v !== undefined) labels[k] = v;
    }
    if (extra) Object.assign(labels, extra);
    const body: Extract<DraftEvent, { kind: 'metric' }>['body'] = unit === undefined ? { name: name + suffix, value, type } : { name: name + suffix, value, type, unit };
    const draft: DraftEvent = { kind: 'metric', labels, body };
    const ts = nanoTime(field(p, 'timeUnixNano', 'time_unix_nano'));
    if (ts !== undefined) draft.ts = ts;
    if (target !== undefined) draft.target = target;
    return draft;
  };
  for (const p of points) {
    yield;
    const i = index++;
    if (!isObject(p)) {
      out.rejected.push({ index: i, error: `${name}: data point must be an object` });
      continue;
    }
    if ((num(p.flags) & 1) === 1) {
      out.noValue++;
      continue;
    }
    if (gauge || sum) {
      const raw = field(p, 'asDouble', 'as_double') ?? field(p, 'asInt', 'as_int');
      const value = num(raw);
      if (raw === undefined || !Number.isFinite(value)) {
        out.rejected.push({ index: i, error: `${name}: data point has no finite asDouble/asInt value` });
        continue;
      }
      const monotonic = sum !== undefined && (field(sum, 'isMonotonic', 'is_monotonic') === true);
      const attrs = yield* keyValuesSteps(arrayField(p, 'attributes', 'attributes'));
      push(out, i, make(p, attrs, '', value, gauge ? 'gauge' : monotonic ? 'counter' : 'gauge'));
      continue;
    }
    const type: MetricType = summary ? 'summary' : 'histogram';
    // Absent proto3 scalars mean zero (protobuf JSON omits defaults); a histogram's sum is optional though.
    const count = p.count === undefined ? 0 : num(p.count);
    const attrs = yield* keyValuesSteps(arrayField(p, 'attributes', 'attributes'));
    if (Number.isFinite(count)) push(out, i, make(p, attrs, '_count', count, type));
    const s = p.sum === undefined ? (summary ? 0 : NaN) : num(p.sum);
    if (Number.isFinite(s)) push(out, i, make(p, attrs, '_sum', s, type));
    if (histogram) {
      const bounds = arrayField(p, 'explicitBounds', 'explicit_bounds');
      const counts = arrayField(p, 'bucketCounts', 'bucket_counts');
      if (counts.length > MAX_HISTOGRAM_BUCKETS) {
        out.rejected.push({ index: i, error: `${name}: ${counts.length} histogram buckets, at most ${MAX_HISTOGRAM_BUCKETS}` });
        continue;
      }
      // bucket_counts has one more entry than explicit_bounds; counts past the bounds all fall in +Inf.
      let cumulative = 0;
      for (let b = 0; b < counts.length; b++) {
        cumulative += num(counts[b]);
        if (b < bounds.length && b < counts.length - 1 && Number.isFinite(cumulative)) push(out, i, make(p, attrs, '_bucket', cumulative, 'histogram', { le: String(num(bounds[b])) }));
      }
      if (counts.length > 0 && Number.isFinite(cumulative)) push(out, i, make(p, attrs, '_bucket', cumulative, 'histogram', { le: '+Inf' }));
    } else if (summary) {
      for (const q of arrayField(p, 'quantileValues', 'quantile_values')) {
        if (!isObject(q)) continue;
        const v = q.value === undefined ? 0 : num(q.value);
        const quantile = q.quantile === undefined ? 0 : num(q.quantile);
        if (Number.isFinite(v) && Number.isFinite(quantile)) push(out, i, make(p, attrs, '', v, 'summary', { quantile: String(quantile) }));
      }
    }
  }
  return index;
}
