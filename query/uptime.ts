// Uptime figures of one target over a window, computed from its incidents and the maintenance windows that
// cover it. Pure interval arithmetic: downtime is the union of the counted incidents' open time (overlaps
// count once), and time under maintenance is left out of both the downtime and the monitored time.
import { badRequest } from '../lib/errors/errors.js';
import type { Incident, Maintenance, Target } from '../lib/store/types.js';
import { ParamProblems, instantParam, pickParams, type QueryParams } from '../lib/api/params.js';
import { countsAsDowntime } from '../lib/board/state.js';
import { clip, subtract, totalLength, unionOf, type Interval } from '../lib/board/intervals.js';

export type { Interval } from '../lib/board/intervals.js';
export { clip, subtract, totalLength, unionOf };

export const UPTIME_WINDOWS = { '24h': 86_400_000, '7d': 7 * 86_400_000, '30d': 30 * 86_400_000, '90d': 90 * 86_400_000 } as const;
export const MAX_UPTIME_SPAN_MS = 366 * 86_400_000;

/** Percentages to 6 decimals: enough for 99.9999%, without float noise like 99.99999999999983. */
const pct = (x: number): number => Math.round(x * 1e6) / 1e6;

/** Pending incidents never became outages and `info` ones are notices, not downtime. */
export { countsAsDowntime };

export function maintenanceAppliesTo(m: Pick<Maintenance, 'targetIds' | 'selector'>, target: Pick<Target, 'id' | 'labels'>): boolean {
  const selector = m.selector && Object.keys(m.selector).length > 0 ? m.selector : undefined;
  if (m.targetIds.length === 0 && !selector) return true;
  if (m.targetIds.includes(target.id)) return true;
  return selector !== undefined && Object.entries(selector).every(([k, v]) => target.labels[k] === v);
}

export interface UptimeInput {
  from: number;
  to: number;
  now: number;
  /** Time before the target existed is not counted. */
  createdAt?: number;
  incidents: readonly Pick<Incident, 'id' | 'status' | 'severity' | 'openedAt' | 'resolvedAt'>[];
  maintenance: readonly Interval[];
  slaTarget?: number;
}

export interface ErrorBudget {
  /** Downtime the SLA allows over the monitored time. */
  allowedDowntimeMs: number;
  /** Allowed minus actual; negative when the SLA is breached. */
  remainingMs: number;
  /** remainingMs as a percentage of allowedDowntimeMs; null when the SLA allows no downtime at all. */
  remainingPercent: number | null;
}

export interface UptimeReport {
  /** The effective window: the requested one clipped to the target's creation and to now. */
  from: number;
  to: number;
  maintenanceMs: number;
  /** Window length minus maintenance: the time uptime is measured over. */
  monitoredMs: number;
  downtimeMs: number;
  /** null when nothing was monitored (window entirely in maintenance, or before the target existed). */
  uptimePercent: number | null;
  /** Counted incidents with downtime inside the monitored time. */
  incidentCount: number;
  /** Mean open-to-resolved time of those incidents that are resolved; null when none is. */
  mttrMs: number | null;
  slaTarget: number | null;
  errorBudget: ErrorBudget | null;
}

export function computeUptime(input: UptimeInput): UptimeReport {
  const from = Math.max(input.from, input.createdAt ?? input.from);
  const to = Math.max(from, Math.min(input.to, input.now));
  const window: Interval = { start: from, end: to };
  const maintenance = unionOf(clip(input.maintenance, window));
  const monitored = subtract([window].filter((w) => w.end > w.start), maintenance);
  const monitoredMs = totalLength(monitored);

  const counted: { id: string; downtime: Interval[]; repairMs: number | null }[] = [];
  for (const inc of input.incidents) {
    if (!countsAsDowntime(inc)) continue;
    const end = inc.resolvedAt ?? input.now;
    if (end <= inc.openedAt) continue;
    const downtime = subtract(clip([{ start: inc.openedAt, end }], window), maintenance);
    if (totalLength(downtime) === 0) continue;
    counted.push({ id: inc.id, downtime, repairMs: inc.resolvedAt === undefined ? null : inc.resolvedAt - inc.openedAt });
  }
  const downtimeMs = totalLength(unionOf(counted.flatMap((c) => c.downtime)));
  const repairs = counted.map((c) => c.repairMs).filter((r): r is number => r !== null);
  const sla = input.slaTarget;
  let errorBudget: ErrorBudget | null = null;
  if (sla !== undefined) {
    const allowed = monitoredMs * (1 - sla / 100);
    const remaining = allowed - downtimeMs;
    errorBudget = { allowedDowntimeMs: Math.round(allowed), remainingMs: Math.round(remaining), remainingPercent: allowed > 0 ? pct((remaining / allowed) * 100) : null };
  }
  return {
    from,
    to,
    maintenanceMs: totalLength(maintenance),
    monitoredMs,
    downtimeMs,
    uptimePercent: monitoredMs > 0 ? pct(((monitoredMs - downtimeMs) / monitoredMs) * 100) : null,
    incidentCount: counted.length,
    mttrMs: repairs.length > 0 ? Math.round(repairs.reduce((s, r) => s + r, 0) / repairs.length) : null,
    slaTarget: sla ?? null,
    errorBudget,
  };
}

/** `?window=24h|7d|30d|90d` or `?from=&to=` (to defaults to now); default window 24h. */
export function uptimeWindowFromParams(params: QueryParams, now: number): Interval {
  const problems = new ParamProblems();
  const { values } = pickParams(params, ['window', 'from', 'to'], problems);
  const window = values.get('window');
  const from = instantParam(values, 'from', problems);
  const to = instantParam(values, 'to', problems);
  problems.throwIfAny();
  if (window !== undefined) {
    if (values.has('from') || values.has('to')) throw badRequest('give either window or from/to, not both', [{ at: 'window', message: 'conflicts with from/to' }]);
    if (!Object.hasOwn(UPTIME_WINDOWS, window)) throw badRequest(`window must be one of ${Object.keys(UPTIME_WINDOWS).join(', ')}`, [{ at: 'window', message: `unsupported window ${JSON.stringify(window.slice(0, 20))}` }]);
    return { start: now - UPTIME_WINDOWS[window as keyof typeof UPTIME_WINDOWS], end: now };
  }
  if (!values.has('from') && !values.has('to')) return { start: now - UPTIME_WINDOWS['24h'], end: now };
  if (!values.has('from')) throw badRequest('from is required with to', [{ at: 'from', message: 'missing' }]);
  const end = values.has('to') ? to : now;
  if (from >= end) throw badRequest('from must be before to', [{ at: 'from', message: 'must be before to' }]);
  if (end - from > MAX_UPTIME_SPAN_MS) throw badRequest('the window may span at most 366 days', [{ at: 'from', message: 'window too long' }]);
  return { start: from, end };
}
