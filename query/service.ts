// The QueryApi implementation: authenticates every call (except login), authorizes it by the route's access
// level, takes the tenant only from the principal, checks query parameters, and dispatches to the
// resource handlers. gRPC (lib/rpc/grpc-server.ts) and the all-in-one process both serve this object.
//
// Access (documented in the OpenAPI document): GET of events, targets, uptime, incidents, rules, channels, routes, inhibitrules,
// silences and maintenance needs `read`; every write, and anything under tenants, keys and users, needs
// `admin` (admin implies read); `ingest`-only keys get 403 everywhere here. Creating tenants needs admin in
// tenant `default`. POST /api/auth/login needs no credential.
import type { Revocations } from '../lib/auth/revocations.js';
import type { Logger } from 'pino';
import { ParamProblems, pickParams } from '../lib/api/params.js';
import { findResourceRoute, type Access } from '../lib/api/routes.js';
import { hasScope, type Authenticate, type Principal } from '../lib/auth/principal.js';
import { createIdGenerator } from '../lib/events/ids.js';
import { forbidden, notFound, unauthenticated } from '../lib/errors/errors.js';
import type { CallContext, QueryApi } from '../lib/rpc/apis.js';
import { createGuard, NOTIFY_NETWORKS } from '../lib/net/guard.js';
import type { Networks } from '../lib/net/networks.js';
import type { Store } from '../lib/store/port.js';
import { adminHandlers } from './admin.js';
import { channelHandlers } from './channels.js';
import type { HandlerTable, ServiceContext } from './context.js';
import { metricSeries, queryEvents } from './events.js';
import { prometheusApi, promError } from './prom.js';
import { alertmanagerApi } from './alertmanager.js';
import { amError, type AmReply } from '../lib/am/wire.js';
import { AM_OPERATIONS, AM_SCOPE, type AmOperation } from '../lib/am/routes.js';
import { isLightwatchError } from '../lib/errors/errors.js';
import { createPromQueries, type PromQueries } from '../lib/promql-offload/offload.js';
import { incidentHandlers } from './incidents.js';
import { ruleHandlers } from './rules.js';
import { targetHandlers } from './targets.js';
import { windowHandlers } from './windows.js';
import { routingHandlers } from './routing.js';
import { boardHandlers } from './board.js';
import { setupHandlers } from './setup.js';
import { statusPageHandlers } from './status-pages.js';
import { DETECTOR_RESOURCES, type ConfigChange } from '../lib/streams/config-changes.js';

export interface QueryApiDeps {
  store: Store;
  authenticate: Authenticate;
  /** Signs login tokens; the same secret the authenticators verify with. */
  jwtSecret: Uint8Array;
  jwtTtlSec: number;
  now?: () => number;
  logger: Logger;
  /** Where revoked keys and deleted users are announced (live sessions end, caches drop them). */
  revocations?: Pick<Revocations, 'publish'>;
  /** Announces a change the detectors act on (lib/streams/config-changes.ts); awaited before the answer. */
  configChanged?: (change: ConfigChange) => Promise<void>;
  /** PromQL evaluation (default: every query on the event loop); its owner closes it. */
  promql?: PromQueries;
  /** CHECK_ALLOWED_NETWORKS: a check's host or URL, or a promql rule's source, at an IP literal outside it is refused (422); default anywhere. */
  checkAllowedNetworks?: Networks | null;
  /** NOTIFY_ALLOWED_NETWORKS: a channel URL at an IP literal outside it is refused (422), and test notifications are held to it; default anywhere. */
  notifyAllowedNetworks?: Networks | null;
}

/** The principal of a public route: belongs to no tenant, holds no scope. */
const ANONYMOUS: Principal = { tenant: '', scopes: [], subject: 'anonymous' };

export function createQueryApi(deps: QueryApiDeps): QueryApi {
  const now = deps.now ?? Date.now;
  const ids = createIdGenerator();
  const ctx: ServiceContext = { store: deps.store, now, newId: () => ids.next(now()), logger: deps.logger, revoked: (subject) => deps.revocations?.publish(subject), allowedNetworks: deps.checkAllowedNetworks ?? null, notifyNetworks: deps.notifyAllowedNetworks ?? null, notifyGuard: createGuard(deps.notifyAllowedNetworks ?? null, NOTIFY_NETWORKS) };
  const handlers: HandlerTable = {
    ...targetHandlers,
    ...incidentHandlers,
    ...ruleHandlers,
    ...channelHandlers,
    ...windowHandlers,
    ...routingHandlers,
    ...boardHandlers,
    ...statusPageHandlers,
    ...setupHandlers,
    ...adminHandlers({ jwtSecret: deps.jwtSecret, jwtTtlSec: deps.jwtTtlSec }),
  };

  async function authorize(call: CallContext, access: Access): Promise<Principal> {
    if (access === 'public') return ANONYMOUS;
    if (!call.credential) throw unauthenticated();
    const principal = await deps.authenticate(call.credential);
    if (!hasScope(principal, access)) throw forbidden(`this operation needs the ${access} scope`);
    return principal;
  }

  const promql = deps.promql ?? createPromQueries({ metrics: deps.store.metrics });
  const startedAt = now();

  /** Alertmanager's reply as the HTTP envelope the gateway sends. */
  const amResponse = (reply: AmReply) => ({
    httpStatus: reply.status,
    contentType: reply.text !== undefined ? 'text/plain; charset=utf-8' : 'application/json',
    body: Buffer.from(reply.text ?? (reply.body === undefined ? '' : JSON.stringify(reply.body))),
    headers: {},
  });

  return {
    async prometheus(request, call) {
      let principal: Principal;
      try {
        principal = await authorize(call, 'read');
      } catch (err) {
        return promError(err);
      }
      return prometheusApi({ metrics: deps.store.metrics, queries: promql, now }, principal, request);
    },

    async alertmanager(request, call) {
      const op = request.endpoint as AmOperation;
      if (!AM_OPERATIONS.includes(op)) return amResponse(amError(404, `unknown Alertmanager API operation ${JSON.stringify(request.endpoint.slice(0, 40))}`));
      try {
        const scope = AM_SCOPE[op];
        // alerts.post goes through ingest at the gateway; here it is only ever a misrouted call.
        if (scope === 'ingest') return amResponse(amError(404, 'alerts are posted through the gateway'));
        const principal = await authorize(call, scope);
        const reply = await alertmanagerApi(ctx, { startedAt }, principal, request);
        if (scope === 'admin' && reply.status < 300) {
          // The silence posted (its id is in the reply) or expired (its id is the path's).
          const id = op === 'silence.delete' ? request.labelName : (reply.body as { silenceID?: unknown } | undefined)?.silenceID;
          await deps.configChanged?.({ tenant: principal.tenant, resource: 'silences', ...(typeof id === 'string' ? { id } : {}) });
        }
        return amResponse(reply);
      } catch (err) {
        if (isLightwatchError(err)) return amResponse(amError(err.httpStatus, err.message));
        throw err;
      }
    },

    async queryEvents(request, call) {
      return queryEvents(ctx, await authorize(call, 'read'), request);
    },

    async metricSeries(request, call) {
      return metricSeries(ctx, await authorize(call, 'read'), request);
    },

    async resource(request, call) {
      const route = findResourceRoute(request.resource, request.verb, request.action);
      const key = request.verb === 'action' ? `${request.resource}:action:${request.action}` : `${request.resource}:${request.verb}`;
      const handler = Object.hasOwn(handlers, key) ? handlers[key] : undefined;
      if (!route || !handler) throw notFound(`no API route for resource ${JSON.stringify(request.resource.slice(0, 40))} verb ${JSON.stringify(request.verb.slice(0, 20))}${request.action ? ` action ${JSON.stringify(request.action.slice(0, 40))}` : ''}`);
      if (route.withId !== (request.id !== '')) throw notFound(`${route.withId ? 'an id is required' : 'no id is expected'} for ${request.resource} ${request.verb}`);
      const principal = await authorize(call, route.access);
      const problems = new ParamProblems();
      pickParams(request.params, handler.params ?? [], problems);
      problems.throwIfAny();
      const reply = await handler.run(ctx, { principal, id: request.id, params: request.params, bodyJson: request.bodyJson, requestId: call.requestId });
      // Before answering: a client that sends a heartbeat right after creating its target finds it known.
      if (route.access === 'admin' && route.method !== 'GET' && DETECTOR_RESOURCES.has(request.resource) && (reply.status ?? 200) < 300) {
        // The entity is the path's, or the one just created (its id is in the reply).
        const id = request.id !== '' ? request.id : (reply.body as { id?: unknown } | undefined)?.id;
        await deps.configChanged?.({ tenant: principal.tenant, resource: request.resource, ...(typeof id === 'string' ? { id } : {}) });
      }
      return { bodyJson: JSON.stringify(reply.body), httpStatus: reply.status ?? 200 };
    },
  };
}
