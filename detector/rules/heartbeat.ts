// Heartbeat rule: no ping by the next expected time (interval, or the next cron fire in its time zone) + grace → missed; `/fail` or a non-zero exit → failed; `/start`
// without a finish within maxRun → late; pings far too early (interval z-score below -k) or runs of unusual
// length (|z| of durations above k) → anomaly. Any of these is the rule's one firing condition.
import type { CanonicalEvent } from '../../lib/events/event.js';
import { nextExpectedPing } from '../../lib/schedule/heartbeat-schedule.js';
import { ewmaPush, newEwma, zScore, type Ewma } from './stats.js';
import { pushEvidence, type EvalSink, type EvalStateBase, type Evaluator, type SpecOf } from './types.js';

const ALPHA = 0.1;
/** Open runs remembered per target: a job that starts runs and never finishes them cannot grow the state. */
const MAX_OPEN_RUNS = 32;

export interface HeartbeatState extends EvalStateBase {
  lastPing: number | null;
  /** When the target goes down without a ping (next expected ping + grace); null once missed. */
  deadline: number | null;
  /** Start of the open run without a run id (null: none). */
  runStart: number | null;
  /** Starts of the open runs by run id (`?rid=`), so overlapping runs of one job are timed apart. */
  runs?: Record<string, number>;
  /** When the oldest open run is late (its start + maxRun). */
  runDeadline: number | null;
  missed: boolean;
  failed: boolean;
  late: boolean;
  anomaly: string | null;
  intervals: Ewma;
  durations: Ewma;
  reason: string;
  evidence: string[];
}

type Spec = SpecOf<'heartbeat'>;

/** When the target goes down if nothing arrives after `at`: the next expected ping + grace (null: never). */
function deadlineAfter(p: Spec['params'], at: number): number | null {
  const expected = p.cron === null ? at + p.intervalMs : nextExpectedPing({ cron: p.cron.expr, timezone: p.cron.timezone }, at);
  return expected === null ? null : expected + p.graceMs;
}

function reasonOf(s: HeartbeatState): string {
  if (s.failed) return 'failed';
  if (s.missed) return 'missed';
  if (s.late) return 'late';
  return s.anomaly ?? '';
}

function summaryOf(s: HeartbeatState, spec: Spec): string {
  switch (s.reason) {
    case 'failed':
      return 'job reported failure';
    case 'missed':
      if (spec.params.cron !== null) return `no ping at the time expected by cron ${spec.params.cron.expr} (${spec.params.cron.timezone}) + ${Math.round(spec.params.graceMs / 1000)}s grace`;
      return `no ping within ${Math.round((spec.params.intervalMs + spec.params.graceMs) / 1000)}s`;
    case 'late':
      return `run started but not finished within ${Math.round((spec.params.maxRunMs ?? 0) / 1000)}s`;
    case 'anomaly:interval':
      return 'pings far more often than learned';
    case 'anomaly:duration':
      return 'run duration far from learned';
    default:
      return 'heartbeat ok';
  }
}

/** Reports a signal when the set of reasons changed (edge, or another reason while firing). */
function settle(s: HeartbeatState, at: number, spec: Spec, sink: EvalSink): void {
  const reason = reasonOf(s);
  if (reason === s.reason) return;
  s.reason = reason;
  s.firing = reason !== '';
  sink.signal({ firing: s.firing, at, reason: reason || 'ok', summary: summaryOf(s, spec), evidence: s.evidence.slice() });
}

/** When the oldest open run becomes late, or null (no open run, or no maxRun). */
function runDeadline(s: HeartbeatState, maxRunMs: number | null): number | null {
  if (maxRunMs === null) return null;
  let oldest = s.runStart;
  for (const start of Object.values(s.runs ?? {})) if (oldest === null || start < oldest) oldest = start;
  return oldest === null ? null : oldest + maxRunMs;
}

export const heartbeatEvaluator: Evaluator<HeartbeatState, Spec> = {
  init(spec, now) {
    return {
      v: spec.version,
      firing: false,
      lastPing: null,
      // A target that never pings goes down one interval + grace after we started watching it.
      deadline: deadlineAfter(spec.params, now),
      runStart: null,
      runDeadline: null,
      missed: false,
      failed: false,
      late: false,
      anomaly: null,
      intervals: newEwma(),
      durations: newEwma(),
      reason: '',
      evidence: [],
    };
  },

  onEvent(s, ev: CanonicalEvent, spec, sink) {
    if (ev.kind !== 'heartbeat' || ev.body.status === 'log') return; // a /log records output, it is no ping
    const at = ev.receivedAt;
    const p = spec.params;
    const rid = ev.body.rid;
    pushEvidence(s.evidence, ev.id);
    if (ev.body.status === 'start') {
      if (rid === undefined) s.runStart = at;
      else {
        const runs = (s.runs ??= {});
        runs[rid] = at;
        const ids = Object.keys(runs);
        if (ids.length > MAX_OPEN_RUNS) delete runs[ids.reduce((a, b) => ((runs[a] as number) <= (runs[b] as number) ? a : b))];
      }
      s.runDeadline = runDeadline(s, p.maxRunMs);
      settle(s, at, spec, sink);
      return;
    }
    // A finishing ping (ok or fail) is a sign of life: it moves the deadline.
    const failed = ev.body.status === 'fail' || (ev.body.exitStatus !== undefined && ev.body.exitStatus !== 0);
    s.anomaly = null;
    if (s.lastPing !== null && at > s.lastPing) {
      const interval = at - s.lastPing;
      if (p.anomalyK > 0 && s.intervals.n >= p.minSamples && zScore(interval, s.intervals.mean, s.intervals.var) < -p.anomalyK) {
        s.anomaly = 'anomaly:interval';
      }
      ewmaPush(s.intervals, interval, ALPHA);
    }
    // A finish with a run id closes that run; one without closes the run started without one (Healthchecks).
    const started = rid !== undefined ? s.runs?.[rid] : s.runStart;
    if (started !== undefined && started !== null) {
      const duration = at - started;
      if (p.anomalyK > 0 && s.durations.n >= p.minSamples && Math.abs(zScore(duration, s.durations.mean, s.durations.var)) > p.anomalyK) {
        s.anomaly ??= 'anomaly:duration';
      }
      ewmaPush(s.durations, duration, ALPHA);
      if (rid !== undefined) delete s.runs?.[rid];
      else s.runStart = null;
    }
    s.runDeadline = runDeadline(s, p.maxRunMs);
    if (s.lastPing === null || at >= s.lastPing) {
      s.lastPing = at;
      s.deadline = deadlineAfter(p, at);
    }
    s.missed = false;
    s.late = false;
    s.failed = failed;
    settle(s, at, spec, sink);
  },

  onTime(s, now, spec, sink) {
    let at = now;
    if (s.deadline !== null && now >= s.deadline) {
      at = s.deadline;
      s.deadline = null;
      s.missed = true;
    }
    if (s.runDeadline !== null && now >= s.runDeadline) {
      at = Math.min(at, s.runDeadline);
      s.runDeadline = null;
      s.late = true;
      // Runs with an id that are now late are reported: forget them, or each later finish would re-fire them.
      const maxRun = spec.params.maxRunMs ?? 0;
      for (const [rid, start] of Object.entries(s.runs ?? {})) if (start + maxRun <= now) delete s.runs?.[rid];
    }
    settle(s, at, spec, sink);
  },

  due(s) {
    if (s.deadline === null) return s.runDeadline;
    if (s.runDeadline === null) return s.deadline;
    return Math.min(s.deadline, s.runDeadline);
  },
};
