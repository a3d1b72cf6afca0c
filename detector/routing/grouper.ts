// Grouping as Alertmanager paces it, as a pure state machine driven by the caller's clock: a new group
// waits groupWait, then sends everything it holds in one notification; later changes (an incident more, a
// resolution) go out at most every groupInterval; with no change, firing groups are re-sent every
// repeatInterval. A resolved incident that was never notified is dropped silently; one that was is always
// announced.
//
// Exactly once across replicas: every flush carries a claim key derived only from facts every replica
// shares — the route, the group, each incident's id, status and last change time, and for a repeat the
// repeat slot counted from the group's oldest incident. A replica that takes a group over mid-way rebuilds it
// from the incidents and computes the same key for the same content, so the store's claim lets one
// notification per group through. The caller reports a refused claim with `flushed` like a sent one: the
// content is then known to be out.
import { createHash } from 'node:crypto';
import { labelValue, matchesAll } from '../../lib/alerting/match.js';
import type { RouteSpec, RoutedIncident } from '../../lib/alerting/routing-types.js';

export interface GroupFlush<I extends RoutedIncident = RoutedIncident> {
  /** Claim key: the same on every replica flushing the same content (and repeat slot). */
  key: string;
  routeId: string;
  channelId: string;
  groupKey: string;
  groupLabels: Record<string, string>;
  firing: I[];
  /** Resolved since the last notification, and notified while firing. */
  resolved: I[];
  repeat: boolean;
}

interface Member<I extends RoutedIncident> {
  incident: I;
  notified: boolean;
}

interface Group<I extends RoutedIncident> {
  route: RouteSpec;
  key: string;
  labels: Record<string, string>;
  members: Map<string, Member<I>>;
  createdAt: number;
  lastFlushAt: number | undefined;
  changed: boolean;
}

/** The labels that name an incident's group on `route`. */
export function groupLabelsOf(route: RouteSpec, i: RoutedIncident): Record<string, string> {
  if (route.groupBy.includes('...')) return { ...i.labels, lightwatch_incident: i.id };
  const out: Record<string, string> = {};
  for (const l of route.groupBy) out[l] = labelValue(i, l);
  return out;
}

function keyOf(routeId: string, labels: Record<string, string>): string {
  return `${routeId}:${JSON.stringify(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))}`;
}

const hash = (s: string): string => createHash('sha256').update(s).digest('base64url').slice(0, 22);

/**
 * The store key recording that `incidentId` was announced firing in group `groupKey` on `channelId`: written
 * with each firing group flush, read by an owner that rebuilds the group after a takeover and first sees the
 * incident resolved, so its resolution is still announced (never seen firing here is not the same as never
 * notified).
 */
export const memberMarkerKey = (channelId: string, groupKey: string, incidentId: string): string => `grpm:${channelId}:${hash(groupKey)}:${incidentId}`;

export class Grouper<I extends RoutedIncident = RoutedIncident> {
  private readonly groups = new Map<string, Group<I>>();
  /** Groups that may fall due (the others wait for a change): flush and nextDueAt look only at these. */
  private readonly active = new Set<Group<I>>();

  constructor(private readonly routes: readonly RouteSpec[]) {}

  /** Takes an incident's current state; returns the keys of the groups it belongs to. */
  observe(i: I, now: number): string[] {
    const keys: string[] = [];
    for (const route of this.routes) {
      if (!matchesAll(route.matchers, i)) continue;
      const labels = groupLabelsOf(route, i);
      const key = keyOf(route.id, labels);
      const m = this.groups.get(key)?.members.get(i.id);
      if (!m && i.status === 'resolved') continue; // never seen firing here: nothing to announce
      const g = this.groupOf(route, key, labels, now);
      keys.push(key);
      if (m && m.incident.status === i.status && m.incident.changedAt === i.changedAt) continue;
      g.members.set(i.id, { incident: i, notified: m?.notified ?? false });
      g.changed = true;
      this.active.add(g);
    }
    return keys;
  }

  /** Whether a route takes `i` into a group that does not hold it (a resolved one there is dropped by `observe`). */
  missing(i: I): boolean {
    return this.routes.some((route) => matchesAll(route.matchers, i) && !this.groups.get(keyOf(route.id, groupLabelsOf(route, i)))?.members.has(i.id));
  }

  /**
   * Takes an incident the group already announced (by another owner, as the store's records say: `announced`)
   * into the groups that do not hold it, as notified: a resolved one is then announced at the next flush.
   */
  restore(i: I, now: number, announced: (groupKey: string, channelId: string) => boolean): string[] {
    const keys: string[] = [];
    for (const route of this.routes) {
      if (!matchesAll(route.matchers, i)) continue;
      const labels = groupLabelsOf(route, i);
      const key = keyOf(route.id, labels);
      if (this.groups.get(key)?.members.has(i.id) || !announced(key, route.channelId)) continue;
      const g = this.groupOf(route, key, labels, now);
      keys.push(key);
      g.members.set(i.id, { incident: i, notified: true });
      g.changed = true;
      this.active.add(g);
    }
    return keys;
  }

  /** The group under `key`, made (empty, created at `now`) when there is none yet. */
  private groupOf(route: RouteSpec, key: string, labels: Group<I>['labels'], now: number): Group<I> {
    let g = this.groups.get(key);
    if (!g) {
      g = { route, key, labels, members: new Map(), createdAt: now, lastFlushAt: undefined, changed: false };
      this.groups.set(key, g);
    }
    return g;
  }

  private dueAt(g: Group<I>): number {
    if (g.lastFlushAt === undefined) return g.createdAt + g.route.groupWaitMs;
    if (g.changed) return g.lastFlushAt + g.route.groupIntervalMs;
    const anyFiring = [...g.members.values()].some((m) => m.incident.status === 'firing');
    return anyFiring && g.route.repeatIntervalMs > 0 ? g.lastFlushAt + g.route.repeatIntervalMs : Number.POSITIVE_INFINITY;
  }

  /** When the next flush falls due (Infinity when none will). */
  nextDueAt(): number {
    let min = Number.POSITIVE_INFINITY;
    for (const g of this.active) min = Math.min(min, this.dueAt(g));
    return min;
  }

  /** The notifications due at `now`, each one group; the groups' state moves on as if each were sent. */
  flush(now: number): GroupFlush<I>[] {
    const out: GroupFlush<I>[] = [];
    for (const g of [...this.active]) {
      if (this.dueAt(g) > now) continue;
      const members = [...g.members.values()];
      const firing = members.filter((m) => m.incident.status === 'firing').map((m) => m.incident);
      const resolved = members.filter((m) => m.incident.status === 'resolved' && m.notified).map((m) => m.incident);
      const repeat = !g.changed && g.lastFlushAt !== undefined;
      for (const m of members) {
        if (m.incident.status === 'resolved') g.members.delete(m.incident.id);
        else m.notified = true;
      }
      g.lastFlushAt = now;
      g.changed = false;
      if (g.members.size === 0) this.groups.delete(g.key);
      if (g.members.size === 0 || this.dueAt(g) === Number.POSITIVE_INFINITY) this.active.delete(g);
      if (firing.length === 0 && resolved.length === 0) continue;
      const byId = (a: RoutedIncident, b: RoutedIncident): number => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
      firing.sort(byId);
      resolved.sort(byId);
      const content = [...firing, ...resolved].map((i) => `${i.id}@${i.status}@${i.changedAt}`).join(',');
      const oldest = Math.min(...firing.map((i) => i.openedAt), ...resolved.map((i) => i.openedAt));
      const slot = repeat ? `:r${Math.floor((now - oldest) / Math.max(1, g.route.repeatIntervalMs))}` : '';
      out.push({ key: `grp:${g.route.channelId}:${hash(`${g.key}|${content}`)}${slot}`, routeId: g.route.id, channelId: g.route.channelId, groupKey: g.key, groupLabels: { ...g.labels }, firing, resolved, repeat });
    }
    return out;
  }

  /** Groups held (for metrics and tests). */
  get size(): number {
    return this.groups.size;
  }
}
