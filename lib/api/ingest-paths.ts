// Every HTTP path under /ingest, in one table: the gateway registers its routes from it and the OpenAPI
// document describes it (issue 17.11), so the two cannot drift. Paths are in OpenAPI form (`{target}`);
// `uwsPattern` turns them into uWS route patterns.

/** How the route answers: the protocol its clients speak. */
export type IngestAnswer = 'native' | 'prometheus' | 'loki' | 'otlp' | 'elasticsearch' | 'elasticsearch_info';

export interface IngestPath {
  path: string;
  methods: ReadonlyArray<'GET' | 'POST' | 'HEAD'>;
  /** The IngestApi endpoint the body goes to; absent for the Elasticsearch probe, answered by the gateway. */
  endpoint?: string;
  answer: IngestAnswer;
  summary: string;
}

export const INGEST_PATHS: readonly IngestPath[] = [
  { path: '/ingest/metrics', methods: ['POST'], endpoint: 'metrics', answer: 'native', summary: 'Metrics as JSON, NDJSON or Prometheus text exposition' },
  { path: '/ingest/logs', methods: ['POST'], endpoint: 'logs', answer: 'native', summary: 'Logs as JSON, NDJSON or text lines (syslog, access logs, plain)' },
  { path: '/ingest/events', methods: ['POST'], endpoint: 'events', answer: 'native', summary: 'Security events as JSON or NDJSON' },
  { path: '/ingest/heartbeats', methods: ['POST'], endpoint: 'heartbeats', answer: 'native', summary: 'Heartbeats as JSON or NDJSON' },
  { path: '/ingest/heartbeat/{target}', methods: ['GET', 'POST'], endpoint: 'heartbeat', answer: 'native', summary: 'A heartbeat ping for one target (`?create=1` creates the target; a POST body is kept as its log)' },
  { path: '/ingest/heartbeat/{target}/{suffix}', methods: ['GET', 'POST'], endpoint: 'heartbeat', answer: 'native', summary: 'A heartbeat ping with `start`, `fail`, `log` (output only) or an exit status 0-255; `?rid=` pairs a start with its finish' },
  { path: '/ingest/checks', methods: ['POST'], endpoint: 'checks', answer: 'native', summary: 'Check results of remote probes (`lightwatch probe`) as JSON or NDJSON: `{"target", "labels": {"location"}, "ok", "latencyMs", "attempts", "status"?, "error"?}`' },
  { path: '/ingest/prometheus/write', methods: ['POST'], endpoint: 'prometheus', answer: 'prometheus', summary: 'Prometheus remote_write 1.0 (snappy-compressed protobuf WriteRequest)' },
  { path: '/ingest/prometheus/api/v1/write', methods: ['POST'], endpoint: 'prometheus', answer: 'prometheus', summary: 'Prometheus remote_write 1.0, at the path Prometheus-compatible receivers use' },
  { path: '/ingest/loki/api/v1/push', methods: ['POST'], endpoint: 'loki', answer: 'loki', summary: 'Loki push API (JSON or snappy-compressed protobuf): Promtail, Alloy, Vector, Fluent Bit' },
  { path: '/ingest/otlp/v1/logs', methods: ['POST'], endpoint: 'otlp_logs', answer: 'otlp', summary: 'OTLP/HTTP logs (JSON or protobuf)' },
  { path: '/ingest/otlp/v1/metrics', methods: ['POST'], endpoint: 'otlp_metrics', answer: 'otlp', summary: 'OTLP/HTTP metrics (JSON or protobuf)' },
  { path: '/ingest/elasticsearch', methods: ['GET', 'HEAD'], answer: 'elasticsearch_info', summary: 'Elasticsearch cluster info, for clients that probe before shipping (Filebeat, Logstash)' },
  { path: '/ingest/elasticsearch/_bulk', methods: ['POST'], endpoint: 'elasticsearch', answer: 'elasticsearch', summary: 'Elasticsearch bulk API (index and create actions become logs)' },
  { path: '/ingest/elasticsearch/{index}/_bulk', methods: ['POST'], endpoint: 'elasticsearch', answer: 'elasticsearch', summary: 'Elasticsearch bulk API with a default index' },
  { path: '/ingest/telegram/{secret}', methods: ['POST'], endpoint: 'telegram', answer: 'native', summary: 'Telegram Bot API webhook: chat messages become logs; the path secret is an ingest key' },
];

/** `/ingest/heartbeat/{target}` → `/ingest/heartbeat/:target`. */
export function uwsPattern(path: string): string {
  return path.replace(/\{([A-Za-z]+)\}/g, ':$1');
}
