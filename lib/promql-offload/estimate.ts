// How much work a query is, told before evaluating it, from the selectors' series counts (the index answers
// them without reading a sample; Querier.countSeries where the store has it, an upper bound): each selector group's series × (the steps evaluated + the samples its time
// range holds at a nominal 15 s interval). An estimate that decides where the query runs, never a limit: the
// engine's max-samples and timeout still bound the real work.
import { parseExpr } from '../promql/parse.js';
import { groupSelections, planSelections } from '../promql/plan.js';
import { preprocess } from '../promql/preprocess.js';
import type { Querier } from '../promql/querier.js';
import { windowOf, type PromQuery } from './query.js';

/** The sample interval assumed for the data a selector's range holds (a common scrape interval). */
export const NOMINAL_SAMPLE_INTERVAL_MS = 15_000;

/**
 * Estimated points the query touches; 0 for a query that does not parse (the engine then answers it with its
 * error, at once). Selectors with the same matchers are counted once, over the union of their ranges, as the
 * engine fetches them.
 */
export async function estimatePoints(querier: Querier, q: PromQuery, lookbackMs: number): Promise<number> {
  const { startMs, endMs, steps } = windowOf(q);
  let plan;
  try {
    plan = planSelections(preprocess(parseExpr(q.query), startMs, endMs), startMs, endMs, { lookbackMs });
  } catch {
    return 0;
  }
  let points = 0;
  for (const g of groupSelections(plan)) {
    const matchers = g.selectors[0]?.matchers ?? [];
    const series = querier.countSeries ? await querier.countSeries(matchers) : (await querier.series([matchers], { startMs: g.startMs, endMs: g.endMs })).length;
    points += series * (steps + Math.ceil((g.endMs - g.startMs) / NOMINAL_SAMPLE_INTERVAL_MS));
  }
  return points;
}
