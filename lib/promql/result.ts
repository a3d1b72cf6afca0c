// Query results as plain data, and their Prometheus HTTP API JSON form (`data` of /api/v1/query and /query_range).
import type { Labels } from './querier.js';
import { formatSampleValue } from './format.js';

export interface InstantSample {
  readonly labels: Labels;
  readonly timeMs: number;
  readonly value: number;
}

export interface ResultSeries {
  readonly labels: Labels;
  readonly timestampsMs: Float64Array;
  readonly values: Float64Array;
}

export type QueryResult =
  | { readonly resultType: 'vector'; readonly result: InstantSample[] }
  | { readonly resultType: 'matrix'; readonly result: ResultSeries[] }
  | { readonly resultType: 'scalar'; readonly result: { readonly timeMs: number; readonly value: number } }
  | { readonly resultType: 'string'; readonly result: { readonly timeMs: number; readonly value: string } };

/** `[seconds, "value"]` with the timestamp as a JSON number, as Prometheus writes a point. */
export type ApiPoint = [number, string];

export type ApiData =
  | { resultType: 'vector'; result: { metric: Record<string, string>; value: ApiPoint }[] }
  | { resultType: 'matrix'; result: { metric: Record<string, string>; values: ApiPoint[] }[] }
  | { resultType: 'scalar'; result: ApiPoint }
  | { resultType: 'string'; result: [number, string] };

function point(ms: number, v: number): ApiPoint {
  return [ms / 1000, formatSampleValue(v)];
}

/** The `data` object of a successful query response. */
export function toApiData(r: QueryResult): ApiData {
  switch (r.resultType) {
    case 'vector':
      return { resultType: 'vector', result: r.result.map((s) => ({ metric: { ...s.labels }, value: point(s.timeMs, s.value) })) };
    case 'matrix':
      return {
        resultType: 'matrix',
        result: r.result.map((s) => ({ metric: { ...s.labels }, values: Array.from(s.timestampsMs, (t, i) => point(t, s.values[i] as number)) })),
      };
    case 'scalar':
      return { resultType: 'scalar', result: point(r.result.timeMs, r.result.value) };
    case 'string':
      return { resultType: 'string', result: [r.result.timeMs / 1000, r.result.value] };
  }
}
