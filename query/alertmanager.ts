// The Alertmanager v2 API (/api/am/api/v2/*) over Lightwatch's silences, incidents and channels, one tenant
// (from the credential) at a time, answered in Alertmanager's shapes, status codes and error bodies so that
// amtool and Prometheus work unchanged. Silences are the tenant's silences (same store collection as
// /api/silences); open incidents are its alerts; channels are its receivers.
import type { Principal } from '../lib/auth/principal.js';
import { silenceMatches } from '../lib/alerting/suppress.js';
import { inhibitors } from '../lib/alerting/inhibit.js';
import type { RoutedIncident } from '../lib/alerting/routing-types.js';
import {
  amError,
  boolParam,
  labelsMatchFilter,
  parseFilterMatcher,
  parsePostableSilence,
  rfc3339,
  silenceMatchesFilter,
  silenceState,
  sortSilences,
  toGettableSilence,
  type AmReply,
  type FilterMatcher,
} from '../lib/am/wire.js';
import type { AmOperation } from '../lib/am/routes.js';
import type { Channel, Incident, Rule, Silence, Target } from '../lib/store/types.js';
import type { PromRequest } from '../proto/gen/lightwatch/v1/query.js';
import type { ServiceContext } from './context.js';

/** The Alertmanager release whose API this follows (amtool checks it with --version-check). */
export const AM_VERSION_INFO = Object.freeze({ version: '0.25.0', revision: 'lightwatch', branch: 'lightwatch', buildUser: 'lightwatch', buildDate: '', goVersion: 'none' });

/** Rule id prefix of the incidents of posted alerts (`builtin:alert/<fingerprint>`). */
const ALERT_RULE_PREFIX = 'builtin:alert/';

/** Most incidents one alerts listing reads (Alertmanager keeps its alerts in memory; we page the store). */
const MAX_ALERTS = 10_000;

function paramsOf(req: PromRequest): { one(name: string): string | undefined; all(name: string): string[] } {
  return {
    one: (name) => req.params.find((p) => p.name === name)?.value,
    all: (name) => req.params.filter((p) => p.name === name).map((p) => p.value),
  };
}

function filtersOf(req: PromRequest): FilterMatcher[] {
  return paramsOf(req).all('filter').map(parseFilterMatcher);
}

async function listSilences(ctx: ServiceContext, tenant: string, req: PromRequest): Promise<AmReply> {
  let filters: FilterMatcher[];
  try {
    filters = filtersOf(req);
  } catch (err) {
    return amError(400, (err as Error).message);
  }
  const now = ctx.now();
  const list = (await ctx.store.silences.list(tenant)).filter((s) => silenceMatchesFilter(s, filters));
  return { status: 200, body: sortSilences(list, now).map((s) => toGettableSilence(s, now)) };
}

async function postSilence(ctx: ServiceContext, principal: Principal, req: PromRequest): Promise<AmReply> {
  const now = ctx.now();
  const posted = parsePostableSilence(Buffer.from(req.body), now);
  if ('status' in posted) return posted;
  const tenant = principal.tenant;
  const stored = posted.id === undefined ? null : await ctx.store.silences.get(tenant, posted.id);
  if (posted.id !== undefined && stored === null) return amError(404, 'not found');
  const silence: Silence = {
    id: stored?.id ?? ctx.newId(),
    tenant,
    matchers: posted.matchers,
    startsAt: posted.startsAt,
    endsAt: posted.endsAt,
    comment: posted.comment,
    // Who silenced is recorded from the credential, never taken from the body (as /api/silences does).
    creator: stored?.creator ?? principal.subject,
    createdAt: stored?.createdAt ?? now,
  };
  if (stored) await ctx.store.silences.update(silence);
  else await ctx.store.silences.create(silence);
  return { status: 200, body: { silenceID: silence.id } };
}

async function expireSilence(ctx: ServiceContext, tenant: string, id: string): Promise<AmReply> {
  const s = await ctx.store.silences.get(tenant, id);
  if (s === null) return { status: 404 };
  const now = ctx.now();
  if (silenceState(s, now) !== 'expired') {
    await ctx.store.silences.update({ ...s, startsAt: Math.min(s.startsAt, now), endsAt: now });
  }
  return { status: 200 };
}

interface AlertView {
  incident: Incident;
  labels: Record<string, string>;
  receivers: string[];
  silencedBy: string[];
  /** Fingerprints of the alerts inhibiting this one (the tenant's inhibition rules). */
  inhibitedBy: string[];
}

/** A posted alert keeps Alertmanager's fingerprint (the key of its rule id); other incidents use their id. */
const fingerprintOf = (inc: Incident): string => (inc.ruleId.startsWith(ALERT_RULE_PREFIX) ? inc.ruleId.slice(ALERT_RULE_PREFIX.length) : inc.id);

/** Open and acknowledged incidents as Alertmanager alerts (labels: the target's, plus alertname, target, severity). */
async function alertViews(ctx: ServiceContext, tenant: string): Promise<AlertView[]> {
  const [targets, rules, channels, silences, inhibitRules] = await Promise.all([
    ctx.store.targets.list(tenant),
    ctx.store.rules.list(tenant),
    ctx.store.channels.list(tenant),
    ctx.store.silences.list(tenant),
    ctx.store.inhibitRules.list(tenant),
  ]);
  const targetById = new Map<string, Target>(targets.map((t) => [t.id, t]));
  const ruleById = new Map<string, Rule>(rules.map((r) => [r.id, r]));
  const channelById = new Map<string, Channel>(channels.map((c) => [c.id, c]));
  const defaults = channels.filter((c) => c.isDefault).map((c) => c.name);
  const incidents: Incident[] = [];
  let cursor: string | undefined;
  do {
    const page = await ctx.store.listIncidents({ tenant, status: ['open', 'acknowledged'], limit: 500, ...(cursor === undefined ? {} : { cursor }) });
    incidents.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor !== undefined && incidents.length < MAX_ALERTS);
  const now = ctx.now();
  const views = incidents.map((incident) => {
    const target = targetById.get(incident.targetId);
    const rule = ruleById.get(incident.ruleId);
    const targetName = target?.name ?? incident.targetId;
    const ruleName = rule?.name ?? incident.ruleId;
    // An alert posted here keeps its own labels; other incidents get their target's plus alertname, target, severity.
    const labels: Record<string, string> = incident.labels !== undefined ? { ...incident.labels } : { ...(target?.labels ?? {}), alertname: ruleName, target: targetName, severity: incident.severity };
    // As the detector routes: the rule's channels, else the target's, else the tenant's defaults.
    const named = rule !== undefined && rule.channels.length > 0 ? rule.channels : (target?.channels ?? []);
    const routed = named.map((id) => channelById.get(id)?.name).filter((n): n is string => n !== undefined);
    const query = { tenant, targetId: incident.targetId, targetName, ruleId: incident.ruleId, ruleName, severity: incident.severity, labels };
    return {
      incident,
      labels,
      receivers: [...new Set(routed.length > 0 ? routed : defaults)],
      silencedBy: silences.filter((s) => silenceMatches(s, query, now)).map((s) => s.id),
      inhibitedBy: [] as string[],
      routed: { tenant, id: incident.id, targetId: incident.targetId, targetName, ruleId: incident.ruleId, severity: incident.severity, labels, status: 'firing', openedAt: incident.openedAt, changedAt: incident.updatedAt } satisfies RoutedIncident,
    };
  });
  // Every open alert is a possible source, as Alertmanager's inhibitor sees every firing alert.
  if (inhibitRules.length > 0) {
    const sources = views.map((v) => ({ ...v.routed, fingerprint: fingerprintOf(v.incident) }));
    for (const v of views) v.inhibitedBy = [...new Set(inhibitors(inhibitRules, v.routed, sources).map((x) => x.source.fingerprint))];
  }
  return views.map(({ routed: _routed, ...v }) => v);
}

function gettableAlert(v: AlertView): Record<string, unknown> {
  const inc = v.incident;
  const suppressed = v.silencedBy.length > 0 || v.inhibitedBy.length > 0;
  return {
    labels: v.labels,
    annotations: inc.annotations !== undefined ? { ...inc.annotations } : { summary: inc.title },
    receivers: v.receivers.map((name) => ({ name })),
    fingerprint: fingerprintOf(inc),
    startsAt: rfc3339(inc.openedAt),
    updatedAt: rfc3339(inc.updatedAt),
    // Firing: Alertmanager shows an end in the future; an open incident has none, so the read time stands in.
    endsAt: rfc3339(inc.resolvedAt ?? inc.updatedAt),
    status: { state: suppressed ? 'suppressed' : 'active', silencedBy: v.silencedBy, inhibitedBy: v.inhibitedBy },
  };
}

async function listAlerts(ctx: ServiceContext, tenant: string, req: PromRequest, grouped: boolean): Promise<AmReply> {
  const p = paramsOf(req);
  let filters: FilterMatcher[];
  let active: boolean;
  let silenced: boolean;
  let inhibited: boolean;
  let receiver: RegExp | null;
  try {
    filters = filtersOf(req);
    active = boolParam('active', p.one('active'), true);
    silenced = boolParam('silenced', p.one('silenced'), true);
    inhibited = boolParam('inhibited', p.one('inhibited'), true);
    boolParam('unprocessed', p.one('unprocessed'), true);
    const r = p.one('receiver');
    receiver = r === undefined || r === '' ? null : new RegExp(`^(?:${r})$`);
  } catch (err) {
    return amError(400, (err as Error).message);
  }
  const views = (await alertViews(ctx, tenant)).filter((v) => {
    // As Alertmanager filters: silenced and inhibited alerts are shown when asked for, active ones when `active`.
    const isSilenced = v.silencedBy.length > 0;
    const isInhibited = v.inhibitedBy.length > 0;
    if (isSilenced && !silenced) return false;
    if (isInhibited && !inhibited) return false;
    if (!isSilenced && !isInhibited && !active) return false;
    if (receiver !== null && !v.receivers.some((name) => receiver.test(name))) return false;
    return labelsMatchFilter(v.labels, filters);
  });
  if (!grouped) return { status: 200, body: views.map(gettableAlert) };
  // No routes yet: Alertmanager's default route (group_by: []) makes one group per receiver.
  const byReceiver = new Map<string, AlertView[]>();
  for (const v of views) for (const name of v.receivers) (byReceiver.get(name) ?? byReceiver.set(name, []).get(name))?.push(v);
  return {
    status: 200,
    body: [...byReceiver].map(([name, vs]) => ({ labels: {}, receiver: { name }, alerts: vs.map(gettableAlert) })),
  };
}

function statusBody(channels: Channel[], startedAt: number): Record<string, unknown> {
  // What `amtool config show|routes` reads (and validates): the channels as the receivers of an Alertmanager
  // configuration whose root route goes to the tenant's default channel (a "default" receiver when none is).
  const root = channels.find((c) => c.isDefault)?.name ?? 'default';
  const names = channels.map((c) => c.name);
  if (!names.includes(root)) names.unshift(root);
  const original = `route:\n  receiver: ${JSON.stringify(root)}\nreceivers:\n${names.map((n) => `- name: ${JSON.stringify(n)}\n`).join('')}`;
  return { cluster: { status: 'disabled', peers: [] }, versionInfo: AM_VERSION_INFO, config: { original }, uptime: rfc3339(startedAt) };
}

export interface AlertmanagerDeps {
  startedAt: number;
}

/** Answers one operation for the principal's tenant (authorization is the caller's). */
export async function alertmanagerApi(ctx: ServiceContext, deps: AlertmanagerDeps, principal: Principal, req: PromRequest): Promise<AmReply> {
  const tenant = principal.tenant;
  switch (req.endpoint as AmOperation) {
    case 'healthy':
      return { status: 200, text: 'OK' };
    case 'ready':
      await ctx.store.ping();
      return { status: 200, text: 'OK' };
    case 'status':
      return { status: 200, body: statusBody(await ctx.store.channels.list(tenant), deps.startedAt) };
    case 'receivers':
      return { status: 200, body: (await ctx.store.channels.list(tenant)).map((c) => ({ name: c.name })) };
    case 'silences.get':
      return listSilences(ctx, tenant, req);
    case 'silences.post':
      return postSilence(ctx, principal, req);
    case 'silence.get': {
      const s = await ctx.store.silences.get(tenant, req.labelName);
      return s === null ? { status: 404 } : { status: 200, body: toGettableSilence(s, ctx.now()) };
    }
    case 'silence.delete':
      return expireSilence(ctx, tenant, req.labelName);
    case 'alerts.get':
      return listAlerts(ctx, tenant, req, false);
    case 'alertgroups.get':
      return listAlerts(ctx, tenant, req, true);
    default:
      return amError(404, `unknown Alertmanager API operation ${JSON.stringify(req.endpoint.slice(0, 40))}`);
  }
}
