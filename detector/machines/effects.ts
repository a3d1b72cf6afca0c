// What the domain asks the runtime to do. Machines never do I/O: they emit these, in order, and the runtime
// writes incidents (with its fencing epoch), sends notifications and runs active checks.
import type { ActiveCheck } from '../../lib/api/check-settings.js';
import type { Incident } from '../../lib/store/types.js';

export type Transition = 'pending' | 'opened' | 'cancelled' | 'evidence' | 'acknowledged' | 'resolved' | 'reopened' | 'reminder';

/** Write this incident (create or replace) and publish the transition on the incidents stream. */
export interface IncidentEffect {
  type: 'incident';
  incident: Incident;
  /** The target's name as events carry it (the partition is derived from tenant and name). */
  targetName: string;
  transition: Transition;
  /** Transition sequence number within the incident (1, 2, ...): deterministic across replays. */
  seq: number;
}

/** Notify about a transition; `suppressedBy` names the silence or maintenance window that mutes it. */
export interface NotifyEffect {
  type: 'notify';
  incident: Incident;
  transition: Transition;
  /** Part of the idempotency key `${incidentId}:${transitionSeq}:${channelId}`, e.g. `2` or `2.r3`. */
  transitionSeq: string;
  targetName: string;
  /** Channel ids named by the rule or target; empty = the tenant's default channels. */
  channels: string[];
  suppressedBy: string | null;
}

/** An active check of the target fell due. */
export interface ScheduleCheckEffect {
  type: 'schedule-check';
  tenant: string;
  targetId: string;
  targetName: string;
  ruleId: string;
  check: ActiveCheck;
  due: number;
}

export type Effect = IncidentEffect | NotifyEffect | ScheduleCheckEffect;
