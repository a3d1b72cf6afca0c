// The status board's vocabulary: the state word of a target and the rules that derive it from the target's
// settings, its live incidents, maintenance, silences and last contact. Pure and free of I/O: the query
// service computes the board with it and the browser applies live events with the very same rules.

export const TARGET_STATES = ['up', 'down', 'late', 'pending', 'paused', 'maintenance', 'silenced'] as const;
export type TargetState = (typeof TARGET_STATES)[number];

export type IncidentStatus = 'pending' | 'open' | 'acknowledged' | 'resolved';

/** Pending incidents never became outages and `info` ones are notices, not downtime. */
export function countsAsDowntime(i: { status: IncidentStatus; severity: string }): boolean {
  return i.status !== 'pending' && i.severity !== 'info';
}

/** One live (not resolved) incident of a target, as far as its state is concerned. */
export interface LiveIncident {
  id: string;
  status: IncidentStatus;
  /** Muted by an active silence. */
  silenced: boolean;
}

export interface StateInput {
  kind: string;
  paused: boolean;
  /** An active maintenance window covers the target. */
  inMaintenance: boolean;
  live: readonly LiveIncident[];
  /** Heartbeat targets on an interval schedule: expected time between pings. */
  heartbeatIntervalMs?: number;
  /** Heartbeat targets (interval or cron): when the next ping is expected; past it, late. Wins over the interval. */
  nextPingExpectedAt?: number;
  /** Heartbeat targets: the last ping; HTTP targets: the last check. Undefined: never heard from. */
  lastContactAt?: number;
  now: number;
}

/**
 * Paused and maintenance win (nobody is paged for those); then a firing incident (silenced when every firing
 * one is muted); then a pending incident or a check target never heard from; a heartbeat past its next expected ping
 * (interval or cron) but not yet past the grace that opens an incident is late.
 */
export function stateOf(s: StateInput): TargetState {
  if (s.paused) return 'paused';
  if (s.inMaintenance) return 'maintenance';
  const firing = s.live.filter((i) => i.status === 'open' || i.status === 'acknowledged');
  if (firing.length > 0) return firing.every((i) => i.silenced) ? 'silenced' : 'down';
  if (s.live.some((i) => i.status === 'pending')) return 'pending';
  const watched = s.kind === 'heartbeat' || s.kind === 'http' || s.heartbeatIntervalMs !== undefined || s.nextPingExpectedAt !== undefined;
  if (watched && s.lastContactAt === undefined) return 'pending';
  const expected = s.nextPingExpectedAt ?? (s.heartbeatIntervalMs !== undefined && s.lastContactAt !== undefined ? s.lastContactAt + s.heartbeatIntervalMs : undefined);
  if (expected !== undefined && s.lastContactAt !== undefined && s.now > expected) return 'late';
  return 'up';
}

export function emptyCounts(): Record<TargetState, number> {
  return { up: 0, down: 0, late: 0, pending: 0, paused: 0, maintenance: 0, silenced: 0 };
}
