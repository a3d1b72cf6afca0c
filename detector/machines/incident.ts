// The incident lifecycle of one (target, rule): pending → open → acknowledged → resolved, with a relapse
// inside the window reopening the same incident. Deadlines are absolute times in context and every delay is
// computed from them, so an actor restored from a snapshot and sent `rearm` fires at the original time
// (xstate does not re-arm `after` timers on restore: statelyai/xstate#5331). Transition times are event times
// or the deadlines themselves, never "now", so a replay after takeover produces the same incident and the
// same transition numbers. Effects go to the env's sink; no I/O.
// Actions are `enqueueActions` bodies on purpose: xstate resolves those (and `after` delays) in order while
// computing the transition, whereas plain custom actions run afterwards — too late for a delay to see the
// deadline they set.
import { enqueueActions, sendParent, setup } from 'xstate';
import { derivedId } from '../../lib/events/ids.js';
import type { Incident } from '../../lib/store/types.js';
import type { LifecycleParams, Signal } from '../rules/types.js';
import type { Transition } from './effects.js';
import type { DetectorEnv } from './env.js';

/** Timeline entries kept on the incident (oldest dropped first). */
export const MAX_TIMELINE = 50;

export interface IncidentInput {
  tenant: string;
  targetId: string;
  targetName: string;
  labels: Record<string, string>;
  ruleId: string;
  ruleName: string;
  severity: Incident['severity'];
  channels: string[];
  lifecycle: LifecycleParams;
  /** The firing signal that started it. */
  signal: Signal;
}

export interface IncidentContext {
  inc: Incident;
  targetName: string;
  labels: Record<string, string>;
  ruleName: string;
  channels: string[];
  lc: LifecycleParams;
  /** Number of transitions recorded so far (the last transition's seq). */
  seq: number;
  /** Whether the condition currently holds. */
  firing: boolean;
  /** Since when the incident has been in its current top state (pending/open) — `for` and flap damping. */
  stateSince: number;
  /** Since when the condition has been clear (while open or acknowledged). */
  clearSince: number;
  /** Whether people were told it is open: only then do they get the resolved notice, silenced or not. */
  notifiedOpen: boolean;
  reminderAt: number | null;
  reminders: number;
  lastSummary: string;
  /** Evidence of the latest firing signal, recorded when the incident opens. */
  lastEvidence: string[];
}

export type IncidentEvent =
  | { type: 'cond'; signal: Signal }
  /** Event time has reached `at`: apply any deadline passed by then before the next `cond` (catch-up). */
  | { type: 'time'; at: number }
  /** Acknowledgement; ignored when `incidentId` names another (older) incident of the same rule. */
  | { type: 'ack'; at: number; by: string; incidentId?: string; /** The acknowledger's timeline text (with their comment), kept as written. */ message?: string }
  /** Resolved by a person (only where the rule allows it); ignored for another incident of the rule, as `ack`. */
  | { type: 'resolve'; at: number; by: string; incidentId?: string; message?: string }
  | { type: 'rearm' };

/** What the parent receives when the incident is over (relapse window passed or pending cancelled). */
export interface IncidentClosedEvent {
  type: 'incident.closed';
  ruleId: string;
  /** A firing signal that arrived after the relapse window: the parent starts a new incident with it. */
  refire?: Signal;
}

function titleOf(c: { ruleName: string; targetName: string }, summary: string): string {
  return `${c.ruleName} on ${c.targetName}: ${summary}`.slice(0, 200);
}

export function createIncidentMachine(env: DetectorEnv) {
  const emitIncident = (c: IncidentContext, transition: Transition): void => {
    env.emit({ type: 'incident', incident: { ...c.inc, timeline: c.inc.timeline.slice() }, targetName: c.targetName, transition, seq: c.seq });
  };

  const record = (c: IncidentContext, transition: Transition, at: number, message: string, evidence: unknown[] = [], actor?: string): void => {
    c.seq++;
    const tl = c.inc.timeline;
    if (tl.length >= MAX_TIMELINE) tl.shift();
    tl.push(actor === undefined ? { at, type: transition, message, evidence } : { at, type: transition, message, evidence, actor });
    c.inc.updatedAt = Math.max(c.inc.updatedAt, at);
    emitIncident(c, transition);
  };

  const suppression = (c: IncidentContext, at: number): string | null =>
    env.suppressedBy(
      { tenant: c.inc.tenant, targetId: c.inc.targetId, targetName: c.targetName, ruleId: c.inc.ruleId, ruleName: c.ruleName, severity: c.inc.severity, labels: c.labels },
      at,
    );

  const notify = (c: IncidentContext, transition: Transition, transitionSeq: string, suppressedBy: string | null): void => {
    env.emit({ type: 'notify', incident: { ...c.inc, timeline: c.inc.timeline.slice() }, transition, transitionSeq, targetName: c.targetName, channels: c.channels, suppressedBy });
  };

  const scheduleReminder = (c: IncidentContext, from: number): void => {
    const every = env.reminderMs(c.inc.tenant, c.channels);
    c.reminderAt = every > 0 ? from + every : null;
  };

  /** opened / reopened: record, notify unless muted, start reminders. */
  const goOpen = (c: IncidentContext, transition: 'opened' | 'reopened', at: number, message: string, evidence: unknown[]): void => {
    c.inc.status = 'open';
    c.stateSince = at;
    if (transition === 'reopened') {
      c.inc.reopenCount++;
      delete c.inc.resolvedAt;
      delete c.inc.acknowledgedAt;
      delete c.inc.acknowledgedBy;
    } else {
      c.inc.openedAt = at;
    }
    const muted = suppression(c, at);
    // Why nobody was told goes on the timeline with the transition (a dependency, a silence, maintenance).
    record(c, transition, at, muted === null ? message : `${message} (not notified: ${muted})`, evidence);
    notify(c, transition, String(c.seq), muted);
    if (muted === null) c.notifiedOpen = true;
    c.reminders = 0;
    scheduleReminder(c, at);
  };

  const resolveAt = (c: IncidentContext): number => Math.max(c.clearSince + c.lc.keepFiringForMs, c.stateSince + c.lc.minStateMs);

  const condEvent = (e: IncidentEvent): Signal => (e as Extract<IncidentEvent, { type: 'cond' }>).signal;

  return setup({
    types: {
      context: {} as IncidentContext,
      input: {} as IncidentInput,
      events: {} as IncidentEvent,
    },
    delays: {
      forElapsed: ({ context: c }) => Math.max(0, c.stateSince + c.lc.forMs - env.now()),
      resolveDue: ({ context: c }) => Math.max(0, resolveAt(c) - env.now()),
      reminderDue: ({ context: c }) => (c.reminderAt === null ? Infinity : Math.max(0, c.reminderAt - env.now())),
      relapseOver: ({ context: c }) => Math.max(0, (c.inc.resolvedAt ?? 0) + c.lc.relapseMs - env.now()),
    },
    guards: {
      noFor: ({ context: c }) => c.lc.forMs === 0,
      condFiring: ({ event }) => condEvent(event).firing,
      condClear: ({ event }) => !condEvent(event).firing,
      isFiring: ({ context: c }) => c.firing,
      sameIncident: ({ context: c, event }) => event.type === 'ack' && (event.incidentId === undefined || event.incidentId === c.inc.id),
      manualResolveAllowed: ({ context: c, event }) => event.type === 'resolve' && c.lc.manualResolve === true && (event.incidentId === undefined || event.incidentId === c.inc.id),
      sameIncidentFiring: ({ context: c, event }) => event.type === 'ack' && (event.incidentId === undefined || event.incidentId === c.inc.id) && c.firing,
      withinRelapse: ({ context: c, event }) => condEvent(event).firing && condEvent(event).at < (c.inc.resolvedAt ?? 0) + c.lc.relapseMs,
      hasReminder: ({ context: c }) => c.reminderAt !== null,
      forElapsedBy: ({ context: c, event }) => event.type === 'time' && event.at >= c.stateSince + c.lc.forMs,
      resolveDueBy: ({ context: c, event }) => event.type === 'time' && event.at >= resolveAt(c),
    },
    actions: {
      startPending: enqueueActions(({ context: c }) => {
        if (c.lc.forMs > 0) record(c, 'pending', c.stateSince, c.lastSummary, c.lastEvidence);
      }),
      open: enqueueActions(({ context: c }) => {
        const at = c.stateSince + c.lc.forMs;
        goOpen(c, 'opened', at, c.lastSummary, c.lastEvidence);
      }),
      cancel: enqueueActions(({ context: c, event }) => {
        const s = condEvent(event);
        c.inc.status = 'resolved';
        c.inc.resolvedAt = s.at;
        c.firing = false;
        record(c, 'cancelled', s.at, `condition cleared before ${Math.round(c.lc.forMs / 1000)}s: ${s.summary}`, s.evidence);
      }),
      noteFiring: enqueueActions(({ context: c, event }) => {
        const s = condEvent(event);
        c.firing = true;
        c.lastEvidence = s.evidence;
        if (s.summary !== c.lastSummary) {
          c.lastSummary = s.summary;
          c.inc.title = titleOf(c, s.summary);
          record(c, 'evidence', s.at, s.summary, s.evidence);
        }
      }),
      noteClear: enqueueActions(({ context: c, event }) => {
        const s = condEvent(event);
        c.firing = false;
        c.clearSince = s.at;
      }),
      acknowledge: enqueueActions(({ context: c, event }) => {
        const e = event as Extract<IncidentEvent, { type: 'ack' }>;
        c.inc.status = 'acknowledged';
        c.inc.acknowledgedAt = e.at;
        c.inc.acknowledgedBy = e.by;
        c.reminderAt = null;
        // The stored incident is replaced by this one on the next write: keep the acknowledger's own words.
        record(c, 'acknowledged', e.at, e.message ?? `acknowledged by ${e.by}`, [], e.by);
        if (c.notifiedOpen) notify(c, 'acknowledged', String(c.seq), suppression(c, e.at));
      }),
      resolve: enqueueActions(({ context: c }) => {
        const at = resolveAt(c);
        c.inc.status = 'resolved';
        c.inc.resolvedAt = at;
        c.reminderAt = null;
        record(c, 'resolved', at, 'condition cleared');
        // The resolved notice is never muted: whoever was told it opened must learn it is over.
        if (c.notifiedOpen) notify(c, 'resolved', String(c.seq), null);
      }),
      resolveByHand: enqueueActions(({ context: c, event }) => {
        const e = event as Extract<IncidentEvent, { type: 'resolve' }>;
        c.inc.status = 'resolved';
        c.inc.resolvedAt = e.at;
        c.reminderAt = null;
        // Still firing or not, it is over for now: a relapse within the window reopens it, as after any resolve.
        c.firing = false;
        record(c, 'resolved', e.at, e.message ?? `resolved by ${e.by}`, [], e.by);
        if (c.notifiedOpen) notify(c, 'resolved', String(c.seq), null);
      }),
      reopen: enqueueActions(({ context: c, event }) => {
        const s = condEvent(event);
        c.firing = true;
        c.lastSummary = s.summary;
        c.inc.title = titleOf(c, s.summary);
        goOpen(c, 'reopened', s.at, s.summary, s.evidence);
      }),
      remind: enqueueActions(({ context: c }) => {
        const at = c.reminderAt ?? env.now();
        c.reminders++;
        const muted = suppression(c, at);
        if (muted === null) {
          // A notice muted when it opened goes out at the first reminder after the silence ends.
          notify(c, 'reminder', `${c.seq}.r${c.reminders}`, null);
          c.notifiedOpen = true;
        }
        scheduleReminder(c, at);
      }),
      closed: sendParent(({ context: c }): IncidentClosedEvent => ({ type: 'incident.closed', ruleId: c.inc.ruleId })),
      closedRefire: sendParent(({ context: c, event }): IncidentClosedEvent => ({ type: 'incident.closed', ruleId: c.inc.ruleId, refire: condEvent(event) })),
    },
  }).createMachine({
    id: 'incident',
    description: 'The lifecycle of one incident of one rule on one target.',
    context: ({ input }) => {
      const s = input.signal;
      const inc: Incident = {
        id: derivedId(s.at, input.tenant, input.targetId, input.ruleId, String(s.at)),
        tenant: input.tenant,
        targetId: input.targetId,
        ruleId: input.ruleId,
        status: 'pending',
        severity: input.severity,
        title: titleOf(input, s.summary),
        openedAt: s.at,
        reopenCount: 0,
        epoch: 0,
        timeline: [],
        updatedAt: s.at,
      };
      // An alert's own labels and annotations stay with its incident (templates, the Alertmanager API).
      if (s.labels !== undefined) inc.labels = { ...s.labels };
      if (s.annotations !== undefined) inc.annotations = { ...s.annotations };
      return {
        inc,
        targetName: input.targetName,
        labels: input.labels,
        ruleName: input.ruleName,
        channels: input.channels,
        lc: input.lifecycle,
        seq: 0,
        firing: true,
        stateSince: s.at,
        clearSince: s.at,
        notifiedOpen: false,
        reminderAt: null,
        reminders: 0,
        lastSummary: s.summary,
        lastEvidence: s.evidence,
      };
    },
    entry: 'startPending',
    initial: 'pending',
    states: {
      pending: {
        description: 'The condition holds; the incident opens once it has held for the rule\'s `for` duration.',
        always: { guard: 'noFor', target: 'open', actions: 'open' },
        after: { forElapsed: { target: 'open', actions: 'open' } },
        on: {
          cond: [{ guard: 'condClear', target: 'cancelled', actions: 'cancel' }, { actions: 'noteFiring' }],
          time: { guard: 'forElapsedBy', target: 'open', actions: 'open' },
          rearm: { target: 'pending', reenter: true },
        },
      },
      open: {
        description: 'Firing and not yet acknowledged; reminders go out every reminder period.',
        initial: 'firing',
        on: {
          ack: [
            { guard: 'sameIncidentFiring', target: 'acknowledged.firing', actions: 'acknowledge' },
            { guard: 'sameIncident', target: 'acknowledged.clearing', actions: 'acknowledge' },
          ],
          resolve: { guard: 'manualResolveAllowed', target: '#incident.resolved', actions: 'resolveByHand' },
        },
        states: {
          firing: {
            description: 'The condition holds.',
            after: { reminderDue: { guard: 'hasReminder', target: 'firing', reenter: true, actions: 'remind' } },
            on: {
              cond: [{ guard: 'condClear', target: 'clearing', actions: 'noteClear' }, { actions: 'noteFiring' }],
              rearm: { target: 'firing', reenter: true },
            },
          },
          clearing: {
            description: 'The condition cleared; resolves after keepFiringFor and the minimum open duration unless it fires again.',
            after: {
              resolveDue: { target: '#incident.resolved', actions: 'resolve' },
              reminderDue: { guard: 'hasReminder', target: 'clearing', reenter: true, actions: 'remind' },
            },
            on: {
              cond: [{ guard: 'condFiring', target: 'firing', actions: 'noteFiring' }],
              time: { guard: 'resolveDueBy', target: '#incident.resolved', actions: 'resolve' },
              rearm: { target: 'clearing', reenter: true },
            },
          },
        },
      },
      acknowledged: {
        description: 'Someone is on it: no reminders; resolves like an open incident.',
        initial: 'firing',
        on: { resolve: { guard: 'manualResolveAllowed', target: '#incident.resolved', actions: 'resolveByHand' } },
        states: {
          firing: {
            description: 'The condition holds.',
            on: { cond: [{ guard: 'condClear', target: 'clearing', actions: 'noteClear' }, { actions: 'noteFiring' }] },
          },
          clearing: {
            description: 'The condition cleared; resolves after keepFiringFor and the minimum open duration.',
            after: { resolveDue: { target: '#incident.resolved', actions: 'resolve' } },
            on: {
              cond: [{ guard: 'condFiring', target: 'firing', actions: 'noteFiring' }],
              time: { guard: 'resolveDueBy', target: '#incident.resolved', actions: 'resolve' },
              rearm: { target: 'clearing', reenter: true },
            },
          },
        },
      },
      resolved: {
        description: 'Over; a relapse within the relapse window reopens this same incident.',
        after: { relapseOver: { target: 'closed' } },
        on: {
          cond: [{ guard: 'withinRelapse', target: 'open.firing', actions: 'reopen' }, { guard: 'condFiring', target: 'closedRefire' }],
          rearm: { target: 'resolved', reenter: true },
        },
      },
      cancelled: { description: 'The condition cleared while pending: never opened.', type: 'final', entry: 'closed' },
      closed: { description: 'Past the relapse window: a new signal starts a new incident.', type: 'final', entry: 'closed' },
      closedRefire: { description: 'Fired again after the relapse window: the parent starts a new incident.', type: 'final', entry: 'closedRefire' },
    },
  });
}

export type IncidentMachine = ReturnType<typeof createIncidentMachine>;
