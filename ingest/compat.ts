// The body a compatibility endpoint's clients expect, carried to the gateway in `compatBodyJson`: the
// Elasticsearch bulk response with a status per action; OTLP's export response (empty, or partial success
// with the rejected count), always in its JSON form; nothing for the native endpoints, Loki and Prometheus
// (the gateway answers 204, or 400 from `rejected`).
import type { IngestEndpoint, ParseResult, Rejection } from './parse/index.js';
import { buildBulkResponse, bulkOutcomes, otlpExportResponse } from './parse/index.js';

export interface Accepted {
  /** Item index in the request. */
  index: number;
  /** Event id assigned to it. */
  id: string;
}

/** `accepted` is called only when the answer needs ids (Elasticsearch), to spare the hot path an array. */
export function compatBody(endpoint: IngestEndpoint | 'grpc', parsed: ParseResult | undefined, accepted: () => readonly Accepted[], rejected: readonly Rejection[], tookMs: number): string {
  switch (endpoint) {
    case 'elasticsearch':
      return JSON.stringify(buildBulkResponse(bulkOutcomes(parsed?.bulk ?? [], accepted(), rejected), tookMs));
    case 'otlp_logs':
    case 'otlp_metrics': {
      const r = otlpExportResponse(endpoint === 'otlp_logs' ? 'logs' : 'metrics', 'application/json', rejected);
      return typeof r.body === 'string' ? r.body : '{}';
    }
    default:
      return '';
  }
}
