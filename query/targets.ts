// /api/targets: CRUD for monitored targets and their check settings, and each target's uptime figures.
import { targetBody } from '../lib/api/schemas.js';
import type { Target } from '../lib/store/types.js';
import { checkRefs, missing, type HandlerTable } from './context.js';
import { crudHandlers, pick } from './crud.js';
import { maskHeaders, restoreHeaders } from './secrets.js';
import { computeUptime, maintenanceAppliesTo, uptimeWindowFromParams } from './uptime.js';

const EDITABLE = ['name', 'kind', 'labels', 'heartbeat', 'http', 'slaTarget', 'channels', 'dependsOn', 'paused'] as const satisfies readonly (keyof Target)[];

export function presentTarget(t: Target): Target {
  return t.http?.headers ? { ...t, http: { ...t.http, headers: maskHeaders(t.http.headers) } } : t;
}

const crud = crudHandlers({
  resource: 'targets',
  noun: 'target',
  collection: (store) => store.targets,
  schema: targetBody,
  editable: (t: Target) => pick(t, EDITABLE),
  beforeUpdate: (merged, stored) => {
    const http = merged.http as Record<string, unknown> | undefined;
    if (http && typeof http === 'object' && 'headers' in http) return { ...merged, http: { ...http, headers: restoreHeaders(http.headers, stored.http?.headers) } };
    return merged;
  },
  build: async (ctx, call, body, stored) => {
    const tenant = call.principal.tenant;
    await checkRefs(body.channels, async (id) => (await ctx.store.channels.get(tenant, id)) !== null, 'channels', 'channel');
    // A target cannot depend on itself; other unknown ids are a 422 at their position.
    await checkRefs(body.dependsOn, async (id) => id !== stored?.id && (await ctx.store.targets.get(tenant, id)) !== null, 'dependsOn', 'target');
    const now = ctx.now();
    const t: Target = {
      id: stored?.id ?? ctx.newId(),
      tenant,
      name: body.name,
      kind: body.kind,
      labels: body.labels,
      channels: body.channels,
      paused: body.paused,
      createdAt: stored?.createdAt ?? now,
      updatedAt: now,
    };
    if (body.heartbeat) t.heartbeat = body.heartbeat;
    if (body.http) t.http = body.http;
    if (body.slaTarget !== undefined) t.slaTarget = body.slaTarget;
    if (body.dependsOn.length > 0) t.dependsOn = body.dependsOn;
    return t;
  },
  present: presentTarget,
  nameOf: (t) => t.name,
  blockDelete: async (ctx, call, t) => {
    const rules = (await ctx.store.rules.list(call.principal.tenant)).filter((r) => r.targetId === t.id);
    return rules.length > 0 ? `target is used by rule${rules.length > 1 ? 's' : ''} ${rules.map((r) => JSON.stringify(r.name)).join(', ')}: delete or retarget them first` : null;
  },
});

export const targetHandlers: HandlerTable = {
  ...crud,
  'targets:action:uptime': {
    params: ['window', 'from', 'to'],
    run: async (ctx, call) => {
      const tenant = call.principal.tenant;
      const target = await ctx.store.targets.get(tenant, call.id);
      if (!target) throw missing('target', call.id);
      const now = ctx.now();
      const window = uptimeWindowFromParams(call.params, now);
      const [incidents, maintenance] = await Promise.all([ctx.store.incidentsInWindow(tenant, target.id, window.start, window.end), ctx.store.maintenance.list(tenant)]);
      const report = computeUptime({
        from: window.start,
        to: window.end,
        now,
        createdAt: target.createdAt,
        incidents,
        maintenance: maintenance.filter((m) => maintenanceAppliesTo(m, target)).map((m) => ({ start: m.startsAt, end: m.endsAt })),
        slaTarget: target.slaTarget,
      });
      return { body: { targetId: target.id, name: target.name, ...report } };
    },
  },
};
