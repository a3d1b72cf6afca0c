// Where a promql rule's expression is evaluated: Lightwatch's own engine over a tenant's Querier, or an external
// Prometheus (lib/prometheus/http-source.ts). Both give the instant vector at one time.
import type { Engine } from '../engine.js';
import { PromQLError } from '../errors.js';
import type { Querier } from '../querier.js';
import type { InstantSample } from '../result.js';

export interface RuleSource {
  instantVector(expr: string, timeMs: number, signal?: AbortSignal): Promise<InstantSample[]>;
}

/** The rule's expression over our own store. An expression that is not an instant vector is an error. */
export function localRuleSource(engine: Engine, querier: Querier): RuleSource {
  return {
    async instantVector(expr, timeMs, signal) {
      const res = await engine.instantQuery(querier, expr, timeMs, signal === undefined ? {} : { signal });
      if (res.resultType === 'vector') return res.result;
      if (res.resultType === 'scalar') return [{ labels: {}, timeMs, value: res.result.value }];
      throw new PromQLError('bad_data', `rule expression must be an instant vector or scalar, got ${res.resultType}`);
    },
  };
}
