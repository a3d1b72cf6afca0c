// /api/incidents: list (by status, target and time window), one incident with its timeline and notification audit, and
// acknowledgement and manual resolve (where the rule allows it) by the caller, recorded as the actor from the credential.
import { DEFAULT_LIMIT, MAX_LIMIT, ParamProblems, checkRange, instantParam } from '../lib/api/params.js';
import { RULE_PARAMS, readRuleParams } from '../lib/api/rule-params.js';
import { ackBody, resolveBody } from '../lib/api/schemas.js';
import { conflict } from '../lib/errors/errors.js';
import type { IncidentFilter } from '../lib/store/port.js';
import type { Incident, IncidentStatus } from '../lib/store/types.js';
import { missing, type HandlerTable, type ServiceContext } from './context.js';
import { MAX_CURSOR_LENGTH } from './events.js';
import { parseBody } from './validation.js';

const STATUSES: readonly IncidentStatus[] = ['pending', 'open', 'acknowledged', 'resolved'];

/** List items leave the timeline out (it can be long); GET /api/incidents/{id} has it. */
function summary(i: Incident): Omit<Incident, 'timeline'> & { timelineLength: number } {
  const { timeline, ...rest } = i;
  return { ...rest, timelineLength: timeline.length };
}

/** Whether the incident's rule lets people resolve it by hand; built-in rules (heartbeat, checks) follow their target. */
async function allowsManualResolve(ctx: ServiceContext, incident: Incident): Promise<boolean> {
  const rule = await ctx.store.rules.get(incident.tenant, incident.ruleId);
  if (!rule || !(rule.kind in RULE_PARAMS)) return false;
  const read = readRuleParams(rule.kind, rule.params);
  return read.ok && read.params.manualResolve;
}

export const incidentHandlers: HandlerTable = {
  'incidents:list': {
    params: ['status', 'target', 'from', 'to', 'limit', 'cursor'],
    run: async (ctx, call) => {
      const tenant = call.principal.tenant;
      const problems = new ParamProblems();
      const filter: IncidentFilter = { tenant, limit: DEFAULT_LIMIT };
      const { status, target, limit, cursor } = call.params;
      // The time window: incidents active at some time in [from, to) (opened before to, not resolved by from).
      const times = new Map(['from', 'to'].flatMap((k) => (call.params[k] ? [[k, call.params[k]] as const] : [])));
      const from = instantParam(times, 'from', problems);
      const to = instantParam(times, 'to', problems);
      checkRange(from, to, problems);
      if (times.has('from')) filter.from = from;
      if (times.has('to')) filter.to = to;
      if (status) {
        const list = status.split(',').map((s) => s.trim());
        const bad = list.filter((s) => !(STATUSES as readonly string[]).includes(s));
        if (bad.length > 0) problems.add('status', `unknown status ${bad.map((b) => JSON.stringify(b.slice(0, 40))).join(', ')}; use a comma list of ${STATUSES.join(', ')}`);
        else filter.status = [...new Set(list)] as IncidentStatus[];
      }
      if (limit) {
        if (!/^\d{1,7}$/.test(limit) || Number(limit) < 1 || Number(limit) > MAX_LIMIT) problems.add('limit', `must be an integer from 1 to ${MAX_LIMIT}`);
        else filter.limit = Number(limit);
      }
      if (cursor) {
        if (cursor.length > MAX_CURSOR_LENGTH) problems.add('cursor', 'not a cursor this API issued');
        else filter.cursor = cursor;
      }
      problems.throwIfAny();
      if (target) {
        // A target id or name of the caller's tenant; an unknown one simply matches nothing.
        const t = (await ctx.store.targets.get(tenant, target)) ?? (await ctx.store.targets.getByName(tenant, target));
        if (!t) return { body: { items: [], nextCursor: null } };
        filter.targetId = t.id;
      }
      const page = await ctx.store.listIncidents(filter);
      return { body: { items: page.items.map(summary), nextCursor: page.nextCursor } };
    },
  },
  'incidents:get': {
    run: async (ctx, call) => {
      const tenant = call.principal.tenant;
      const incident = await ctx.store.getIncident(tenant, call.id);
      if (!incident) throw missing('incident', call.id);
      // What a claim is to send is kept for the partition's next holder, not shown: the audit is status and attempts.
      const notifications = (await ctx.store.listNotifications(tenant, incident.id)).map(({ notice: _notice, ...record }) => record);
      return { body: { ...incident, notifications, manualResolve: await allowsManualResolve(ctx, incident) } };
    },
  },
  'incidents:action:ack': {
    run: async (ctx, call) => {
      const tenant = call.principal.tenant;
      const body = parseBody(ackBody, call.bodyJson, 'acknowledgement body', true);
      const incident = await ctx.store.getIncident(tenant, call.id);
      if (!incident) throw missing('incident', call.id);
      if (incident.status === 'resolved') throw conflict('incident is resolved; only an open or pending incident can be acknowledged');
      // Acknowledging twice changes nothing: the first actor and time stand.
      if (incident.status === 'acknowledged') return { body: incident };
      const now = ctx.now();
      const actor = call.principal.subject;
      const updated = await ctx.store.updateIncident(
        tenant,
        incident.id,
        { status: 'acknowledged', acknowledgedAt: now, acknowledgedBy: actor, updatedAt: now },
        { at: now, type: 'acknowledged', message: body.comment ? `acknowledged by ${actor}: ${body.comment}` : `acknowledged by ${actor}`, actor },
      );
      if (!updated) throw missing('incident', call.id);
      ctx.logger.info({ requestId: call.requestId, tenant, incidentId: incident.id, actor }, 'incident acknowledged');
      return { body: updated };
    },
  },
  // Stored here; the detector's actor holding the incident learns of it on its next refresh (as with an
  // acknowledgement), records the same timeline entry and sends the resolved notice.
  'incidents:action:resolve': {
    run: async (ctx, call) => {
      const tenant = call.principal.tenant;
      const body = parseBody(resolveBody, call.bodyJson, 'resolve body', true);
      const incident = await ctx.store.getIncident(tenant, call.id);
      if (!incident) throw missing('incident', call.id);
      // Resolving twice changes nothing.
      if (incident.status === 'resolved') return { body: incident };
      if (incident.status === 'pending') throw conflict('incident is pending; only an open or acknowledged incident can be resolved');
      if (!(await allowsManualResolve(ctx, incident))) throw conflict("the incident's rule does not allow a manual resolve (set params.manualResolve on the rule; built-in heartbeat and check rules resolve on their own)");
      const now = ctx.now();
      const actor = call.principal.subject;
      const updated = await ctx.store.updateIncident(
        tenant,
        incident.id,
        { status: 'resolved', resolvedAt: now, updatedAt: now },
        { at: now, type: 'resolved', message: body.comment ? `resolved by ${actor}: ${body.comment}` : `resolved by ${actor}`, actor },
      );
      if (!updated) throw missing('incident', call.id);
      ctx.logger.info({ requestId: call.requestId, tenant, incidentId: incident.id, actor }, 'incident resolved by hand');
      return { body: updated };
    },
  },
};
