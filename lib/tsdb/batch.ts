// A batch of metric samples as it travels in a stream entry: each series' labels once, then its samples. The
// entry form is binary (batch-codec.ts); this file keeps the model, the reading of the JSON form entries had
// before it (still found in streams written by an older version), and the samples-as-events view. Pure; no I/O.
import type { CanonicalEvent, MetricBody, MetricType } from '../events/event.js';
import { METRIC_TYPES } from '../events/event.js';
import { STALE_NAN } from '../promql/querier.js';

/** One series of a batch. `labels` holds `__name__`; `target` is the monitored thing, as for every event. */
export interface BatchSeries {
  target: string;
  labels: Readonly<Record<string, string>>;
  /** labelBytesOf(labels) (batch-codec.ts), when the caller has it already (labels repeated request after request). */
  labelBytes?: Uint8Array;
  /** Object.keys(labels).length, when the caller has it already (worked out once per label set, as labelBytes). */
  labelCount?: number;
  type: MetricType;
  unit?: string;
  /** Milliseconds; a decoded batch holds Float64Array views (batch-codec.ts), a parsed one arrays. */
  timestamps: ArrayLike<number>;
  values: ArrayLike<number>;
  /** Item index of its first sample in the request (for ingest's answer; never encoded). */
  firstIndex?: number;
}

export interface MetricBatch {
  tenant: string;
  receivedAt: number;
  /** Base of the ids a sample gets when a client asks for it as an event (`<id>-<series>.<sample>`). */
  id: string;
  series: BatchSeries[];
}

const TOKENS: Record<string, number> = { NaN: NaN, Inf: Infinity, '-Inf': -Infinity, '-0': -0, S: STALE_NAN };

const TYPES = new Set<string>(METRIC_TYPES);

/**
 * Decodes the JSON form of a batch (field FIELD_METRICS, written before the binary form): `{"n": tenant,
 * "r": receivedAt, "i": id, "s": [[target, type, unit or "", labels, timestamp deltas, values]]}` with non-finite
 * values and -0 as the tokens NaN, Inf, -Inf, -0 and S (the stale marker). Throws TypeError on anything else.
 */
export function decodeMetricBatchJson(payload: string): MetricBatch {
  const raw = JSON.parse(payload) as { n?: unknown; r?: unknown; i?: unknown; s?: unknown };
  if (typeof raw !== 'object' || raw === null || typeof raw.n !== 'string' || typeof raw.r !== 'number' || typeof raw.i !== 'string' || !Array.isArray(raw.s)) {
    throw new TypeError('metric batch entry is malformed');
  }
  const series: BatchSeries[] = new Array(raw.s.length);
  for (let s = 0; s < raw.s.length; s++) {
    const x = raw.s[s] as unknown[];
    if (!Array.isArray(x) || x.length !== 6) throw new TypeError(`metric batch series ${s} is malformed`);
    const [target, type, unit, labels, deltas, values] = x as [unknown, unknown, unknown, unknown, unknown, unknown];
    if (typeof target !== 'string' || typeof type !== 'string' || !TYPES.has(type) || typeof unit !== 'string' || typeof labels !== 'object' || labels === null) {
      throw new TypeError(`metric batch series ${s} is malformed`);
    }
    if (!Array.isArray(deltas) || !Array.isArray(values) || deltas.length !== values.length) throw new TypeError(`metric batch series ${s} has mismatched samples`);
    const timestamps = new Array<number>(deltas.length);
    let t = 0;
    for (let i = 0; i < deltas.length; i++) {
      t += deltas[i] as number;
      timestamps[i] = t;
      const v = values[i];
      if (typeof v !== 'number') {
        const known = typeof v === 'string' ? TOKENS[v] : undefined;
        if (known === undefined) throw new TypeError(`metric batch series ${s} has a bad value`);
        values[i] = known;
      }
    }
    const out: BatchSeries = { target, type: type as MetricType, labels: labels as Record<string, string>, timestamps, values: values as number[] };
    if (unit !== '') out.unit = unit;
    series[s] = out;
  }
  return { tenant: raw.n, receivedAt: raw.r, id: raw.i, series };
}

/** Samples in a batch. */
export function sampleCount(batch: MetricBatch): number {
  let n = 0;
  for (const s of batch.series) n += s.timestamps.length;
  return n;
}

/**
 * The label a series gets for its target when its labels do not already name it (an `instance` or `job` equal
 * to the target, as remote_write and OTLP series have): two native agents sending `cpu` for different targets
 * are two series.
 */
export const TARGET_LABEL = 'target';

/** Series labels of a metric event: its labels, `__name__`, and the target unless a label already names it. */
export function seriesLabelsOf(name: string, target: string, labels: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = { ...labels, __name__: name };
  if (target !== '' && labels.instance !== target && labels.job !== target && labels[TARGET_LABEL] === undefined) out[TARGET_LABEL] = target;
  return out;
}

/** The event labels of a series (the inverse of seriesLabelsOf): without `__name__`, and without a target label equal to the target. */
export function eventLabelsOf(target: string, labels: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k in labels) {
    if (k === '__name__' || (k === TARGET_LABEL && labels[k] === target)) continue;
    out[k] = labels[k] as string;
  }
  return out;
}

/**
 * One canonical metric event per sample, for readers that show samples as events (`/ws/metrics`, the
 * detector's threshold rules). Ids are `<batch id>-<series>.<sample>`: stable across replays of the entry.
 */
export function expandMetricBatch(batch: MetricBatch): CanonicalEvent[] {
  const out: CanonicalEvent[] = [];
  for (let s = 0; s < batch.series.length; s++) {
    const x = batch.series[s] as BatchSeries;
    const labels = seriesEventLabels(x);
    for (let i = 0; i < x.timestamps.length; i++) out.push(sampleEvent(batch, s, i, labels));
  }
  return out;
}

/** The event labels of a series' samples (computed once per series by readers that walk a batch themselves). */
export function seriesEventLabels(x: BatchSeries): Record<string, string> {
  return eventLabelsOf(x.target, x.labels);
}

/**
 * Sample `i` of series `s` as the canonical event expandMetricBatch makes of it, for readers (detector, realtime)
 * that walk a batch series by series and build events only for the series someone watches.
 */
export function sampleEvent(batch: MetricBatch, s: number, i: number, labels: Record<string, string>): CanonicalEvent {
  const x = batch.series[s] as BatchSeries;
  const body: MetricBody = { name: x.labels.__name__ ?? '', value: x.values[i] as number, type: x.type };
  if (x.unit !== undefined) body.unit = x.unit;
  return { id: `${batch.id}-${s}.${i}`, tenant: batch.tenant, kind: 'metric', target: x.target, ts: x.timestamps[i] as number, receivedAt: batch.receivedAt, labels, body };
}
