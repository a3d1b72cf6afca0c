// The read side every metrics store adapter shares: the PromQL querier and the /api/metrics sample listing,
// built over a few raw reads the adapter supplies (postings, series rows, a series' sample runs). Pure: the
// adapter does the I/O.
import type { MetricType } from '../events/event.js';
import { SampleLimitError, type LabelMatcher, type Labels, type Querier, type SelectRange, type SeriesSamples } from '../promql/querier.js';
import { pacer } from '../lifecycle/steps.js';
import { METRIC_NAME } from './labels.js';
import { mergeRuns, type Run } from './merge.js';
import { selectSeries, type PostingsSource } from './plan.js';
import type { SampleQuery, SampleRow } from './port.js';

export interface SeriesInfo {
  labels: Labels;
  target: string;
  type: MetricType;
  unit: string;
  /** Bounds of the series' samples (maxT may be rounded up). */
  minT: number;
  maxT: number;
}

export interface SeriesReader {
  postings(tenant: string): PostingsSource;
  /** Rows of the tenant's series among `ids`. */
  info(tenant: string, ids: readonly number[]): Promise<Map<number, SeriesInfo>>;
  /** A series' samples overlapping [startMs, endMs], as ascending runs (chunks, then head). */
  runs(id: number, startMs: number, endMs: number): Promise<Run[]>;
}

async function matching(r: SeriesReader, tenant: string, matchers: readonly LabelMatcher[], range: SelectRange): Promise<{ id: number; info: SeriesInfo }[]> {
  const found = await selectSeries(r.postings(tenant), matchers);
  const infos = await r.info(tenant, found.map((s) => s.id));
  const out: { id: number; info: SeriesInfo }[] = [];
  for (const s of found) {
    const i = infos.get(s.id);
    if (i && i.minT <= range.endMs && i.maxT >= range.startMs) out.push({ id: s.id, info: i });
  }
  return out;
}

async function union(r: SeriesReader, tenant: string, sets: readonly (readonly LabelMatcher[])[], range: SelectRange): Promise<Labels[]> {
  const byId = new Map<number, Labels>();
  for (const set of sets.length === 0 ? [[]] : sets) for (const s of await matching(r, tenant, set, range)) byId.set(s.id, s.info.labels);
  return [...byId.values()];
}

export function createQuerier(r: SeriesReader, tenant: string): Querier {
  return {
    async select(matchers, range) {
      const out: SeriesSamples[] = [];
      let total = 0;
      // Reading and decoding a thousand series for a day is seconds of synchronous work: it yields to the
      // event loop every few ms so other tenants' requests (and this one's abort) are served meanwhile.
      const pace = pacer();
      for (const s of await matching(r, tenant, matchers, range)) {
        await pace();
        range.signal?.throwIfAborted();
        const merged = mergeRuns(await r.runs(s.id, range.startMs, range.endMs), range.startMs, range.endMs);
        if (merged.timestamps.length === 0) continue;
        total += merged.timestamps.length;
        if (range.maxSamples !== undefined && total > range.maxSamples) throw new SampleLimitError(range.maxSamples);
        out.push({ labels: s.info.labels, timestamps: merged.timestamps, values: merged.values });
      }
      return out;
    },
    series: (sets, range) => union(r, tenant, sets, range),
    async countSeries(matchers) {
      return (await selectSeries(r.postings(tenant), matchers)).length;
    },
    async labelNames(sets, range) {
      const names = new Set<string>();
      for (const l of await union(r, tenant, sets, range)) for (const n of Object.keys(l)) names.add(n);
      return [...names].sort();
    },
    async labelValues(name, sets, range) {
      const values = new Set<string>();
      for (const l of await union(r, tenant, sets, range)) {
        const v = l[name];
        if (v !== undefined && v !== '') values.add(v);
      }
      return [...values].sort();
    },
  };
}

/** Samples for /api/metrics, ordered by (ts, series id) in `order`, after `sq.after`. */
export async function listSamples(r: SeriesReader, sq: SampleQuery): Promise<SampleRow[]> {
  const matchers: LabelMatcher[] = [];
  if (sq.name !== undefined) matchers.push({ name: METRIC_NAME, type: '=', value: sq.name });
  for (const [name, value] of Object.entries(sq.labels ?? {})) matchers.push({ name, type: '=', value });
  let lo = sq.from ?? -8.64e15;
  let hi = sq.to === undefined ? 8.64e15 : sq.to - 1;
  if (sq.after) {
    if (sq.order === 'asc') lo = Math.max(lo, sq.after.ts);
    else hi = Math.min(hi, sq.after.ts);
  }
  const found = (await matching(r, sq.tenant, matchers, { startMs: lo, endMs: hi })).filter((s) => sq.target === undefined || s.info.target === sq.target);
  const afterId = sq.after ? Number(sq.after.seriesId) : 0;
  const rows: SampleRow[] = [];
  for (const s of found) {
    const merged = mergeRuns(await r.runs(s.id, lo, hi), lo, hi);
    for (let k = 0; k < merged.timestamps.length; k++) {
      const ts = merged.timestamps[k] as number;
      if (sq.after && ts === sq.after.ts && (sq.order === 'asc' ? s.id <= afterId : s.id >= afterId)) continue;
      const row: SampleRow = { seriesId: String(s.id), labels: { ...s.info.labels }, target: s.info.target, type: s.info.type, ts, value: merged.values[k] as number };
      if (s.info.unit) row.unit = s.info.unit;
      rows.push(row);
    }
  }
  const dir = sq.order === 'asc' ? 1 : -1;
  rows.sort((a, b) => dir * (a.ts - b.ts || Number(a.seriesId) - Number(b.seriesId)));
  return rows.slice(0, sq.limit);
}
