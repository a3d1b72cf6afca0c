// What one scrape stores, as Prometheus's scrape loop decides it: the exposed samples with the target's labels
// (`job`, `instance`, static labels) merged in under honor_labels semantics (a clashing scraped label kept as
// `exported_<name>`, or winning with honorLabels), the sample limit, staleness markers for series that went
// away (or all of them when the scrape failed), and the synthesized `up`, `scrape_duration_seconds`,
// `scrape_samples_scraped`, `scrape_samples_post_metric_relabeling` and `scrape_series_added`. Pure; the
// state carried from one scrape to the next is a value the caller keeps.
import { STALE_NAN } from '../promql/querier.js';
import type { BatchSeries } from '../tsdb/batch.js';
import { DEFAULT_LABEL_LIMITS, labelProblem, METRIC_NAME, seriesKey } from '../tsdb/labels.js';
import type { MetricType } from '../events/event.js';
import { typeOfSample, type Exposition } from './parse.js';

/** The series of the previous scrape, by series key; only those without a timestamp of their own are marked stale. */
export type ScrapeMemory = ReadonlyMap<string, { labels: Record<string, string>; type: MetricType; ownTs: boolean }>;

export interface ScrapeTarget {
  /** The Lightwatch target the samples are about (the series' `target`). */
  target: string;
  /** job, instance and static labels (none empty). */
  labels: Readonly<Record<string, string>>;
  honorLabels: boolean;
  honorTimestamps: boolean;
  sampleLimit: number;
  /** Labels per series (`__name__` included) the tenant allows; default Prometheus's bounds (lib/tsdb/labels.ts). */
  maxLabels?: number;
}

export interface ScrapeRecord {
  /** Samples to append: exposed series, staleness markers and the synthesized series. */
  series: BatchSeries[];
  /** Remembered for the next scrape. */
  memory: ScrapeMemory;
  /** Why the scrape fails after all (sample limit, labels Prometheus would refuse), when the exposition was read. */
  error?: string;
  up: 0 | 1;
  scraped: number;
}

/** Prometheus's default instance label: the URL's host:port, the scheme's port filled in when the URL has none. */
export function instanceOf(url: string): string {
  const u = new URL(url);
  if (u.port !== '') return u.host;
  return `${u.host}:${u.protocol === 'https:' ? 443 : 80}`;
}

/** The target labels of a scrape: job and instance, then the static labels (which may replace them). */
export function targetLabels(job: string, url: string, extra: Readonly<Record<string, string>> = {}): Record<string, string> {
  const out: Record<string, string> = { job, instance: instanceOf(url) };
  for (const k in extra) if (extra[k] !== '') out[k] = extra[k] as string;
  return out;
}

/**
 * A sample's final labels (Prometheus's mutateSampleLabels): with honorLabels, target labels only fill the names
 * the sample lacks; otherwise they win, and a clashing exposed value moves to `exported_<name>` (prefixed again
 * while that name is taken), shortest names first.
 */
export function mergeLabels(name: string, exposed: Readonly<Record<string, string>>, target: Readonly<Record<string, string>>, honorLabels: boolean): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k in exposed) if (exposed[k] !== '') out[k] = exposed[k] as string;
  if (honorLabels) {
    for (const k in target) if (out[k] === undefined) out[k] = target[k] as string;
  } else {
    const clashes: Array<[string, string]> = [];
    for (const k in target) {
      const had = out[k];
      if (had !== undefined) clashes.push([k, had]);
      out[k] = target[k] as string;
    }
    clashes.sort((a, b) => a[0].length - b[0].length);
    for (const [k, v] of clashes) {
      let n = k;
      do n = 'exported_' + n;
      while (out[n] !== undefined);
      out[n] = v;
    }
  }
  out[METRIC_NAME] = name;
  return out;
}

function one(target: string, labels: Record<string, string>, type: MetricType, ts: number, value: number): BatchSeries {
  return { target, labels, type, timestamps: [ts], values: [value] };
}

function staleMarkers(t: ScrapeTarget, previous: ScrapeMemory, kept: { has(key: string): boolean }, at: number, out: BatchSeries[]): void {
  for (const [key, s] of previous) if (!s.ownTs && !kept.has(key)) out.push(one(t.target, s.labels, s.type, at, STALE_NAN));
}

/**
 * The samples one scrape stores. `exposition` null: the scrape failed (every series of the last scrape goes
 * stale, `up` is 0). `at` is the scrape's start (ms): the timestamp of every sample without its own.
 */
export function recordScrape(t: ScrapeTarget, exposition: Exposition | null, at: number, durationSec: number, previous: ScrapeMemory): ScrapeRecord {
  const out: BatchSeries[] = [];
  const memory = new Map<string, { labels: Record<string, string>; type: MetricType; ownTs: boolean }>();
  const scraped = exposition?.samples.length ?? 0;
  let error: string | undefined;
  let added = 0;
  let posted = 0;
  if (exposition !== null) {
    const limits = t.maxLabels === undefined ? DEFAULT_LABEL_LIMITS : { ...DEFAULT_LABEL_LIMITS, maxLabels: Math.min(t.maxLabels, DEFAULT_LABEL_LIMITS.maxLabels) };
    const seen = new Set<string>();
    for (const s of exposition.samples) {
      const labels = mergeLabels(s.name, s.labels, t.labels, t.honorLabels);
      const key = seriesKey(labels);
      // A second sample of one series in one exposition is dropped, as Prometheus drops it.
      if (seen.has(key)) continue;
      seen.add(key);
      const problem = labelProblem(labels, limits);
      if (problem !== null) {
        error = `${problem} (series ${s.name})`;
        break;
      }
      const fam = typeOfSample(s.name, exposition.families);
      const own = t.honorTimestamps && s.ts !== null;
      const series: BatchSeries = { target: t.target, labels, type: fam.type, timestamps: [own ? (s.ts as number) : at], values: [s.value] };
      if (fam.unit !== undefined) series.unit = fam.unit;
      out.push(series);
      if (!previous.has(key)) added++;
      memory.set(key, { labels, type: fam.type, ownTs: own });
    }
    if (error === undefined && out.length > t.sampleLimit) error = `sample_limit exceeded: ${out.length} samples, the limit is ${t.sampleLimit}`;
    if (error === undefined) posted = out.length;
  }
  const failed = exposition === null || error !== undefined;
  const series: BatchSeries[] = [];
  if (failed) {
    memory.clear();
    added = 0;
    staleMarkers(t, previous, memory, at, series);
  } else {
    series.push(...out);
    staleMarkers(t, previous, memory, at, series);
  }
  const up = failed ? 0 : 1;
  const report = (name: string, value: number): BatchSeries => one(t.target, { ...t.labels, [METRIC_NAME]: name }, 'gauge', at, value);
  series.push(report('up', up), report('scrape_duration_seconds', durationSec), report('scrape_samples_scraped', scraped), report('scrape_samples_post_metric_relabeling', posted), report('scrape_series_added', added));
  const rec: ScrapeRecord = { series, memory, up, scraped };
  if (error !== undefined) rec.error = error;
  return rec;
}
