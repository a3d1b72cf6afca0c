// The /ingest paths of the OpenAPI document (issue 17.11), built from the table the gateway registers its
// routes from (ingest-paths.ts). Bodies are the agents' own formats, so they are described, not modelled.
import { INGEST_PATHS, type IngestAnswer, type IngestPath } from './ingest-paths.js';

type Json = Record<string, unknown>;

const ingestSecurity = [{ bearerAuth: [] }, { apiKeyHeader: [] }, { basicAuth: [] }];
const errorRef = { $ref: '#/components/schemas/Error' };
const jsonError = (description: string): Json => ({ description, content: { 'application/json': { schema: errorRef } } });
const binary = { type: 'string', format: 'binary' };

const COMMON_ERRORS: Json = {
  '401': jsonError('Missing or invalid credential'),
  '403': jsonError('The key lacks the `ingest` scope'),
  '413': jsonError('Body, batch (`batch_too_large`) or attributes (`too_many_attributes`) over the limits; split the request'),
  '415': jsonError('Content type or encoding this endpoint does not read'),
  '429': jsonError('Tenant rate or persist backlog over its limit; retry after `Retry-After` seconds'),
  '503': jsonError('Ingest unavailable; retry after `Retry-After` seconds'),
};

const BODIES: Record<IngestAnswer, Json | undefined> = {
  native: {
    required: false,
    content: {
      'application/json': { schema: { description: 'One item, an array, or an object wrapping the array (`logs`, `metrics`, `events`, `heartbeats`, `items`, `data`)' } },
      'application/x-ndjson': { schema: { type: 'string', description: 'One JSON item per line' } },
      'text/plain': { schema: { type: 'string', description: 'Log lines (syslog, access logs, plain); metrics in Prometheus text exposition format' } },
    },
  },
  prometheus: { required: true, content: { 'application/x-protobuf': { schema: { ...binary, description: 'Snappy-compressed WriteRequest (`Content-Encoding: snappy`)' } } } },
  loki: {
    required: true,
    content: {
      'application/json': { schema: { type: 'object', description: '`{"streams": [{"stream": {labels}, "values": [["<ns>", "<line>"]]}]}`' } },
      'application/x-protobuf': { schema: { ...binary, description: 'Snappy-compressed PushRequest' } },
    },
  },
  otlp: {
    required: true,
    content: {
      'application/json': { schema: { type: 'object', description: 'Export{Logs,Metrics}ServiceRequest in OTLP/JSON' } },
      'application/x-protobuf': { schema: { ...binary, description: 'Export{Logs,Metrics}ServiceRequest' } },
    },
  },
  elasticsearch: { required: true, content: { 'application/x-ndjson': { schema: { type: 'string', description: 'Action and document lines, as Elasticsearch reads them' } } } },
  elasticsearch_info: undefined,
};

const ACCEPTED = {
  type: 'object',
  required: ['accepted', 'rejected'],
  properties: {
    accepted: { type: 'integer' },
    rejected: { type: 'array', items: { type: 'object', required: ['index', 'error'], properties: { index: { type: 'integer' }, error: { type: 'string' } } } },
    replayed: { type: 'boolean', description: 'The answer of an earlier request with the same Idempotency-Key' },
  },
};

function responses(answer: IngestAnswer): Json {
  const esHeader = { headers: { 'X-Elastic-Product': { description: 'Always `Elasticsearch` (its clients refuse answers without it)', schema: { type: 'string', const: 'Elasticsearch' } } } };
  switch (answer) {
    case 'native':
      return { '202': { description: 'What was accepted, and each refused item by index with the reason', content: { 'application/json': { schema: ACCEPTED } } }, '400': jsonError('Malformed body, or an invalid path segment'), ...COMMON_ERRORS };
    case 'prometheus':
    case 'loki':
      return {
        '204': { description: 'Everything was stored' },
        '400': { description: 'Data that will never be accepted (the client does not retry): the refused items as text while the good ones are stored, or a JSON error for a malformed request', content: { 'text/plain': { schema: { type: 'string' } }, 'application/json': { schema: errorRef } } },
        ...COMMON_ERRORS,
      };
    case 'otlp':
      return { '200': { description: 'Export response; `partialSuccess` names the refused records or points', content: { 'application/json': { schema: { type: 'object' } }, 'application/x-protobuf': { schema: binary } } }, '400': jsonError('Malformed request'), ...COMMON_ERRORS };
    case 'elasticsearch':
      return { '200': { description: 'Bulk response with a status per action', ...esHeader, content: { 'application/json': { schema: { type: 'object' } } } }, '400': jsonError('Malformed action line'), ...COMMON_ERRORS };
    case 'elasticsearch_info':
      return { '200': { description: 'Cluster info (version 8.11.0)', ...esHeader, content: { 'application/json': { schema: { type: 'object' } } } } };
  }
}

function operation(p: IngestPath, method: string): Json {
  const names = [...p.path.matchAll(/\{([A-Za-z]+)\}/g)].map((m) => m[1] as string);
  const isTelegram = p.endpoint === 'telegram';
  const isPing = p.endpoint === 'heartbeat';
  const parameters = [
    ...names.map((name) => ({ name, in: 'path', required: true, schema: { type: 'string' } })),
    ...(p.endpoint && !isTelegram ? [{ name: 'target', in: 'query', required: false, description: 'Target for items that name none', schema: { type: 'string' } }] : []),
    ...(isPing ? [{ name: 'create', in: 'query', required: false, description: '`1`: create the target when it does not exist', schema: { type: 'string', enum: ['1'] } }] : []),
    ...(p.endpoint ? [{ name: 'Idempotency-Key', in: 'header', required: false, description: 'A retry with the same key gets the first answer and stores nothing twice', schema: { type: 'string' } }] : []),
  ];
  const body = method === 'post' && !isPing ? BODIES[p.answer] : method === 'post' && isPing ? { required: false, content: { 'text/plain': { schema: { type: 'string', description: 'Kept as the ping\'s log (10 KB)' } } } } : undefined;
  return {
    operationId: `ingest_${p.path.replace(/^\/ingest\//, '').replace(/[{}]/g, '').replace(/[^A-Za-z0-9]+/g, '_')}_${method}`,
    tags: ['ingest'],
    summary: p.summary,
    description: isTelegram
      ? 'The path secret is an API key with the ingest scope (Telegram sends no Authorization header); when the webhook was set with `secret_token`, `X-Telegram-Bot-Api-Secret-Token` must equal it.'
      : p.endpoint
        ? 'Needs the ingest scope. Tenant from the credential.'
        : 'Needs no credential.',
    security: isTelegram || !p.endpoint ? [] : ingestSecurity,
    'x-lightwatch-scope': isTelegram || !p.endpoint ? 'public' : 'ingest',
    ...(parameters.length > 0 ? { parameters } : {}),
    ...(body ? { requestBody: body } : {}),
    responses: responses(p.answer),
  };
}

/** The `paths` entries of every /ingest route. */
export function ingestPaths(): Json {
  const out: Record<string, Json> = {};
  for (const p of INGEST_PATHS) {
    const item: Json = {};
    for (const m of p.methods) item[m.toLowerCase()] = operation(p, m.toLowerCase());
    out[p.path] = item;
  }
  return out;
}
