// /api/targets: CRUD for monitored targets and their check settings, and each target's uptime figures. A check
// whose host or URL is an IP address outside CHECK_ALLOWED_NETWORKS is a 422 at that field.
import { activeCheckOf, checkEndpoint } from '../lib/api/active-check.js';
import { CHECK_KINDS, URL_CREDENTIAL_KINDS } from '../lib/api/check-settings.js';
import { targetBody } from '../lib/api/schemas.js';
import type { Target } from '../lib/store/types.js';
import { withPingTokens } from '../lib/heartbeat/tokens.js';
import { checkRefs, missing, refuseOutsideNetworks, type HandlerTable } from './context.js';
import { crudHandlers, pick } from './crud.js';
import { isMaskOf, maskHeaders, maskSecret, maskUrlPassword, restoreHeaders, restoreUrlPassword } from './secrets.js';
import { computeUptime, maintenanceAppliesTo, uptimeWindowFromParams } from './uptime.js';

const EDITABLE = ['name', 'kind', 'labels', 'heartbeat', ...CHECK_KINDS, 'slaTarget', 'channels', 'dependsOn', 'paused'] as const satisfies readonly (keyof Target)[];

/** A target as responses show it: header values and passwords in connection URLs masked. */
export function presentTarget(t: Target): Target {
  let out = t;
  if (t.http?.headers) out = { ...out, http: { ...t.http, headers: maskHeaders(t.http.headers) } };
  if (t.websocket?.headers) out = { ...out, websocket: { ...t.websocket, headers: maskHeaders(t.websocket.headers) } };
  for (const kind of URL_CREDENTIAL_KINDS) {
    const block = t[kind];
    if (block) out = { ...out, [kind]: { ...block, url: maskUrlPassword(block.url) } };
  }
  if (t.scrape) out = { ...out, scrape: maskScrape(t.scrape) };
  return out;
}

type ScrapeBlock = NonNullable<Target['scrape']>;

/** A scrape block's bearer token, basic password and TLS key masked. */
function maskScrape(s: ScrapeBlock): ScrapeBlock {
  const out: ScrapeBlock = { ...s, url: maskUrlPassword(s.url) };
  if (s.bearerToken !== undefined) out.bearerToken = maskSecret(s.bearerToken);
  if (s.basicAuth !== undefined) out.basicAuth = { ...s.basicAuth, password: maskSecret(s.basicAuth.password) };
  if (s.tls?.key !== undefined) out.tls = { ...s.tls, key: maskSecret(s.tls.key) };
  return out;
}

/** A scrape block sent back with masked secrets gets the stored ones again. */
function restoreScrape(incoming: Record<string, unknown>, stored: ScrapeBlock | undefined): Record<string, unknown> {
  if (!stored) return incoming;
  const out: Record<string, unknown> = { ...incoming, url: restoreUrlPassword(incoming.url, stored.url) };
  if (isMaskOf(incoming.bearerToken, stored.bearerToken)) out.bearerToken = stored.bearerToken;
  const basic = incoming.basicAuth as Record<string, unknown> | undefined;
  if (basic && typeof basic === 'object' && isMaskOf(basic.password, stored.basicAuth?.password)) out.basicAuth = { ...basic, password: stored.basicAuth?.password };
  const tls = incoming.tls as Record<string, unknown> | undefined;
  if (tls && typeof tls === 'object' && isMaskOf(tls.key, stored.tls?.key)) out.tls = { ...tls, key: stored.tls?.key };
  return out;
}

/** Masked values sent back unchanged keep what is stored. */
function restoreSecrets(merged: Record<string, unknown>, stored: Target): Record<string, unknown> {
  let out = merged;
  for (const kind of ['http', 'websocket'] as const) {
    const block = out[kind] as Record<string, unknown> | undefined;
    if (block && typeof block === 'object' && 'headers' in block) out = { ...out, [kind]: { ...block, headers: restoreHeaders(block.headers, stored[kind]?.headers) } };
  }
  for (const kind of URL_CREDENTIAL_KINDS) {
    const block = out[kind] as Record<string, unknown> | undefined;
    if (block && typeof block === 'object' && 'url' in block) out = { ...out, [kind]: { ...block, url: restoreUrlPassword(block.url, stored[kind]?.url) } };
  }
  const scrape = out.scrape as Record<string, unknown> | undefined;
  if (scrape && typeof scrape === 'object') out = { ...out, scrape: restoreScrape(scrape, stored.scrape) };
  return out;
}

const crud = crudHandlers({
  resource: 'targets',
  noun: 'target',
  collection: (store) => store.targets,
  schema: targetBody,
  editable: (t: Target) => pick(t, EDITABLE),
  beforeUpdate: (merged, stored) => restoreSecrets(merged, stored),
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
    // Ping URLs (Healthchecks uuid, Kuma push token) are made once; an update keeps the stored ones unless given.
    if (body.heartbeat) t.heartbeat = withPingTokens({ ...body.heartbeat, uuid: body.heartbeat.uuid ?? stored?.heartbeat?.uuid, pushToken: body.heartbeat.pushToken ?? stored?.heartbeat?.pushToken });
    for (const kind of CHECK_KINDS) if (body[kind] !== undefined) (t as unknown as Record<string, unknown>)[kind] = body[kind];
    if (body.slaTarget !== undefined) t.slaTarget = body.slaTarget;
    if (body.dependsOn.length > 0) t.dependsOn = body.dependsOn;
    // A check at an address outside CHECK_ALLOWED_NETWORKS would fail at every run: refused now (a name is
    // held to the detector's guard when the check runs).
    const check = activeCheckOf(t);
    const endpoint = check && checkEndpoint(check);
    if (endpoint) refuseOutsideNetworks(ctx.allowedNetworks, endpoint.host, endpoint.at, 'target body');
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
