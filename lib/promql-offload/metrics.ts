// Where the HTTP API's PromQL queries were evaluated, in Prometheus's text format for /metrics (added to the
// process's registry output, as the persister thread's figures are).
import type { PromQueryStats } from './offload.js';

export function promQueryMetricsText(s: Readonly<PromQueryStats>): string {
  return [
    '# HELP lightwatch_promql_queries_total PromQL queries of the HTTP API by where they ran: loop (event loop), worker (a PromQL worker thread), refused (503: threads and PROMQL_QUEUE full)',
    '# TYPE lightwatch_promql_queries_total counter',
    `lightwatch_promql_queries_total{where="loop"} ${s.inline}`,
    `lightwatch_promql_queries_total{where="worker"} ${s.offloaded}`,
    `lightwatch_promql_queries_total{where="refused"} ${s.refused}`,
    '# HELP lightwatch_promql_worker_queries Large PromQL queries running on or waiting for a PromQL worker thread now',
    '# TYPE lightwatch_promql_worker_queries gauge',
    `lightwatch_promql_worker_queries ${s.inFlight}`,
    '',
  ].join('\n');
}
