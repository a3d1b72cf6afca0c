// One PromQL API query as plain data, and its evaluation to the API's success body: the same function answers
// a query on the event loop and on a PromQL worker thread (./task.ts), so both give the same bytes.
import type { Engine, QueryOptions } from '../promql/engine.js';
import type { Querier } from '../promql/querier.js';
import { toApiData } from '../promql/result.js';
import { successBody } from '../prom/params.js';

/** An instant (`/api/v1/query`) or range (`/api/v1/query_range`) query, its parameters already parsed. */
export type PromQuery =
  | { readonly kind: 'instant'; readonly query: string; readonly timeMs: number }
  | { readonly kind: 'range'; readonly query: string; readonly startMs: number; readonly endMs: number; readonly stepMs: number };

/** The evaluation window of a query: [startMs, endMs] and its steps (1 for an instant query). */
export function windowOf(q: PromQuery): { startMs: number; endMs: number; steps: number } {
  if (q.kind === 'instant') return { startMs: q.timeMs, endMs: q.timeMs, steps: 1 };
  return { startMs: q.startMs, endMs: q.endMs, steps: Math.floor((q.endMs - q.startMs) / q.stepMs) + 1 };
}

/** Evaluates `q` and returns Prometheus's success body; throws what the engine throws (PromQLError above all). */
export async function evaluateToBody(engine: Engine, querier: Querier, q: PromQuery, opts: QueryOptions): Promise<string> {
  const r = q.kind === 'instant' ? await engine.instantQuery(querier, q.query, q.timeMs, opts) : await engine.rangeQuery(querier, q.query, q.startMs, q.endMs, q.stepMs, opts);
  return successBody(toApiData(r));
}
