// The operational endpoints every service serves: /healthz (alive), /readyz (dependencies reachable),
// /metrics (prom-client). Readiness checks run concurrently with a timeout so a hung dependency answers 503.
import type { TemplatedApp } from 'uWebSockets.js';
import type { Registry } from 'prom-client';
import { headersOf, send, sendJson, trackAbort } from './respond.js';

export type ReadinessCheck = () => Promise<void> | void;

export interface OpsOptions {
  registry: Registry;
  /** name → check; a check throws when its dependency is not usable. */
  readiness: Record<string, ReadinessCheck>;
  /** False while draining: /readyz answers 503 so load balancers stop sending. */
  accepting: () => boolean;
  checkTimeoutMs?: number;
  /** More metrics text to append (e.g. from worker threads, which have registries of their own). */
  extraMetrics?: () => Promise<string[]>;
}

async function runCheck(check: ReadinessCheck, timeoutMs: number): Promise<string | null> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      Promise.resolve().then(check),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
    return null;
  } catch (err) {
    return (err as Error).message || String(err);
  } finally {
    clearTimeout(timer);
  }
}

export function attachOps(app: TemplatedApp, options: OpsOptions): void {
  const timeoutMs = options.checkTimeoutMs ?? 2_000;
  app.get('/healthz', (res) => {
    const state = trackAbort(res);
    sendJson(res, state, 200, { status: 'ok' });
  });
  app.get('/readyz', (res) => {
    const state = trackAbort(res);
    void (async () => {
      const names = Object.keys(options.readiness);
      const results = await Promise.all(names.map((n) => runCheck(options.readiness[n] as ReadinessCheck, timeoutMs)));
      const checks: Record<string, string> = {};
      names.forEach((n, i) => {
        checks[n] = results[i] ?? 'ok';
      });
      const ready = options.accepting() && results.every((r) => r === null);
      sendJson(res, state, ready ? 200 : 503, { status: ready ? 'ready' : options.accepting() ? 'not_ready' : 'draining', checks });
    })();
  });
  app.get('/metrics', (res) => {
    const state = trackAbort(res);
    Promise.all([options.registry.metrics(), options.extraMetrics?.() ?? []]).then(
      ([text, extra]) => send(res, state, 200, [text, ...extra].join('\n'), { 'content-type': options.registry.contentType }),
      (err: unknown) => send(res, state, 500, String(err)),
    );
  });
}

/** Any path no route serves: a JSON 404 (uWS prefers every specific route over this wildcard). */
export function attachNotFound(app: TemplatedApp): void {
  app.any('/*', (res, req) => {
    const state = trackAbort(res);
    const method = req.getMethod().toUpperCase();
    const url = req.getUrl().slice(0, 200);
    const rid = headersOf(req)['x-request-id'];
    sendJson(res, state, 404, { error: { code: 'not_found', message: `nothing is served at ${method} ${url} by this process`, details: [] } }, rid ? { 'x-request-id': rid } : {});
  });
}
