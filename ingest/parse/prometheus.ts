// Prometheus remote_write 1.0: a (snappy-decoded) protobuf WriteRequest becomes one metric draft per sample.
// `__name__` is the metric name, `instance` (else `job`) the target, other labels stay labels; NaN samples
// (staleness markers) are skipped and counted. Native histograms become `_count` and `_sum` (their buckets are
// not kept: docs/metrics.md), a histogram staleness marker a marker on both. Pure.
import type { DraftEvent, MetricType } from '../../lib/events/event.js';
import { badRequest } from '../../lib/errors/errors.js';
import { WriteRequest } from '../../proto/gen/compat/prometheus/remote.js';
import { MetricMetadata_MetricType } from '../../proto/gen/compat/prometheus/types.js';
import type { Histogram, TimeSeries } from '../../proto/gen/compat/prometheus/types.js';
import { isStaleNaN, STALE_NAN } from '../../lib/promql/querier.js';
import { familyOfSample } from '../../lib/exposition/parse.js';
import { labelProblem } from '../../lib/tsdb/labels.js';
import type { BatchSeries } from '../../lib/tsdb/batch.js';
import { labelBytesOf } from '../../lib/tsdb/batch-codec.js';
import { batchTooLarge } from './json.js';
import { checkRemoteWriteLabels } from './bounds.js';
import { readPlainWriteRequest, type WireLabels, type WireSeries } from './remote-write-wire.js';
import type { ParsedItem, Rejection } from './values.js';

export interface PrometheusResult {
  items: ParsedItem[];
  rejected: Rejection[];
  format: 'prometheus';
  skipped: Record<string, number>;
  /** The samples as series (labels intact, staleness markers kept), when parsed for the series store. */
  series?: BatchSeries[];
}

export function decodeWriteRequest(body: Uint8Array): WriteRequest {
  try {
    return WriteRequest.decode(body);
  } catch (err) {
    const why = err instanceof Error ? err.message : 'corrupt data';
    throw badRequest(`body is not a Prometheus remote_write WriteRequest (snappy-compressed protobuf): ${why}`, [{ at: 'body', message: why }], 'bad_protobuf');
  }
}

const TYPE_OF: Partial<Record<MetricMetadata_MetricType, MetricType>> = {
  [MetricMetadata_MetricType.COUNTER]: 'counter',
  [MetricMetadata_MetricType.GAUGE]: 'gauge',
  [MetricMetadata_MetricType.HISTOGRAM]: 'histogram',
  [MetricMetadata_MetricType.GAUGEHISTOGRAM]: 'histogram',
  [MetricMetadata_MetricType.SUMMARY]: 'summary',
  [MetricMetadata_MetricType.INFO]: 'gauge',
  [MetricMetadata_MetricType.STATESET]: 'gauge',
};

interface Family {
  type: MetricType;
  unit?: string;
}

/**
 * Metric type of a series: from the request's metadata when it names the family (Prometheus sends metadata
 * in separate requests, so usually it does not), else from naming conventions (`_total` counter,
 * `_bucket` with `le` histogram, `quantile` label summary), else untyped.
 */
function familyOf(name: string, families: Map<string, Family>, hasLe: boolean, hasQuantile: boolean): Family {
  const named = familyOfSample(name, families);
  if (named) return named;
  if (name.endsWith('_total')) return { type: 'counter' };
  if (hasLe && name.endsWith('_bucket')) return { type: 'histogram' };
  if (hasQuantile) return { type: 'summary' };
  return { type: 'untyped' };
}

function familiesOf(req: WriteRequest): Map<string, Family> {
  const families = new Map<string, Family>();
  for (const m of req.metadata) {
    const type = TYPE_OF[m.type];
    if (m.metricFamilyName !== '' && type !== undefined) families.set(m.metricFamilyName, m.unit === '' ? { type } : { type, unit: m.unit });
  }
  return families;
}

/** Milliseconds of a remote_write timestamp (int64 as a decimal string), or undefined when not a safe integer. */
function millis(ts: string): number | undefined {
  const n = Number(ts);
  return Number.isSafeInteger(n) ? n : undefined;
}

/**
 * remote_write as series for the series store: every series keeps all its labels (`instance` and `job`
 * included, as Prometheus stores them), its target is `instance`, else `job`, else the default; staleness
 * markers and other NaNs are kept (PromQL needs them). A series whose labels Prometheus would refuse is
 * rejected whole, with the reason, by the index of each of its samples.
 */
export function parsePrometheusSeries(body: Uint8Array, opts: { maxItems: number; defaultTarget?: string; maxSeriesLabels?: number }): PrometheusResult {
  const maxLabels = opts.maxSeriesLabels ?? Infinity;
  const plain = readPlainWriteRequest(body, maxLabels);
  if (plain) return plainSeries(plain, opts);
  // Before decoding: a series with 300 000 labels would hold the loop for a second just to be refused.
  if (maxLabels !== Infinity) checkRemoteWriteLabels(body, maxLabels);
  return decodedSeries(decodeWriteRequest(body), opts);
}

/**
 * What is kept of a native histogram sample: its count and its sum. Prometheus marks a histogram series stale
 * with a sample whose sum is the staleness NaN (and count 0): both become staleness markers, so `_count` ends
 * as `_sum` does instead of dropping to 0.
 */
function countAndSum(h: Histogram): { count: number; sum: number } {
  if (isStaleNaN(h.sum)) return { count: STALE_NAN, sum: STALE_NAN };
  return { count: h.count === undefined ? 0 : h.count.$case === 'countInt' ? Number(h.count.value) : h.count.value, sum: h.sum };
}

/** parsePrometheusSeries over a request the generated decoder read (any request: metadata, histograms). */
export function decodedSeries(req: WriteRequest, opts: { maxItems: number; defaultTarget?: string }): PrometheusResult {
  let total = 0;
  for (const ts of req.timeseries) total += ts.samples.length + 2 * ts.histograms.length;
  if (total > opts.maxItems) throw batchTooLarge(`${total} samples`, opts.maxItems);
  const families = familiesOf(req);
  const series: BatchSeries[] = [];
  const rejected: Rejection[] = [];
  let index = 0;
  for (const ts of req.timeseries) {
    const labels: Record<string, string> = {};
    let hasLe = false;
    let hasQuantile = false;
    for (const l of ts.labels) {
      // An empty label value is the same as no label in Prometheus.
      if (l.value === '' || l.name === '__proto__') continue;
      if (l.name === 'le') hasLe = true;
      else if (l.name === 'quantile') hasQuantile = true;
      labels[l.name] = l.value;
    }
    const count = ts.samples.length + ts.histograms.length;
    const problem = labelProblem(labels);
    if (problem !== null) {
      for (let k = 0; k < count; k++) rejected.push({ index: index++, error: problem });
      continue;
    }
    const name = labels.__name__ as string;
    const target = labels.instance ?? labels.job ?? opts.defaultTarget ?? '';
    const fam = familyOf(name, families, hasLe, hasQuantile);
    if (ts.samples.length > 0) {
      const timestamps: number[] = [];
      const values: number[] = [];
      const s: BatchSeries = { target, labels, type: fam.type, timestamps, values, firstIndex: index };
      if (fam.unit !== undefined) s.unit = fam.unit;
      for (const sample of ts.samples) {
        const i = index++;
        const t = millis(sample.timestamp);
        if (t === undefined) {
          rejected.push({ index: i, error: `sample timestamp ${sample.timestamp.slice(0, 30)} of ${name} is out of range` });
          continue;
        }
        timestamps.push(t);
        values.push(sample.value);
      }
      series.push(s);
    }
    if (ts.histograms.length > 0) {
      // Native histograms are kept as their _count and _sum series (docs/metrics.md).
      const timestamps: number[] = [];
      const counts: number[] = [];
      const sums: number[] = [];
      const first = index;
      for (const h of ts.histograms) {
        const i = index++;
        const t = millis(h.timestamp);
        if (t === undefined) {
          rejected.push({ index: i, error: `histogram timestamp ${h.timestamp.slice(0, 30)} of ${name} is out of range` });
          continue;
        }
        const { count, sum } = countAndSum(h);
        timestamps.push(t);
        counts.push(count);
        sums.push(sum);
      }
      series.push(
        { target, labels: { ...labels, __name__: `${name}_count` }, type: 'histogram', timestamps, values: counts, firstIndex: first },
        { target, labels: { ...labels, __name__: `${name}_sum` }, type: 'histogram', timestamps, values: sums, firstIndex: first },
      );
    }
  }
  return { items: [], rejected, format: 'prometheus', skipped: {}, series };
}

const NO_FAMILIES = new Map<string, Family>();
const EMPTY = new Uint8Array(0);

interface Derived {
  problem: string | null;
  type: MetricType;
  /** The label block of the stream entry (labelBytesOf), built once per label set. */
  bytes: Uint8Array;
  /** How many labels (BatchSeries.labelCount: the tenant's per-series bound is checked on every request). */
  count: number;
}

/** What a series' labels alone decide, worked out once per label set (remote-write-wire.ts keeps it). */
function derivedOf(w: WireLabels): Derived {
  if (w.derived !== undefined) return w.derived as Derived;
  const problem = labelProblem(w.labels);
  const d: Derived = { problem, type: problem === null ? familyOf(w.labels.__name__ as string, NO_FAMILIES, w.hasLe, w.hasQuantile).type : 'untyped', bytes: problem === null ? labelBytesOf(w.labels) : EMPTY, count: Object.keys(w.labels).length };
  w.derived = d;
  return d;
}

/** parsePrometheusSeries over a request read by readPlainWriteRequest (no metadata, no histograms). */
function plainSeries(plain: readonly WireSeries[], opts: { maxItems: number; defaultTarget?: string }): PrometheusResult {
  let total = 0;
  for (const w of plain) total += w.timestamps.length;
  if (total > opts.maxItems) throw batchTooLarge(`${total} samples`, opts.maxItems);
  const series: BatchSeries[] = [];
  const rejected: Rejection[] = [];
  let index = 0;
  for (const w of plain) {
    const { labels } = w.labels;
    const count = w.timestamps.length;
    const d = derivedOf(w.labels);
    if (d.problem !== null) {
      for (let k = 0; k < count; k++) rejected.push({ index: index++, error: d.problem });
      continue;
    }
    if (count === 0) continue;
    const s: BatchSeries = { target: labels.instance ?? labels.job ?? opts.defaultTarget ?? '', labels, labelBytes: d.bytes, labelCount: d.count, type: d.type, timestamps: w.timestamps, values: w.values, firstIndex: index };
    index += count;
    series.push(s);
  }
  return { items: [], rejected, format: 'prometheus', skipped: {}, series };
}

export function parsePrometheusWrite(body: Uint8Array, opts: { maxItems: number; defaultTarget?: string }): PrometheusResult {
  const req = decodeWriteRequest(body);
  let total = 0;
  for (const ts of req.timeseries) total += ts.samples.length + 2 * ts.histograms.length;
  if (total > opts.maxItems) throw batchTooLarge(`${total} samples`, opts.maxItems);
  const families = familiesOf(req);
  const items: ParsedItem[] = [];
  const rejected: Rejection[] = [];
  let stale = 0;
  let index = 0;
  for (const series of req.timeseries) {
    const s = seriesInfo(series, opts.defaultTarget);
    const count = series.samples.length + series.histograms.length;
    if (typeof s === 'string') {
      for (let k = 0; k < count; k++) rejected.push({ index: index++, error: s });
      continue;
    }
    const fam = familyOf(s.name, families, s.hasLe, s.hasQuantile);
    for (const sample of series.samples) {
      const i = index++;
      const value = sample.value;
      if (Number.isNaN(value)) {
        stale++;
        continue;
      }
      if (!Number.isFinite(value)) {
        rejected.push({ index: i, error: `sample value of ${s.name} is ${value}; only finite values are stored` });
        continue;
      }
      const draft: DraftEvent = { kind: 'metric', ts: Number(sample.timestamp), labels: s.labels, body: fam.unit === undefined ? { name: s.name, value, type: fam.type } : { name: s.name, value, type: fam.type, unit: fam.unit } };
      if (s.target !== undefined) draft.target = s.target;
      items.push({ index: i, draft });
    }
    for (const h of series.histograms) {
      const i = index++;
      const { count, sum } = countAndSum(h);
      const ts = Number(h.timestamp);
      for (const [suffix, value] of [['_count', count], ['_sum', sum]] as const) {
        if (!Number.isFinite(value)) {
          if (Number.isNaN(value)) stale++;
          continue;
        }
        const draft: DraftEvent = { kind: 'metric', ts, labels: s.labels, body: { name: s.name + suffix, value, type: 'histogram' } };
        if (s.target !== undefined) draft.target = s.target;
        items.push({ index: i, draft });
      }
    }
  }
  return { items, rejected, format: 'prometheus', skipped: stale > 0 ? { stale_markers: stale } : {} };
}

interface SeriesInfo {
  name: string;
  target?: string;
  labels: Record<string, string>;
  hasLe: boolean;
  hasQuantile: boolean;
}

function seriesInfo(series: TimeSeries, defaultTarget: string | undefined): SeriesInfo | string {
  let name: string | undefined;
  let instance: string | undefined;
  let job: string | undefined;
  const labels: Record<string, string> = {};
  let hasLe = false;
  let hasQuantile = false;
  for (const l of series.labels) {
    // An empty label value is the same as no label in Prometheus.
    if (l.value === '') continue;
    switch (l.name) {
      case '__name__':
        name = l.value;
        continue;
      case 'instance':
        instance = l.value;
        continue;
      case 'job':
        job = l.value;
        break;
      case 'le':
        hasLe = true;
        break;
      case 'quantile':
        hasQuantile = true;
        break;
      case '__proto__':
        continue;
    }
    labels[l.name] = l.value;
  }
  if (name === undefined) return 'series has no __name__ label';
  const target = instance ?? job ?? defaultTarget;
  return target === undefined ? { name, labels, hasLe, hasQuantile } : { name, target, labels, hasLe, hasQuantile };
}
