// GET /api/board: the status board in one call. Reads every target, the incidents of the strip's window, the
// maintenance windows, silences and the last ping/check of each target in a handful of store calls (one
// indexed seek per target for the last contact), then derives each target's state and strip with the pure
// rules in lib/board. Public status pages reuse the same computation for their chosen targets.
import { silenceMatches } from '../lib/alerting/suppress.js';
import { clip, type Interval } from '../lib/board/intervals.js';
import { countsAsDowntime, emptyCounts, stateOf, type LiveIncident } from '../lib/board/state.js';
import { computeStrip, stripWindow, type BucketSize, type StripWindow } from '../lib/board/strip.js';
import type { Board, BoardTarget } from '../lib/board/wire.js';
import { nextPingExpectedAt as nextPingExpected } from '../lib/schedule/heartbeat-schedule.js';
import { badRequest } from '../lib/errors/errors.js';
import type { IncidentSpan, Maintenance, StoredEvent, Target } from '../lib/store/types.js';
import type { HandlerTable, ServiceContext } from './context.js';
import { maintenanceAppliesTo } from './uptime.js';

export interface BoardRows {
  window: StripWindow;
  rows: BoardTarget[];
  /** Every incident span of the window by target id, oldest first (public pages compute uptime from them). */
  spans: Map<string, IncidentSpan[]>;
  /** Maintenance intervals by target id. */
  maintenance: Map<string, Interval[]>;
  targets: Target[];
}

function byTarget(spans: readonly IncidentSpan[]): Map<string, IncidentSpan[]> {
  const out = new Map<string, IncidentSpan[]>();
  for (const s of spans) {
    const list = out.get(s.targetId);
    if (list) list.push(s);
    else out.set(s.targetId, [s]);
  }
  return out;
}

function maintenanceIntervals(windows: readonly Maintenance[], t: Target): Interval[] {
  return windows.filter((m) => maintenanceAppliesTo(m, t)).map((m) => ({ start: m.startsAt, end: m.endsAt }));
}

/** The board rows of `tenant` (all targets, or the given ids in that order). */
export async function boardRows(ctx: ServiceContext, tenant: string, bucket: BucketSize, only?: readonly string[]): Promise<BoardRows> {
  const now = ctx.now();
  const w = stripWindow(bucket, now);
  const [allTargets, spanList, maintenance, silences, rules] = await Promise.all([
    ctx.store.targets.list(tenant),
    ctx.store.incidentSpans(tenant, w.start, now + 1),
    ctx.store.maintenance.list(tenant),
    ctx.store.silences.list(tenant),
    ctx.store.rules.list(tenant),
  ]);
  let targets = allTargets;
  if (only) {
    const byId = new Map(allTargets.map((t) => [t.id, t]));
    targets = only.map((id) => byId.get(id)).filter((t): t is Target => t !== undefined);
  }
  const names = (pred: (t: Target) => boolean): string[] => targets.filter(pred).map((t) => t.name);
  const [pings, checks] = await Promise.all([
    ctx.store.latestEvents(tenant, 'heartbeat', names((t) => t.heartbeat !== undefined || t.kind === 'heartbeat')),
    ctx.store.latestEvents(tenant, 'check', names((t) => t.http !== undefined || t.kind === 'http')),
  ]);
  const spans = byTarget(spanList);
  const ruleNames = new Map(rules.map((r) => [r.id, r.name]));
  const activeSilences = silences.filter((s) => s.startsAt <= now && now < s.endsAt);
  const maintenanceByTarget = new Map<string, Interval[]>();
  const rows = targets.map((t): BoardTarget => {
    const own = spans.get(t.id) ?? [];
    const live: Array<LiveIncident & { span: IncidentSpan }> = own
      .filter((s) => s.status !== 'resolved')
      .map((s) => ({
        id: s.id,
        status: s.status,
        span: s,
        silenced: activeSilences.some((x) => silenceMatches(x, { tenant, targetId: t.id, targetName: t.name, ruleId: s.ruleId, ruleName: ruleNames.get(s.ruleId) ?? s.ruleId, severity: s.severity, labels: t.labels }, now)),
      }));
    const windows = maintenanceIntervals(maintenance, t);
    maintenanceByTarget.set(t.id, windows);
    const ping: StoredEvent | undefined = pings.get(t.name);
    const check: StoredEvent | undefined = checks.get(t.name);
    const heartbeatIntervalMs = t.heartbeat?.intervalSec !== undefined ? t.heartbeat.intervalSec * 1000 : undefined;
    const nextPingExpectedAt = t.heartbeat ? (nextPingExpected(t.heartbeat, ping?.ts, t.createdAt) ?? undefined) : undefined;
    const lastContactAt = t.heartbeat ? ping?.ts : check?.ts;
    const state = stateOf({
      kind: t.kind,
      paused: t.paused,
      inMaintenance: windows.some((m) => m.start <= now && now < m.end),
      live,
      heartbeatIntervalMs,
      nextPingExpectedAt,
      lastContactAt,
      now,
    });
    const downtime = own.filter(countsAsDowntime).map((s) => ({ start: s.openedAt, end: s.resolvedAt ?? now }));
    const row: BoardTarget = { id: t.id, name: t.name, kind: t.kind, labels: t.labels, paused: t.paused, state, strip: computeStrip(w, now, t.createdAt, downtime, clip(windows, { start: w.start, end: now })) };
    const current = live.at(-1)?.span;
    if (current) row.incident = { id: current.id, status: current.status, title: current.title, openedAt: current.openedAt };
    if (heartbeatIntervalMs !== undefined) row.heartbeatIntervalMs = heartbeatIntervalMs;
    if (nextPingExpectedAt !== undefined) row.nextPingExpectedAt = nextPingExpectedAt;
    if (ping) row.lastHeartbeatAt = ping.ts;
    if (check) {
      row.lastCheckAt = check.ts;
      if (check.kind === 'check') row.latencyMs = check.body.latencyMs;
    }
    return row;
  });
  return { window: w, rows, spans, maintenance: maintenanceByTarget, targets };
}

export function parseBucket(value: string | undefined): BucketSize {
  if (value === undefined || value === 'hour' || value === 'day') return value ?? 'hour';
  throw badRequest('bucket must be hour or day', [{ at: 'bucket', message: `unsupported bucket ${JSON.stringify(value.slice(0, 20))}` }]);
}

export const boardHandlers: HandlerTable = {
  'board:list': {
    params: ['bucket'],
    run: async (ctx, call) => {
      const bucket = parseBucket(call.params.bucket);
      const { window, rows } = await boardRows(ctx, call.principal.tenant, bucket);
      const counts = emptyCounts();
      for (const r of rows) counts[r.state]++;
      const board: Board = { now: ctx.now(), bucket, bucketMs: window.bucketMs, start: window.start, counts, targets: rows };
      return { body: board };
    },
  },
};
