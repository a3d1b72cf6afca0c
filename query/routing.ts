// /api/routes and /api/inhibitrules: Alertmanager-style routing as tenant configuration. A route groups the
// incidents its matchers select and notifies one channel per group; an inhibition rule holds back
// notifications that an open, more important incident explains. The detectors apply both (announced through
// the configuration notices, like channels and silences).
import { inhibitRuleBody, routeBody } from '../lib/api/schemas.js';
import { unprocessable } from '../lib/errors/errors.js';
import type { InhibitRule, NotificationRoute } from '../lib/store/types.js';
import type { HandlerTable } from './context.js';
import { crudHandlers, pick } from './crud.js';

const ROUTE_EDITABLE = ['name', 'channelId', 'matchers', 'groupBy', 'groupWaitSec', 'groupIntervalSec', 'repeatIntervalSec'] as const satisfies readonly (keyof NotificationRoute)[];
const INHIBIT_EDITABLE = ['name', 'source', 'target', 'equal'] as const satisfies readonly (keyof InhibitRule)[];

const routes = crudHandlers({
  resource: 'routes',
  noun: 'route',
  collection: (store) => store.routes,
  schema: routeBody,
  editable: (r: NotificationRoute) => pick(r, ROUTE_EDITABLE),
  build: async (ctx, call, body, stored) => {
    const tenant = call.principal.tenant;
    if (!(await ctx.store.channels.get(tenant, body.channelId))) {
      throw unprocessable(`invalid route body: /channelId names an unknown channel ${JSON.stringify(body.channelId)}`, [{ at: '/channelId', message: `unknown channel ${JSON.stringify(body.channelId)}` }]);
    }
    const now = ctx.now();
    return {
      id: stored?.id ?? ctx.newId(),
      tenant,
      name: body.name,
      channelId: body.channelId,
      matchers: body.matchers,
      groupBy: body.groupBy,
      groupWaitSec: body.groupWaitSec,
      groupIntervalSec: body.groupIntervalSec,
      repeatIntervalSec: body.repeatIntervalSec,
      createdAt: stored?.createdAt ?? now,
      updatedAt: now,
    };
  },
  present: (r) => r,
  nameOf: (r) => r.name,
});

const inhibitRules = crudHandlers({
  resource: 'inhibitrules',
  noun: 'inhibition rule',
  collection: (store) => store.inhibitRules,
  schema: inhibitRuleBody,
  editable: (r: InhibitRule) => pick(r, INHIBIT_EDITABLE),
  build: async (ctx, call, body, stored) => {
    const now = ctx.now();
    return { id: stored?.id ?? ctx.newId(), tenant: call.principal.tenant, name: body.name, source: body.source, target: body.target, equal: body.equal, createdAt: stored?.createdAt ?? now, updatedAt: now };
  },
  present: (r) => r,
  nameOf: (r) => r.name,
});

export const routingHandlers: HandlerTable = { ...routes, ...inhibitRules };
