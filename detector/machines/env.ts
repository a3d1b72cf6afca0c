// What the machines read from outside: the clock, the compiled configuration of a target, suppression
// answers, and a sink for effects. The runtime implements it over the store's configuration; tests use a
// static one. Nothing here is persisted with a snapshot.
import type { Labels } from '../../lib/events/event.js';
import type { RuleSpec } from '../rules/types.js';
import type { Effect } from './effects.js';

export interface TargetView {
  tenant: string;
  /** Configured target id, or the name for targets seen only in events. */
  id: string;
  name: string;
  labels: Labels;
  paused: boolean;
}

export type { SuppressQuery } from '../../lib/alerting/suppress.js';
import type { SuppressQuery } from '../../lib/alerting/suppress.js';

export interface DetectorEnv {
  now(): number;
  target(key: string): TargetView | undefined;
  /** The rules applying to the target, compiled; the same array until configuration changes. */
  specs(key: string): readonly RuleSpec[];
  /** Id of the silence (`silence:<id>`) or maintenance window (`maintenance:<id>`) muting it at `at`, or null. */
  suppressedBy(q: SuppressQuery, at: number): string | null;
  /** Reminder period for an open incident routed to `channels` (0 = no reminders). */
  reminderMs(tenant: string, channels: readonly string[]): number;
  emit(effect: Effect): void;
}

/** Actor key of a target: tenant and name, as events carry them. */
export function targetKey(tenant: string, name: string): string {
  return `${tenant}\u0000${name}`;
}
