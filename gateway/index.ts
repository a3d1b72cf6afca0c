// The gateway: the public HTTP edge. Attaches /ingest/* and /api/* to a uWS app; the caller (one process or
// the all-in-one) owns the app, the ops endpoints and the service clients.
import type { TemplatedApp } from 'uWebSockets.js';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { Authenticate } from '../lib/auth/principal.js';
import type { IngestApi, QueryApi } from '../lib/rpc/apis.js';
import { createCors } from '../lib/http/cors.js';
import { attachApiRoutes } from './api-routes.js';
import { attachDashboard } from './dashboard.js';
import { attachIngestRoutes } from './ingest-routes.js';
import { attachPingRoutes } from './ping-routes.js';
import { createGatewayMetrics } from './metrics.js';
import { attachPublicRoutes } from './public-routes.js';
import { TokenBuckets } from '../lib/limits/token-bucket.js';
import type { LoginLimits } from '../lib/auth/login-limit.js';
import type { SharedLoginCounters } from '../lib/auth/login-limit-shared.js';
import type { Networks } from '../lib/net/networks.js';
import { createLoginGuard } from './login-guard.js';

export interface GatewayDeps {
  ingest: IngestApi;
  query: QueryApi;
  authenticate: Authenticate;
  logger: Logger;
  registry: Registry;
  openApiDocument: unknown;
  config: {
    maxBodyBytes: number;
    tenantRateLimit: number;
    corsOrigins?: readonly string[];
    /** Peers whose X-Forwarded-For names the client (TRUSTED_PROXIES). */
    trustedProxies?: Networks | null;
    /** Login limits (LOGIN_ATTEMPTS_PER_MIN, LOGIN_FAILURES_PER_MIN); absent: logins are not limited. */
    login?: LoginLimits;
  };
  /** Login counters shared with the other gateway replicas (Redis); absent: each replica limits on its own. */
  loginCounters?: SharedLoginCounters;
  /** The login limiter's clock (tests drive it). */
  now?: () => number;
}

export function attachGateway(app: TemplatedApp, deps: GatewayDeps): void {
  const metrics = createGatewayMetrics(deps.registry);
  attachIngestRoutes(app, {
    ingest: deps.ingest,
    authenticate: deps.authenticate,
    logger: deps.logger,
    metrics,
    rateLimiter: new TokenBuckets({ now: Date.now }),
    tenantRateLimit: deps.config.tenantRateLimit,
    maxBodyBytes: deps.config.maxBodyBytes,
  });
  attachPingRoutes(app, { ingest: deps.ingest, logger: deps.logger, metrics, maxBodyBytes: Math.min(deps.config.maxBodyBytes, 1024 * 1024) });
  attachDashboard(app);
  attachPublicRoutes(app, { query: deps.query, logger: deps.logger });
  attachApiRoutes(app, { query: deps.query, ingest: deps.ingest, logger: deps.logger, metrics, openApiDocument: deps.openApiDocument, maxBodyBytes: 1024 * 1024, cors: createCors(deps.config.corsOrigins ?? []),
    login: createLoginGuard({
      limits: deps.config.login,
      shared: deps.loginCounters,
      onDegraded: (err) =>
        err === null ? deps.logger.info('login limits shared through Redis again') : deps.logger.warn({ err }, 'Redis unreachable for the login limits: this replica limits on its own meanwhile'),
      trustedProxies: deps.config.trustedProxies,
      now: deps.now,
    }),
  });
}
