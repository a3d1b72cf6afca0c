// The gateway's /api/* answer as a function: `answerApi(request) → response`, with no transport in it. The
// gateway's uWS route reads the request, calls it and writes what it returns; tests call it in-process, as Hono's
// `app.request` is called, so no test keeps a copy of the gateway's mapping. It covers CORS preflights, the
// Prometheus and Alertmanager APIs in their own shapes, the route table (events, series, resources, the OpenAPI
// document), the login guard and the one JSON error shape.
import type { Logger } from 'pino';
import { AM_BASE, amRequestFromHttp, AmRouteError } from '../am/routes.js';
import { extractCredential } from '../auth/credentials.js';
import { asLightwatchError, errorHeaders, isLightwatchError, toErrorBody } from '../errors/errors.js';
import type { Cors } from '../http/cors.js';
import { errorBody, statusOf } from '../prom/params.js';
import { PROM_BASE, promRequestFromHttp, PromRouteError } from '../prom/routes.js';
import { PromQLError } from '../promql/errors.js';
import type { CallContext, IngestApi, QueryApi } from '../rpc/apis.js';
import { decodeUtf8 } from '../text/utf8.js';
import { eventsPageToJson, seriesToJson } from './event-wire.js';
import { apiCallFromHttp } from './routes.js';

export interface ApiRequest {
  method: string;
  /** Path without the query string, e.g. `/api/logs`. */
  path: string;
  query?: URLSearchParams;
  /** Lower-case names. */
  headers?: Readonly<Record<string, string>>;
  body?: Buffer;
  requestId?: string;
  /** The client's address (for the login limits). */
  address?: string;
}

export interface ApiResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** Metrics label of the route taken. */
  route: string;
}

export interface AnswerApiDeps {
  query: QueryApi;
  /** Alerts posted to /api/am go in as events, like any ingest (absent: that path answers 503). */
  ingest?: Pick<IngestApi, 'push'>;
  logger: Logger;
  openApiDocument?: unknown;
  cors?: Cors;
  /** Limits login attempts (the gateway's login guard); logins run unguarded without it. */
  login?: { run<T>(address: string, bodyJson: string, attempt: () => Promise<T>): Promise<T> };
}

export type AnswerApi = (req: ApiRequest) => Promise<ApiResponse>;

const JSON_TYPE = { 'content-type': 'application/json' };

function paramsOf(query: URLSearchParams): Record<string, string[]> {
  // No prototype: a parameter named `__proto__` is a parameter like any other (and gets its 400 downstream).
  const out = Object.create(null) as Record<string, string[]>;
  for (const [k, v] of query) (out[k] ??= []).push(v);
  return out;
}

export function createAnswerApi(deps: AnswerApiDeps): AnswerApi {
  const openApiJson = JSON.stringify(deps.openApiDocument ?? {});

  async function answerProm(req: Required<ApiRequest>, ctx: CallContext, raw: Buffer, headers: Record<string, string>): Promise<ApiResponse> {
    try {
      const out = await deps.query.prometheus(promRequestFromHttp(req.method, req.path, req.query, raw, req.headers), ctx);
      return { status: out.httpStatus, headers: { ...headers, ...out.headers, 'content-type': out.contentType }, body: Buffer.from(out.body).toString('utf8'), route: 'api_prom' };
    } catch (err) {
      const [status, type] =
        err instanceof PromRouteError
          ? [err.status, err.status === 404 ? 'not_found' : 'bad_data']
          : err instanceof PromQLError
            ? [statusOf(err.errorType), err.errorType]
            : isLightwatchError(err)
              ? [err.httpStatus, err.httpStatus === 503 ? 'unavailable' : err.httpStatus < 500 ? 'bad_data' : 'internal']
              : [500, 'internal'];
      if (status >= 500) deps.logger.error({ err, requestId: req.requestId, url: req.path }, 'prometheus api request failed');
      return { status, headers: { ...headers, ...JSON_TYPE }, body: errorBody(type, err instanceof Error ? err.message : String(err)), route: 'api_prom' };
    }
  }

  async function answerAm(req: Required<ApiRequest>, ctx: CallContext, raw: Buffer, headers: Record<string, string>): Promise<ApiResponse> {
    try {
      const request = amRequestFromHttp(req.method, req.path, req.query, raw, req.headers);
      if (request.endpoint === 'alerts.post') {
        // Prometheus's alert push: alert log events through ingest (the detector turns them into incidents).
        // Alertmanager answers 200 with no body, or 400 with every invalid alert's error (the valid ones still go in).
        if (!deps.ingest) return { status: 503, headers: { ...headers, ...JSON_TYPE }, body: JSON.stringify('alerts cannot be posted here: no ingest service'), route: 'api_am' };
        const result = await deps.ingest.push({ endpoint: 'alertmanager', contentType: req.headers['content-type'] ?? 'application/json', contentEncoding: req.headers['content-encoding'] ?? '', body: raw, params: {}, idempotencyKey: '', target: '', suffix: '' }, ctx);
        if (result.rejected.length > 0) return { status: 400, headers: { ...headers, ...JSON_TYPE }, body: JSON.stringify(result.rejected.map((r) => r.error).join('; ')), route: 'api_am' };
        return { status: 200, headers, body: '', route: 'api_am' };
      }
      const out = await deps.query.alertmanager(request, ctx);
      return { status: out.httpStatus, headers: { ...headers, ...out.headers, 'content-type': out.contentType }, body: Buffer.from(out.body).toString('utf8'), route: 'api_am' };
    } catch (err) {
      const status = err instanceof AmRouteError ? err.status : isLightwatchError(err) ? err.httpStatus : 500;
      if (status >= 500) deps.logger.error({ err, requestId: req.requestId, url: req.path }, 'alertmanager api request failed');
      return { status, headers: { ...headers, ...JSON_TYPE }, body: JSON.stringify(err instanceof Error ? err.message : String(err)), route: 'api_am' };
    }
  }

  return async (given) => {
    const req: Required<ApiRequest> = {
      method: given.method.toUpperCase(),
      path: given.path,
      query: given.query ?? new URLSearchParams(),
      headers: given.headers ?? {},
      body: given.body ?? Buffer.alloc(0),
      requestId: given.requestId ?? '',
      address: given.address ?? '',
    };
    const origin = req.headers.origin;
    const headers: Record<string, string> = { ...(req.requestId ? { 'x-request-id': req.requestId } : {}), ...(deps.cors?.headersFor(origin) ?? {}) };
    if (req.method === 'OPTIONS' && deps.cors?.enabled) {
      // A browser's preflight: answered before routing (it carries no credential).
      const answer = deps.cors.preflight(origin);
      const h = { ...(req.requestId ? { 'x-request-id': req.requestId } : {}), ...answer.headers };
      if (answer.status === 204) return { status: 204, headers: h, body: '', route: 'api_preflight' };
      const body = { error: { code: 'origin_not_allowed', message: `origin ${JSON.stringify((origin ?? '').slice(0, 100))} is not in CORS_ORIGINS`, details: [] } };
      return { status: 403, headers: { ...h, ...JSON_TYPE }, body: JSON.stringify(body), route: 'api_preflight' };
    }
    const cred = extractCredential({ authorization: req.headers.authorization, apiKey: req.headers['x-api-key'] });
    const ctx: CallContext = { requestId: req.requestId, credential: cred.ok ? cred.credential : null };
    let route = 'api_other';
    try {
      const hasBody = req.method === 'POST' || req.method === 'PUT' || req.method === 'PATCH';
      const raw = hasBody ? req.body : Buffer.alloc(0);
      // Refused like /ingest refuses it: decoding would store U+FFFD in place of what the client sent.
      const body = hasBody ? decodeUtf8(raw, 'request body') : '';
      if (req.path === PROM_BASE || req.path.startsWith(`${PROM_BASE}/`)) return await answerProm(req, ctx, raw, headers);
      if (req.path === AM_BASE || req.path.startsWith(`${AM_BASE}/`)) return await answerAm(req, ctx, raw, headers);
      const call = apiCallFromHttp(req.method, req.path, paramsOf(req.query), body);
      route = call.type === 'events' ? `api_${call.collection}` : call.type === 'resource' ? `api_${call.request.resource}` : `api_${call.type}`;
      switch (call.type) {
        case 'openapi':
          return { status: 200, headers: { ...headers, ...JSON_TYPE }, body: openApiJson, route };
        case 'events':
          return { status: 200, headers: { ...headers, ...JSON_TYPE }, body: JSON.stringify(eventsPageToJson(await deps.query.queryEvents(call.request, ctx))), route };
        case 'series':
          return { status: 200, headers: { ...headers, ...JSON_TYPE }, body: JSON.stringify(seriesToJson(await deps.query.metricSeries(call.request, ctx))), route };
        case 'resource': {
          const run = (): ReturnType<QueryApi['resource']> => deps.query.resource(call.request, ctx);
          const isLogin = call.request.resource === 'auth' && call.request.action === 'login';
          const out = isLogin && deps.login ? await deps.login.run(req.address, body, run) : await run();
          return { status: out.httpStatus || 200, headers: { ...headers, ...JSON_TYPE }, body: out.bodyJson, route };
        }
      }
    } catch (err) {
      const e = asLightwatchError(err);
      if (e.httpStatus >= 500) deps.logger.error({ err, requestId: req.requestId, url: req.path }, 'api request failed');
      return { status: e.httpStatus, headers: { ...headers, ...JSON_TYPE, ...errorHeaders(e) }, body: JSON.stringify(toErrorBody(e)), route };
    }
  };
}
