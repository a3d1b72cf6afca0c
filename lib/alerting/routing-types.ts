// Alertmanager-style routing, as data: routes send incidents whose labels match to a channel, grouped by
// some labels and paced by groupWait / groupInterval / repeatInterval; inhibition rules hold back
// notifications of incidents that a more important open incident explains; dependencies hold back those
// of targets whose parent is down. Pure types.
import type { Matcher } from '../store/types.js';

export interface RouteSpec {
  /** The route's own id (a channel carries at most one route, so the channel id serves). */
  id: string;
  channelId: string;
  /** Every matcher must match the incident's labels (plus target, rule, severity); none = everything. */
  matchers: readonly Matcher[];
  /** Labels whose values form the group; `['...']` = every label (no grouping); [] = one group. */
  groupBy: readonly string[];
  groupWaitMs: number;
  groupIntervalMs: number;
  repeatIntervalMs: number;
}

export interface InhibitRule {
  id: string;
  /** An open incident matching these inhibits … */
  source: readonly Matcher[];
  /** … notifications of incidents matching these … */
  target: readonly Matcher[];
  /** … when both carry the same values of these labels. */
  equal: readonly string[];
}

/** An incident as routing sees it. */
export interface RoutedIncident {
  tenant: string;
  id: string;
  targetId: string;
  targetName: string;
  ruleId: string;
  severity: string;
  labels: Readonly<Record<string, string>>;
  status: 'firing' | 'resolved';
  openedAt: number;
  /** Last status change. */
  changedAt: number;
}
