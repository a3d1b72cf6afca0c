// /api/silences and /api/maintenance: time windows that mute notifications (silences, by matchers) or take
// targets out of monitoring and uptime figures (maintenance, by target ids or labels).
import { maintenanceBody, silenceBody } from '../lib/api/schemas.js';
import { unprocessable } from '../lib/errors/errors.js';
import type { Maintenance, Silence } from '../lib/store/types.js';
import { checkRefs, type HandlerTable } from './context.js';
import { crudHandlers, pick } from './crud.js';

const SILENCE_EDITABLE = ['matchers', 'startsAt', 'endsAt', 'comment'] as const satisfies readonly (keyof Silence)[];
const MAINTENANCE_EDITABLE = ['name', 'targetIds', 'selector', 'startsAt', 'endsAt', 'comment'] as const satisfies readonly (keyof Maintenance)[];

const silences = crudHandlers({
  resource: 'silences',
  noun: 'silence',
  collection: (store) => store.silences,
  schema: silenceBody,
  editable: (s: Silence) => pick(s, SILENCE_EDITABLE),
  build: async (ctx, call, body, stored) => {
    const now = ctx.now();
    const startsAt = body.startsAt ?? now;
    if (body.endsAt <= startsAt) throw unprocessable('invalid silence body: /endsAt must be after startsAt (default now)', [{ at: '/endsAt', message: 'must be after startsAt (default now)' }]);
    return {
      id: stored?.id ?? ctx.newId(),
      tenant: call.principal.tenant,
      matchers: body.matchers,
      startsAt,
      endsAt: body.endsAt,
      comment: body.comment,
      // Who silenced is recorded from the credential, never taken from the body.
      creator: stored?.creator ?? call.principal.subject,
      createdAt: stored?.createdAt ?? now,
    };
  },
  present: (s) => s,
});

const maintenance = crudHandlers({
  resource: 'maintenance',
  noun: 'maintenance window',
  collection: (store) => store.maintenance,
  schema: maintenanceBody,
  editable: (m: Maintenance) => pick(m, MAINTENANCE_EDITABLE),
  build: async (ctx, call, body, stored) => {
    const tenant = call.principal.tenant;
    await checkRefs(body.targetIds, async (id) => (await ctx.store.targets.get(tenant, id)) !== null, 'targetIds', 'target');
    const m: Maintenance = {
      id: stored?.id ?? ctx.newId(),
      tenant,
      name: body.name,
      targetIds: body.targetIds,
      startsAt: body.startsAt,
      endsAt: body.endsAt,
      comment: body.comment,
      createdAt: stored?.createdAt ?? ctx.now(),
    };
    if (body.selector !== undefined) m.selector = body.selector;
    return m;
  },
  present: (m) => m,
  nameOf: (m) => m.name,
});

export const windowHandlers: HandlerTable = { ...silences, ...maintenance };
