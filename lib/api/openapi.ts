// The OpenAPI 3.1 document of /api, served by the gateway at /api/openapi.json. Paths come from the route
// table (routes.ts) and request bodies from the zod schemas the query service validates with (schemas.ts),
// so a test can hold the document, the router and the validation to one another.
import { z } from 'zod';
import { LOG_LEVELS, SEVERITIES, HEARTBEAT_STATUSES } from '../events/event.js';
import { SCOPES } from '../auth/principal.js';
import { TARGET_STATES } from '../board/state.js';
import { COMMON_EVENT_PARAMS, DEFAULT_LIMIT, EVENT_COLLECTIONS, KIND_FILTERS, MAX_LIMIT, MAX_SERIES_POINTS } from './params.js';
import { OPENAPI_PATH, RESOURCE_ROUTES, routePath, SERIES_PATH, type ResourceRoute } from './routes.js';
import { PROM_PATHS } from '../prom/routes.js';
import { ingestPaths } from './openapi-ingest.js';
import { AM_PATHS, AM_SCOPE, type AmOperation } from '../am/routes.js';

const AM_SUMMARY: Record<AmOperation, string> = {
  status: 'Alertmanager status: version, cluster (disabled), configuration (receivers), uptime',
  receivers: 'Receivers (the tenant\'s channels)',
  'alerts.get': 'Alerts (open and acknowledged incidents) with active, silenced, inhibited, unprocessed, filter, receiver',
  'alerts.post': 'Post alerts (Prometheus\'s alerting.alertmanagers with path_prefix /api/am): each fingerprint becomes an incident, resolved at endsAt',
  'alertgroups.get': 'Alert groups (one per receiver)',
  'silences.get': 'Silences with filter',
  'silences.post': 'Create a silence, or update one by id',
  'silence.get': 'One silence',
  'silence.delete': 'Expire a silence',
  healthy: 'Liveness probe',
  ready: 'Readiness probe (the store answers)',
};

const PROM_SUMMARY: Record<string, string> = {
  query: 'PromQL instant query (query, time, timeout)',
  query_range: 'PromQL range query (query, start, end, step, timeout)',
  series: 'Series matching match[] selectors between start and end',
  labels: 'Label names (optionally of series matching match[])',
  label_values: 'Values of one label (optionally of series matching match[])',
  metadata: 'Type and unit per metric name (metric, limit)',
  buildinfo: 'Build information (the Prometheus version whose API this follows)',
  read: 'Prometheus remote_read (snappy protobuf ReadRequest, SAMPLES response)',
};
import { channelBody, channelPreviewBody, channelTestBody } from '../channels/schema.js';
import { statusPageBody } from './status-page-schema.js';
import { ackBody, resolveBody, inhibitRuleBody, instantSchema, keyBody, loginBody, maintenanceBody, routeBody, ruleBody, silenceBody, targetBody, tenantBody, userBody } from './schemas.js';

type Json = Record<string, unknown>;
const ref = (name: string): Json => ({ $ref: `#/components/schemas/${name}` });

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): Json {
  const out = z.toJSONSchema(schema, {
    io,
    unrepresentable: 'any',
    override: (c) => {
      if (c.zodSchema !== instantSchema) return;
      const js = c.jsonSchema as Json;
      for (const k of Object.keys(js)) delete js[k];
      Object.assign(
        js,
        io === 'input'
          ? { anyOf: [{ type: 'integer', minimum: 0, description: 'epoch milliseconds' }, { type: 'string', format: 'date-time', description: 'RFC 3339' }] }
          : { type: 'integer', description: 'epoch milliseconds' },
      );
    },
  }) as Json;
  delete out.$schema;
  return out;
}

/** Adds stored fields (id, timestamps, ...) to an object schema or to each branch of a oneOf. */
function withFields(schema: Json, props: Json, required: string[]): Json {
  if (Array.isArray(schema.oneOf)) return { ...schema, oneOf: (schema.oneOf as Json[]).map((b) => withFields(b, props, required)) };
  return { ...schema, properties: { ...(schema.properties as Json), ...props }, required: [...new Set([...((schema.required as string[] | undefined) ?? []), ...required])] };
}

/** The body of PATCH/PUT: any subset of the fields; `null` removes an optional field. */
function partial(schema: Json): Json {
  if (Array.isArray(schema.oneOf)) return { ...schema, oneOf: (schema.oneOf as Json[]).map(partial) };
  const { required: _required, ...rest } = schema;
  return rest;
}

const int = { type: 'integer' };
const ms = { type: 'integer', description: 'epoch milliseconds' };
const str = { type: 'string' };
const labels = { type: 'object', additionalProperties: { type: 'string' } };
const stored = { id: str, tenant: str, createdAt: ms };
const storedUpdated = { ...stored, updatedAt: ms };
const page = (item: Json): Json => ({ type: 'object', properties: { items: { type: 'array', items: item }, nextCursor: { type: ['string', 'null'] } }, required: ['items', 'nextCursor'] });

const eventSchema: Json = {
  type: 'object',
  description: 'The canonical event. `body` depends on `kind`.',
  properties: {
    id: { type: 'string', description: 'ULID, time-ordered' },
    tenant: str,
    kind: { enum: ['metric', 'log', 'security', 'heartbeat', 'check', 'incident'] },
    target: str,
    ts: ms,
    receivedAt: ms,
    labels,
    flags: { type: 'array', items: str },
    body: {
      oneOf: [
        { title: 'metric', type: 'object', properties: { name: str, value: { type: 'number' }, type: { enum: ['gauge', 'counter', 'histogram', 'summary', 'untyped'] }, unit: str }, required: ['name', 'value', 'type'] },
        { title: 'log', type: 'object', properties: { level: { enum: [...LOG_LEVELS] }, message: str, fields: { type: 'object' }, format: str }, required: ['level', 'message', 'fields', 'format'] },
        { title: 'security', type: 'object', properties: { category: str, severity: { enum: [...SEVERITIES] }, actor: str, ip: str, outcome: { enum: ['success', 'failure', 'unknown'] }, message: str }, required: ['category', 'severity'] },
        { title: 'heartbeat', type: 'object', properties: { status: { enum: [...HEARTBEAT_STATUSES] }, exitStatus: int, log: str }, required: ['status'] },
        { title: 'check', type: 'object', properties: { ok: { type: 'boolean' }, status: int, latencyMs: { type: 'number' }, attempts: int, error: str }, required: ['ok', 'latencyMs', 'attempts'] },
        { title: 'incident', type: 'object', properties: { incidentId: str, ruleId: str, state: str, transition: str, title: str, epoch: int }, required: ['incidentId', 'ruleId', 'state', 'transition', 'title', 'epoch'] },
      ],
    },
  },
  required: ['id', 'tenant', 'kind', 'target', 'ts', 'receivedAt', 'labels', 'body'],
};

const timelineEntry: Json = { type: 'object', properties: { at: ms, type: str, message: str, evidence: { type: 'array' }, actor: str, epoch: int }, required: ['at', 'type', 'message'] };
const incidentProps: Json = {
  ...stored,
  targetId: str,
  ruleId: str,
  status: { enum: ['pending', 'open', 'acknowledged', 'resolved'] },
  severity: { enum: ['info', 'warning', 'critical'] },
  title: str,
  openedAt: ms,
  acknowledgedAt: ms,
  acknowledgedBy: { type: 'string', description: '`key:<id>` or `user:<id>` of who acknowledged' },
  resolvedAt: ms,
  reopenCount: int,
  epoch: int,
  updatedAt: ms,
};
const incidentRequired = ['id', 'tenant', 'targetId', 'ruleId', 'status', 'severity', 'title', 'openedAt', 'reopenCount', 'updatedAt'];
const notification: Json = {
  type: 'object',
  properties: {
    key: { type: 'string', description: '`<incidentId>:<transition sequence>:<channelId>`' },
    tenant: str,
    incidentId: str,
    channelId: str,
    transition: str,
    status: { enum: ['pending', 'sent', 'failed', 'suppressed'] },
    epoch: { type: 'integer', description: 'fencing epoch of the detector that holds the claim (its claimer, or the partition owner that took it over)' },
    partition: { type: 'integer', description: 'the detector partition whose lease the claimer held (absent on claims written before claims were recovered)' },
    sendingSince: { type: 'integer', description: 'epoch milliseconds: set while a request of the holder may be out, until its attempt is recorded' },
    attempts: { type: 'array', items: { type: 'object', properties: { at: ms, ok: { type: 'boolean' }, status: int, error: str, durationMs: { type: 'number' } } } },
    createdAt: ms,
    updatedAt: ms,
  },
};
const keyProps: Json = { ...stored, name: str, prefix: { type: 'string', description: 'First characters of the key, to tell keys apart' }, scopes: { type: 'array', items: { enum: [...SCOPES] } }, revokedAt: ms, lastUsedAt: ms };
const keyOut: Json = { type: 'object', properties: keyProps, required: ['id', 'tenant', 'name', 'prefix', 'scopes', 'createdAt'] };
const keyCreated: Json = { ...keyOut, properties: { ...keyProps, key: { type: 'string', description: 'The API key. Shown in this response only; store it now.' } }, required: [...(keyOut.required as string[]), 'key'] };

const schemas: Record<string, Json> = {
  Error: {
    type: 'object',
    properties: {
      error: {
        type: 'object',
        properties: {
          code: { type: 'string', description: 'snake_case: bad_request, invalid_parameter, malformed_json, unauthenticated, forbidden, not_found, conflict, unprocessable, ...' },
          message: { type: 'string', description: 'What is wrong, and where' },
          details: { type: 'array', items: { type: 'object', properties: { at: { type: 'string', description: 'JSON pointer into the body, or a query parameter' }, message: str, index: int }, required: ['message'] } },
        },
        required: ['code', 'message', 'details'],
      },
    },
    required: ['error'],
  },
  Event: eventSchema,
  EventPage: page(ref('Event')),
  Series: {
    type: 'object',
    properties: { stepMs: int, points: { type: 'array', items: { type: 'object', properties: { t: ms, avg: { type: 'number' }, min: { type: 'number' }, max: { type: 'number' }, count: int }, required: ['t', 'avg', 'min', 'max', 'count'] } } },
    required: ['stepMs', 'points'],
  },
  TargetInput: jsonSchema(targetBody, 'input'),
  TargetPatch: partial(jsonSchema(targetBody, 'input')),
  Target: withFields(jsonSchema(targetBody, 'output'), storedUpdated, ['id', 'tenant', 'createdAt', 'updatedAt']),
  Uptime: {
    type: 'object',
    description: 'Downtime is the union of the non-pending, non-info incidents of the target; maintenance time is left out of downtime and of the monitored time. The window is clipped to the target creation and to now.',
    properties: {
      targetId: str,
      name: str,
      from: ms,
      to: ms,
      maintenanceMs: int,
      monitoredMs: int,
      downtimeMs: int,
      uptimePercent: { type: ['number', 'null'] },
      incidentCount: int,
      mttrMs: { type: ['integer', 'null'], description: 'Mean open-to-resolved time of the resolved incidents counted' },
      slaTarget: { type: ['number', 'null'] },
      errorBudget: {
        oneOf: [{ type: 'null' }, { type: 'object', properties: { allowedDowntimeMs: int, remainingMs: { type: 'integer', description: 'Negative when breached' }, remainingPercent: { type: ['number', 'null'] } } }],
      },
    },
    required: ['targetId', 'from', 'to', 'monitoredMs', 'downtimeMs', 'uptimePercent', 'incidentCount', 'mttrMs', 'slaTarget', 'errorBudget'],
  },
  IncidentSummary: { type: 'object', properties: { ...incidentProps, timelineLength: int }, required: [...incidentRequired, 'timelineLength'] },
  Incident: { type: 'object', properties: { ...incidentProps, timeline: { type: 'array', items: timelineEntry } }, required: [...incidentRequired, 'timeline'] },
  IncidentDetail: {
    type: 'object',
    properties: {
      ...incidentProps,
      timeline: { type: 'array', items: timelineEntry },
      notifications: { type: 'array', items: notification },
      manualResolve: { type: 'boolean', description: "Whether the incident's rule lets people resolve it by hand (POST /api/incidents/{id}/resolve)" },
    },
    required: [...incidentRequired, 'timeline', 'notifications', 'manualResolve'],
  },
  AckInput: jsonSchema(ackBody, 'input'),
  ResolveInput: jsonSchema(resolveBody, 'input'),
  RuleInput: jsonSchema(ruleBody, 'input'),
  RulePatch: partial(jsonSchema(ruleBody, 'input')),
  Rule: {
    ...withFields(jsonSchema(ruleBody, 'output'), storedUpdated, ['id', 'tenant', 'createdAt', 'updatedAt']),
    description:
      'Rule kinds: heartbeat, http, threshold, anomaly, log_pattern, promql (docs/checks.md). A promql rule is a Prometheus alerting rule: its expression is evaluated every intervalSec (on Lightwatch\'s store or params.source, an external Prometheus) by one detector at a time, and each series it returns becomes an incident of the rule on the target named by the first of params.targetLabels the series carries, once it has held for forSec. The source\'s bearerToken and password are masked as `********` plus at most their last four characters; sending a mask back in an update keeps the stored value.',
  },
  ChannelInput: jsonSchema(channelBody, 'input'),
  ChannelPatch: partial(jsonSchema(channelBody, 'input')),
  Channel: {
    ...withFields(
      jsonSchema(channelBody, 'output'),
      { ...storedUpdated, health: { type: 'object', properties: { failing: { type: 'boolean' }, consecutiveFailures: int, lastError: str, lastFailureAt: ms, lastSuccessAt: ms }, required: ['failing', 'consecutiveFailures'] } },
      ['id', 'tenant', 'createdAt', 'updatedAt', 'health'],
    ),
    description: 'Channel kinds: webhook, telegram, slack, email, pagerduty, opsgenie, discord, msteams, mattermost, ntfy, pushover, gotify, matrix, alertmanager. `health` is kept by the notifier (`failing` after 3 notifications in a row were not delivered). Secret config values (webhook secret and header values, telegram botToken, slack/discord/msteams/mattermost webhookUrl, email/alertmanager/ntfy password, pagerduty routingKey, opsgenie apiKey, pushover token and user, gotify token, matrix accessToken, ntfy token) are masked as `********` plus at most their last four characters. Sending a mask back in an update keeps the stored value.',
  },
  ChannelPreviewInput: jsonSchema(channelPreviewBody, 'input'),
  ChannelPreview: { type: 'object', properties: { title: str, body: str, html: { type: 'string', description: 'HTML body (email kinds; empty otherwise)' } }, required: ['title', 'body', 'html'] },
  ChannelTestInput: jsonSchema(channelTestBody, 'input'),
  ChannelTestResult: {
    type: 'object',
    properties: { ok: { type: 'boolean' }, status: { type: ['integer', 'null'], description: 'HTTP status or SMTP reply code of the receiver' }, error: { type: ['string', 'null'] }, durationMs: int },
    required: ['ok', 'status', 'error', 'durationMs'],
  },
  SilenceInput: jsonSchema(silenceBody, 'input'),
  SilencePatch: partial(jsonSchema(silenceBody, 'input')),
  Silence: withFields(jsonSchema(silenceBody, 'output'), { ...stored, startsAt: ms, creator: { type: 'string', description: '`key:<id>` or `user:<id>` of the credential that created it' } }, ['id', 'tenant', 'createdAt', 'startsAt', 'creator']),
  MaintenanceInput: jsonSchema(maintenanceBody, 'input'),
  MaintenancePatch: partial(jsonSchema(maintenanceBody, 'input')),
  Maintenance: withFields(jsonSchema(maintenanceBody, 'output'), stored, ['id', 'tenant', 'createdAt']),
  RouteInput: jsonSchema(routeBody, 'input'),
  RoutePatch: partial(jsonSchema(routeBody, 'input')),
  Route: {
    ...withFields(jsonSchema(routeBody, 'output'), storedUpdated, ['id', 'tenant', 'createdAt', 'updatedAt']),
    description: "A notification route (Alertmanager's route): incidents matching every matcher go to the channel in groups of equal `groupBy` values, one notification per group, paced by groupWait, groupInterval and repeatInterval. An incident matching no route is notified on its own, to the channels its target or rule names (else the tenant's defaults).",
  },
  InhibitRuleInput: jsonSchema(inhibitRuleBody, 'input'),
  InhibitRulePatch: partial(jsonSchema(inhibitRuleBody, 'input')),
  InhibitRule: {
    ...withFields(jsonSchema(inhibitRuleBody, 'output'), storedUpdated, ['id', 'tenant', 'createdAt', 'updatedAt']),
    description: 'While an open incident matches `source`, notifications of incidents matching `target` with equal values of every `equal` label are held back (recorded on the timeline as `inhibit:<rule id>:<incident id>`); the resolved notice of an incident already notified always goes out.',
  },
  TenantInput: jsonSchema(tenantBody, 'input'),
  Tenant: { type: 'object', properties: { id: str, name: str, createdAt: ms }, required: ['id', 'name', 'createdAt'] },
  TenantCreated: { type: 'object', properties: { tenant: ref('Tenant'), adminKey: ref('ApiKeyCreated') }, required: ['tenant', 'adminKey'] },
  ApiKeyInput: jsonSchema(keyBody, 'input'),
  ApiKey: keyOut,
  ApiKeyCreated: keyCreated,
  UserInput: jsonSchema(userBody, 'input'),
  User: { type: 'object', properties: { ...stored, email: str, scopes: { type: 'array', items: { enum: [...SCOPES] } } }, required: ['id', 'tenant', 'email', 'scopes', 'createdAt'] },
  LoginInput: jsonSchema(loginBody, 'input'),
  LoginResult: { type: 'object', properties: { token: { type: 'string', description: 'HS256 JWT; send as `Authorization: Bearer <token>`' }, tokenType: { const: 'Bearer' }, expiresAt: ms, tenant: str, scopes: { type: 'array', items: { enum: [...SCOPES] } } }, required: ['token', 'tokenType', 'expiresAt', 'tenant', 'scopes'] },
  StatusPageInput: jsonSchema(statusPageBody, 'input'),
  StatusPagePatch: partial(jsonSchema(statusPageBody, 'input')),
  StatusPage: withFields(jsonSchema(statusPageBody, 'output'), storedUpdated, ['id', 'tenant', 'createdAt', 'updatedAt']),
  Strip: {
    type: 'object',
    description: '90 buckets (hour or day, UTC-aligned) from `start`. `from`: first bucket the target existed in; `down`: [bucket index, downtime per mille] of buckets with downtime (the others were fully up).',
    properties: { from: int, down: { type: 'array', items: { type: 'array', items: int, minItems: 2, maxItems: 2 } } },
    required: ['from', 'down'],
  },
  Board: {
    type: 'object',
    properties: {
      now: ms,
      bucket: { enum: ['hour', 'day'] },
      bucketMs: int,
      start: { ...ms, description: "Start of the strip's first bucket" },
      counts: { type: 'object', additionalProperties: int, description: 'Targets per state' },
      targets: {
        type: 'array',
        items: {
          type: 'object',
          properties: {
            id: str,
            name: str,
            kind: str,
            labels,
            paused: { type: 'boolean' },
            state: { enum: [...TARGET_STATES] },
            incident: { type: 'object', properties: { id: str, status: str, title: str, openedAt: ms } },
            lastHeartbeatAt: ms,
            heartbeatIntervalMs: int,
            nextPingExpectedAt: { ...ms, description: 'Heartbeat targets: when the next ping is expected (after the last ping, by heartbeat.intervalSec or heartbeat.cron in heartbeat.timezone); past it the target is late, past it + graceSec down' },
            lastCheckAt: ms,
            latencyMs: { type: 'number' },
            strip: ref('Strip'),
          },
          required: ['id', 'name', 'kind', 'labels', 'paused', 'state', 'strip'],
        },
      },
    },
    required: ['now', 'bucket', 'bucketMs', 'start', 'counts', 'targets'],
  },
  PublicStatus: {
    type: 'object',
    properties: {
      slug: str,
      name: str,
      description: str,
      generatedAt: ms,
      stripStart: ms,
      overall: { enum: ['operational', 'degraded', 'outage', 'maintenance'] },
      sections: {
        type: 'array',
        items: {
          type: 'object',
          properties: {
            name: str,
            targets: {
              type: 'array',
              items: {
                type: 'object',
                properties: { name: str, state: { enum: [...TARGET_STATES] }, uptime: { type: 'object', properties: Object.fromEntries(['24h', '7d', '30d', '90d'].map((w) => [w, { type: ['number', 'null'] }])) }, strip: ref('Strip') },
                required: ['name', 'state', 'uptime', 'strip'],
              },
            },
          },
        },
      },
      incidents: {
        type: 'array',
        items: { type: 'object', properties: { title: str, target: str, status: str, openedAt: ms, updates: { type: 'array', items: { type: 'object', properties: { at: ms, status: str, message: str } } } } },
      },
    },
    required: ['slug', 'name', 'description', 'generatedAt', 'stripStart', 'overall', 'sections', 'incidents'],
  },
  Setup: { type: 'object', properties: { needsFirstUser: { type: 'boolean' } }, required: ['needsFirstUser'] },
  Deleted: { type: 'object', properties: { deleted: { const: true }, id: str }, required: ['deleted', 'id'] },
};

const ERROR_RESPONSES = {
  '400': 'Bad request: unknown or invalid query parameter, or malformed JSON (`malformed_json`)',
  '401': 'Missing or invalid credential',
  '403': 'The credential lacks the scope this operation needs',
  '404': "Not found. Another tenant's objects answer exactly like missing ones",
  '409': 'Conflict: a duplicate name, or a state that forbids the operation',
  '422': 'The body failed validation; `details` has one entry per problem with its JSON pointer',
  '429': 'Too many requests (`rate_limited`): retry after the `Retry-After` header\'s seconds',
  '503': 'Busy (`unavailable`): retry after the `Retry-After` header\'s seconds',
} as const;
type ErrorStatus = keyof typeof ERROR_RESPONSES;
const responses = Object.fromEntries(Object.entries(ERROR_RESPONSES).map(([status, description]) => [`E${status}`, { description, content: { 'application/json': { schema: ref('Error') } } }]));
const errs = (...statuses: ErrorStatus[]): Json => Object.fromEntries(statuses.map((s) => [s, { $ref: `#/components/responses/E${s}` }]));

const param = (name: string, description: string, schema: Json = str, inPath = false): Json => ({ name, in: inPath ? 'path' : 'query', required: inPath, description, schema });
const instantParam = (name: string, d: string): Json => param(name, `${d}: RFC 3339 or epoch milliseconds`, { type: 'string' });
const EVENT_PARAM_DOCS: Record<string, Json> = {
  target: param('target', 'Only events about this target (exact name)'),
  from: instantParam('from', 'Events at or after this time'),
  to: instantParam('to', 'Events before this time'),
  limit: param('limit', `Page size, 1-${MAX_LIMIT} (default ${DEFAULT_LIMIT})`, { type: 'integer', minimum: 1, maximum: MAX_LIMIT, default: DEFAULT_LIMIT }),
  order: param('order', 'Newest first (desc, default) or oldest first', { enum: ['asc', 'desc'], default: 'desc' }),
  cursor: param('cursor', 'Opaque keyset cursor from the previous page (`nextCursor`); stable while new events arrive'),
  level: param('level', 'Log level', { enum: [...LOG_LEVELS] }),
  severity: param('severity', 'Security event severity', { enum: [...SEVERITIES] }),
  category: param('category', 'Security event category'),
  status: param('status', 'Heartbeat status (ok, start, fail) or check outcome (ok, fail)'),
  name: param('name', 'Metric name'),
  text: param('text', 'Case-insensitive substring of the message (logs, security events), the ping log (heartbeats), the error (checks). One page reads at most TEXT_SEARCH_SCAN_LIMIT events (SQLite store): it may then hold fewer items than `limit`, or none, with a `nextCursor` to go on'),
};
const LABEL_NOTE = 'Label filters: `label.<name>=<value>` (at most 20), e.g. `label.env=prod`. Unknown parameters are a 400 that lists them.';

const readSecurity = [{ bearerAuth: [] }, { apiKeyHeader: [] }, { basicAuth: [] }];

function eventPaths(): Json {
  const out: Json = {};
  for (const [collection, kind] of Object.entries(EVENT_COLLECTIONS)) {
    out[`/api/${collection}`] = {
      get: {
        operationId: `list${collection[0]?.toUpperCase()}${collection.slice(1)}`,
        tags: ['events'],
        summary: `Read ${kind} events, newest first, one page at a time`,
        description: `${LABEL_NOTE} Needs the read scope.`,
        security: readSecurity,
        'x-lightwatch-scope': 'read',
        parameters: [...COMMON_EVENT_PARAMS, ...KIND_FILTERS[kind]].map((p) => EVENT_PARAM_DOCS[p]),
        responses: { '200': { description: 'A page of events', content: { 'application/json': { schema: ref('EventPage') } } }, ...errs('400', '401', '403') },
      },
    };
  }
  out[SERIES_PATH] = {
    get: {
      operationId: 'metricSeries',
      tags: ['events'],
      summary: 'Aggregated points (avg/min/max/count per step) of one metric',
      description: `${LABEL_NOTE} The window defaults to the last hour, the step to about 300 points; at most ${MAX_SERIES_POINTS} points. Needs the read scope.`,
      security: readSecurity,
      'x-lightwatch-scope': 'read',
      parameters: [
        param('name', 'Metric name', str),
        EVENT_PARAM_DOCS.target,
        EVENT_PARAM_DOCS.from,
        EVENT_PARAM_DOCS.to,
        param('step', 'Bucket width: `500ms`, `60s`, `5m`, `1h`, `1d` or milliseconds'),
      ].map((p) => (p?.name === 'name' ? { ...p, required: true } : p)),
      responses: { '200': { description: 'The series', content: { 'application/json': { schema: ref('Series') } } }, ...errs('400', '401', '403') },
    },
  };
  const promError = { description: 'Prometheus error `{"status":"error","errorType":"bad_data"|"execution"|"timeout"|…,"error":"…"}`', content: { 'application/json': { schema: { type: 'object' } } } };
  for (const p of PROM_PATHS) {
    const item: Record<string, unknown> = {};
    for (const m of p.methods) {
      item[m.toLowerCase()] = {
        operationId: `prom_${p.endpoint}_${m.toLowerCase()}`,
        tags: ['prometheus'],
        summary: PROM_SUMMARY[p.endpoint] ?? p.endpoint,
        description:
          'Prometheus HTTP API (point Grafana\'s Prometheus data source at `/api/prom` with the API key as bearer or Basic password): Prometheus\'s parameters (times as RFC 3339 or unix seconds, steps as durations or seconds; POST takes them as a form), response JSON and errors. Tenant from the credential. Needs the read scope.' +
          (p.endpoint === 'query' || p.endpoint === 'query_range'
            ? ' Large queries are evaluated on PromQL worker threads (`PROMQL_WORKERS`, `PROMQL_INLINE_POINTS`); when those and their queue (`PROMQL_QUEUE`) are full, 503 `unavailable` with `Retry-After`.'
            : ''),
        security: readSecurity,
        'x-lightwatch-scope': 'read',
        responses:
          p.endpoint === 'read'
            ? { '200': { description: 'Snappy-compressed protobuf ReadResponse (SAMPLES)', content: { 'application/x-protobuf': { schema: { type: 'string', format: 'binary' } } } }, '400': { description: 'Malformed ReadRequest' }, '401': promError, '403': promError }
            : { '200': { description: '`{"status":"success","data":…}`', content: { 'application/json': { schema: { type: 'object' } } } }, '400': promError, '401': promError, '403': promError, '422': promError, '503': promError },
      };
    }
    out[p.path] = item;
  }
  const amError = { description: 'Alertmanager error: the message as a JSON string (a body failing the schema: `{"code":602,"message":"…"}` with 422)', content: { 'application/json': { schema: {} } } };
  for (const p of AM_PATHS) {
    const scope = AM_SCOPE[p.operation];
    const item = (out[p.path] ??= {}) as Record<string, unknown>;
    item[p.method.toLowerCase()] = {
      operationId: `am_${p.operation.replace('.', '_')}`,
      tags: ['alertmanager'],
      summary: AM_SUMMARY[p.operation],
      description:
        "Alertmanager v2 API (0.25) for amtool (`--alertmanager.url=<base>/api/am`, the API key as Basic password through `--http.config.file`) and Prometheus: Alertmanager's parameters, JSON shapes (api/v2/openapi.yaml) and errors. Silences are this tenant's silences (`/api/silences`); open and acknowledged incidents are its alerts; channels are its receivers. Tenant from the credential.",
      ...(p.path.includes('{silenceID}') ? { parameters: [{ name: 'silenceID', in: 'path', required: true, schema: { type: 'string' } }] } : {}),
      ...(p.method === 'POST' ? { requestBody: { required: true, content: { 'application/json': { schema: { type: 'object', description: p.operation === 'alerts.post' ? 'postableAlerts: [{labels, annotations, startsAt, endsAt, generatorURL}]' : 'postableSilence: matchers [{name, value, isRegex, isEqual}], startsAt, endsAt, createdBy, comment; optional id to update' } } } } } : {}),
      security: scope === 'public' ? [] : readSecurity,
      'x-lightwatch-scope': scope,
      responses:
        scope === 'public'
          ? { '200': { description: '`OK`', content: { 'text/plain': { schema: { type: 'string' } } } } }
          : { '200': { description: "Alertmanager's response body", content: { 'application/json': { schema: {} } } }, '400': amError, '401': amError, '403': amError, ...(p.operation.startsWith('silence') ? { '404': amError } : {}), ...(p.method === 'POST' ? { '422': amError } : {}) },
    };
  }
  out[OPENAPI_PATH] = {
    get: { operationId: 'openApiDocument', tags: ['meta'], summary: 'This document', security: [], responses: { '200': { description: 'OpenAPI 3.1 document', content: { 'application/json': { schema: { type: 'object' } } } } } },
  };
  return out;
}

const ENTITY: Record<string, { schema: string; input?: string; patch?: string }> = {
  targets: { schema: 'Target', input: 'TargetInput', patch: 'TargetPatch' },
  incidents: { schema: 'IncidentSummary' },
  rules: { schema: 'Rule', input: 'RuleInput', patch: 'RulePatch' },
  channels: { schema: 'Channel', input: 'ChannelInput', patch: 'ChannelPatch' },
  silences: { schema: 'Silence', input: 'SilenceInput', patch: 'SilencePatch' },
  maintenance: { schema: 'Maintenance', input: 'MaintenanceInput', patch: 'MaintenancePatch' },
  tenants: { schema: 'Tenant', input: 'TenantInput' },
  keys: { schema: 'ApiKey', input: 'ApiKeyInput' },
  users: { schema: 'User', input: 'UserInput' },
  statuspages: { schema: 'StatusPage', input: 'StatusPageInput', patch: 'StatusPagePatch' },
  routes: { schema: 'Route', input: 'RouteInput', patch: 'RoutePatch' },
  inhibitrules: { schema: 'InhibitRule', input: 'InhibitRuleInput', patch: 'InhibitRulePatch' },
};

/** Query parameters of resource routes besides none (every other one is a 400). */
export const RESOURCE_PARAMS: Record<string, Json[]> = {
  'incidents:list': [
    param('status', 'Comma list of pending, open, acknowledged, resolved'),
    param('target', 'A target id or name'),
    instantParam('from', 'Only incidents still active at or after this time (not resolved by then)'),
    instantParam('to', 'Only incidents opened before this time'),
    EVENT_PARAM_DOCS.limit as Json,
    param('cursor', 'Opaque cursor from the previous page'),
  ],
  'board:list': [param('bucket', 'Width of each of the 90 uptime strip segments (default hour)', { enum: ['hour', 'day'] })],
  'targets:action:uptime': [param('window', 'A named window ending now (default 24h)', { enum: ['24h', '7d', '30d', '90d'] }), instantParam('from', 'Window start, instead of window'), instantParam('to', 'Window end (default now)')],
};

const body = (schema: string): Json => ({ required: true, content: { 'application/json': { schema: ref(schema) } } });
const okJson = (description: string, schema: Json, status = '200'): Json => ({ [status]: { description, content: { 'application/json': { schema } } } });

function operation(r: ResourceRoute): Json {
  const e = ENTITY[r.resource];
  const key = r.verb === 'action' ? `${r.resource}:action:${r.action}` : `${r.resource}:${r.verb}`;
  const op: Json = {
    operationId: `${r.verb === 'action' ? r.action : r.verb}${r.resource[0]?.toUpperCase()}${r.resource.slice(1)}${r.method === 'PUT' ? 'Put' : ''}`,
    tags: [r.resource],
    summary: r.summary,
    description: r.access === 'public' ? 'Needs no credential.' : `Needs the ${r.access} scope.`,
    security: r.access === 'public' ? [] : readSecurity,
    'x-lightwatch-scope': r.access,
    parameters: [...(r.withId ? [param('id', 'Object id', str, true)] : []), ...(RESOURCE_PARAMS[key] ?? [])],
  };
  const auth = r.access === 'public' ? [] : (['401', '403'] as ErrorStatus[]);
  const one = e ? ref(e.schema) : { type: 'object' };
  switch (key) {
    case 'targets:action:uptime':
      return { ...op, responses: { ...okJson('Uptime figures', ref('Uptime')), ...errs('400', ...auth, '404') } };
    case 'incidents:get':
      return { ...op, responses: { ...okJson('The incident with its timeline and notification audit', ref('IncidentDetail')), ...errs('400', ...auth, '404') } };
    case 'incidents:action:ack':
      return { ...op, requestBody: { required: false, content: { 'application/json': { schema: ref('AckInput') } } }, responses: { ...okJson('The acknowledged incident', ref('Incident')), ...errs('400', ...auth, '404', '409', '422') } };
    case 'incidents:action:resolve':
      return { ...op, requestBody: { required: false, content: { 'application/json': { schema: ref('ResolveInput') } } }, responses: { ...okJson('The resolved incident', ref('Incident')), ...errs('400', ...auth, '404', '409', '422') } };
    case 'channels:action:preview':
      return { ...op, requestBody: body('ChannelPreviewInput'), responses: { ...okJson('The rendered title, body and HTML', ref('ChannelPreview')), ...errs('400', ...auth, '404', '422') } };
    case 'channels:action:test':
      return { ...op, requestBody: { required: false, content: { 'application/json': { schema: ref('ChannelTestInput') } } }, responses: { ...okJson('Whether the receiver accepted the test notification', ref('ChannelTestResult')), ...errs('400', ...auth, '404', '422') } };
    case 'board:list':
      return { ...op, responses: { ...okJson('Every target of the tenant with its state and strip', ref('Board')), ...errs('400', ...auth) } };
    case 'setup:list':
      return { ...op, responses: { ...okJson('Whether the first user still has to be created', ref('Setup')) } };
    case 'public:action:status':
      return { ...op, parameters: [param('id', 'The page slug', str, true)], responses: { ...okJson('The published page', ref('PublicStatus')), ...errs('400', '404') } };
    case 'keys:action:revoke':
      return { ...op, responses: { ...okJson('The revoked key (revoking twice changes nothing)', ref('ApiKey')), ...errs('400', ...auth, '404') } };
    case 'auth:action:login':
      return { ...op, requestBody: body('LoginInput'), description: 'Needs no credential. Limited per client address (`LOGIN_ATTEMPTS_PER_MIN`, the address from X-Forwarded-For only behind `TRUSTED_PROXIES`) and per account (`LOGIN_FAILURES_PER_MIN` attempts from addresses that never signed in to the account; an address that did is not refused by it): past a limit, 429 with `Retry-After`. 503 with `Retry-After` when too many password checks wait.', responses: { ...okJson('A JWT', ref('LoginResult')), ...errs('400', '401', '422', '429', '503') } };
    case 'tenants:create':
      return { ...op, requestBody: body('TenantInput'), responses: { ...okJson('The tenant and its first admin key (shown once)', ref('TenantCreated'), '201'), ...errs('400', ...auth, '409', '422') } };
    case 'keys:create':
      return { ...op, requestBody: body('ApiKeyInput'), responses: { ...okJson('The key record and the key itself (shown once)', ref('ApiKeyCreated'), '201'), ...errs('400', ...auth, '409', '422') } };
  }
  switch (r.verb) {
    case 'list':
      return { ...op, responses: { ...okJson('All of them', page(one)), ...errs('400', ...auth) } };
    case 'get':
      return { ...op, responses: { ...okJson('The object', one), ...errs('400', ...auth, '404') } };
    case 'create':
      return { ...op, requestBody: body(e?.input ?? 'Error'), responses: { ...okJson('Created', one, '201'), ...errs('400', ...auth, '409', '422') } };
    case 'update':
      return { ...op, requestBody: body(e?.patch ?? 'Error'), responses: { ...okJson('Updated', one), ...errs('400', ...auth, '404', '409', '422') } };
    case 'delete':
      return { ...op, responses: { ...okJson('Deleted', ref('Deleted')), ...errs('400', ...auth, '404', '409') } };
    default:
      throw new Error(`no OpenAPI operation for ${key}`);
  }
}

function resourcePaths(): Json {
  const out: Record<string, Json> = {};
  for (const r of RESOURCE_ROUTES) (out[routePath(r)] ??= {})[r.method.toLowerCase()] = operation(r);
  return out;
}

/** The compatibility ping URLs (lib/heartbeat/compat.ts): the URL's token is the credential, answers are the tools' own. */
export function pingPaths(): Record<string, Record<string, Json>> {
  const text = (description: string) => ({ description, content: { 'text/plain': { schema: { type: 'string' } } } });
  const p = (name: string, description: string, schema: Json = { type: 'string' }) => ({ name, in: 'path', required: true, description, schema });
  const rid = { name: 'rid', in: 'query', required: false, description: 'Run id (a UUID) pairing a /start with its finish, so overlapping runs are timed apart', schema: { type: 'string', format: 'uuid' } };
  const hcResponses = {
    '200': text('"OK": the ping was recorded'),
    '400': text('"invalid url format" (an exit status over 255) or "invalid uuid format" (a malformed rid)'),
    '404': text('"not found": no active heartbeat target has this URL'),
    '409': text('"ambiguous slug": more than one target holds this ping key and slug'),
  };
  const hc = (id: string, summary: string, parameters: Json[]) => {
    const op = { tags: ['heartbeat compatibility'], summary, security: [], parameters: [...parameters, rid], responses: hcResponses };
    return {
      get: { ...op, operationId: `get${id}` },
      post: { ...op, operationId: `post${id}`, requestBody: { required: false, content: { '*/*': { schema: { type: 'string' } } }, description: "The job's output, kept as the ping's log (10 KB)" } },
      head: { ...op, operationId: `head${id}` },
    };
  };
  const code = p('code', "The target's heartbeat.uuid (Healthchecks' ping URL /ping/{uuid})");
  const action = p('action', 'start, fail, log (output only, no sign of life) or an exit status 0-255 (non-zero = failure)');
  const kumaOp = {
    tags: ['heartbeat compatibility'],
    summary: "Uptime Kuma push: a ping of the target whose heartbeat.pushToken this is",
    security: [],
    parameters: [
      p('token', "The target's heartbeat.pushToken"),
      { name: 'status', in: 'query', required: false, description: 'up (default) or down (anything else is down)', schema: { type: 'string' } },
      { name: 'msg', in: 'query', required: false, description: "Kept as the ping's log; default OK", schema: { type: 'string' } },
      { name: 'ping', in: 'query', required: false, description: 'A latency the job measured, ms (0-100000000000)', schema: { type: 'number' } },
    ],
    responses: {
      '200': { description: '{"ok":true}', content: { 'application/json': { schema: { type: 'object', properties: { ok: { const: true } } } } } },
      '400': { description: '{"ok":false,"msg":"Invalid ping value. Must be between 0 and 100000000000 ms."}' },
      '404': { description: '{"ok":false,"msg":"Monitor not found or not active."}' },
    },
  };
  return {
    '/ping/{code}': hc('PingUuid', 'Healthchecks ping: success', [code]),
    '/ping/{code}/{part}': hc('PingUuidActionOrSlug', 'Healthchecks ping: /ping/{uuid}/{start|fail|log|exit status}, or /ping/{ping-key}/{slug} (a key the targets of one project share, heartbeat.pingKey, and the slug heartbeat.slug or the target name)', [
      p('code', 'heartbeat.uuid, or heartbeat.pingKey'),
      p('part', 'start, fail, log or an exit status 0-255 after a uuid; the slug after a ping key'),
    ]),
    '/ping/{pingKey}/{slug}/{action}': hc('PingSlugAction', 'Healthchecks ping by ping key and slug, with start, fail, log or an exit status', [p('pingKey', 'heartbeat.pingKey'), p('slug', 'heartbeat.slug (default: the target name)'), action]),
    '/api/push/{token}': { get: { ...kumaOp, operationId: 'getKumaPush' }, post: { ...kumaOp, operationId: 'postKumaPush' } },
  };
}

export function buildOpenApiDocument(): Json {
  return {
    openapi: '3.1.0',
    info: {
      title: 'Lightwatch API',
      version: '1',
      description: [
        'Queries, configuration and administration of Lightwatch. JSON in and out; every error is `{"error": {"code", "message", "details"}}`.',
        'Authenticate with `Authorization: Bearer <API key or JWT>`, `X-API-Key: <key>` or HTTP Basic with the key as password. The tenant always comes from the credential.',
        'Scopes: GET of events, targets, uptime, incidents, rules, channels, routes, inhibition rules, silences and maintenance needs `read`; every write, and everything under tenants, keys and users, needs `admin` (which implies read). `ingest`-only keys get 403 here. Creating tenants needs admin in tenant `default`, whose admins also list every tenant. `POST /api/auth/login` needs no credential.',
        "Another tenant's objects answer 404 exactly like missing ones. Updates (PATCH and PUT alike) replace the top-level fields given and remove those given as null; the result is validated as a whole.",
      ].join('\n\n'),
    },
    servers: [{ url: '/' }],
    tags: ['events', ...new Set(RESOURCE_ROUTES.map((r) => r.resource)), 'ingest', 'heartbeat compatibility', 'meta'].map((name) => ({ name })),
    paths: { ...eventPaths(), ...resourcePaths(), ...ingestPaths(), ...pingPaths() },
    components: {
      securitySchemes: {
        bearerAuth: { type: 'http', scheme: 'bearer', description: 'An API key (`lw_…`) or a JWT from /api/auth/login' },
        apiKeyHeader: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
        basicAuth: { type: 'http', scheme: 'basic', description: 'Any user name; the API key as password' },
      },
      schemas,
      responses,
    },
  };
}

export const openApiDocument: Json = buildOpenApiDocument();
