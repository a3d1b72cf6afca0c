// /api/*: the uWS side of the API. Reads the request (headers, bounded body, the client's address) and writes the
// answer of `answerApi` (lib/api/answer.ts), which maps it to QueryApi calls with the shared route table and
// forwards the caller's credential (the query service authenticates and authorizes). Counts and times each route.
import type { HttpResponse, TemplatedApp } from 'uWebSockets.js';
import type { Logger } from 'pino';
import { createAnswerApi } from '../lib/api/answer.js';
import { startBody } from '../lib/http/body.js';
import type { Cors } from '../lib/http/cors.js';
import { send, sendError, trackAbort } from '../lib/http/respond.js';
import type { IngestApi, QueryApi } from '../lib/rpc/apis.js';
import type { LoginGuard } from './login-guard.js';
import type { GatewayMetrics } from './metrics.js';
import { readRequest, type GatewayRequest } from './request.js';

export interface ApiRouteDeps {
  query: QueryApi;
  /** Alerts posted to /api/am go in as events, like any ingest. */
  ingest: IngestApi;
  logger: Logger;
  metrics: GatewayMetrics;
  openApiDocument: unknown;
  maxBodyBytes: number;
  cors: Cors;
  login: LoginGuard;
}

export function attachApiRoutes(app: TemplatedApp, deps: ApiRouteDeps): void {
  const answerApi = createAnswerApi({ query: deps.query, ingest: deps.ingest, logger: deps.logger, openApiDocument: deps.openApiDocument, cors: deps.cors, login: deps.login });
  const handle = (res: HttpResponse, req: GatewayRequest): Promise<void> => {
    const state = trackAbort(res);
    // Before any await: uWS drops chunks that arrive while no reader is attached (issue 17.2).
    const pending = startBody(res, deps.maxBodyBytes, req.headers['content-length']);
    const started = performance.now();
    // Read now: uWS's response cannot tell its peer after the handler returned. Only a POST can be a login.
    const address = req.method === 'POST' ? deps.login.addressOf(res, req.headers['x-forwarded-for']) : '';
    return (async () => {
      let status = 500;
      let route = 'api_other';
      try {
        const body = await pending;
        if (state.aborted) return;
        const out = await answerApi({ method: req.method, path: req.url, query: req.query, headers: req.headers, body, requestId: req.requestId, address });
        status = out.status;
        route = out.route;
        send(res, state, out.status, out.body, out.headers);
      } catch (err) {
        // Only the body can fail here (413, a broken upload): answerApi answers every error it meets.
        status = sendError(res, state, err, { 'x-request-id': req.requestId, ...deps.cors.headersFor(req.headers.origin) }).httpStatus;
        if (status >= 500) deps.logger.error({ err, requestId: req.requestId, url: req.url }, 'api request failed');
      } finally {
        deps.metrics.requests.inc({ route, status: String(status) });
        if (route !== 'api_preflight') deps.metrics.latency.observe({ route }, (performance.now() - started) / 1000);
      }
    })();
  };
  app.any('/api/*', (res, r) => handle(res, readRequest(r)));
  app.any('/api', (res, r) => handle(res, readRequest(r)));
}
