// Routes applied by the notifier: an incident matching a tenant's route is not notified on its own but joins
// its group (route, values of the route's groupBy labels), and one notification per group carries all of it,
// paced by groupWait / groupInterval / repeatInterval (detector/routing/grouper.ts) on the detector's clock.
//
// One owner per group across replicas: a route lives in a home partition (hash of tenant and route id), and
// only the detector holding that partition's lease keeps the route's groups and flushes them, fenced with
// that lease's epoch. Incidents reach the owner two ways: at once when this detector wrote them, and from the
// store at every sweep (the configuration refresh), which is also how a new owner rebuilds a group after a
// takeover. Each flush is claimed in the store under a key made only of the group's content, so a rebuilt
// group whose content was already sent by the previous owner sends nothing again.
import type { Logger } from 'pino';
import { matchesAll } from '../../lib/alerting/match.js';
import { routedIncidentOf } from '../../lib/alerting/routed.js';
import { partitionOf } from '../../lib/streams/partition.js';
import type { Store } from '../../lib/store/port.js';
import type { Incident, NotificationRoute } from '../../lib/store/types.js';
import type { TimerClock, TimerHandle } from '../../lib/time/clock.js';
import type { RouteSpec, RoutedIncident } from '../../lib/alerting/routing-types.js';
import type { NotifyEffect } from '../machines/effects.js';
import { Grouper, memberMarkerKey, type GroupFlush } from '../routing/grouper.js';

/** A group member: routing's view plus the stored incident (what the notice renders). */
export type GroupMember = RoutedIncident & { stored: Incident };

export interface GroupSend {
  tenant: string;
  flush: GroupFlush<GroupMember>;
  partition: number;
  epoch: number;
}

export interface GroupRouterOptions {
  routesOf(tenant: string): readonly NotificationRoute[];
  /** Tenants with routes (swept from the store). */
  routedTenants(): readonly string[];
  targetName(tenant: string, targetId: string): string;
  targetLabels(tenant: string, targetName: string): Readonly<Record<string, string>>;
  /** The epoch this detector holds `partition` at, or undefined when it is not ours. */
  epochOf(partition: number): number | undefined;
  partitions: number;
  clock: TimerClock;
  /** Claims and sends one group notification (the notifier). */
  send(g: GroupSend): Promise<void>;
  logger: Logger;
  /** How far back a sweep reads resolved incidents. Default 15 min. */
  resolvedLookbackMs?: number;
}

export interface GroupRouter {
  /** Whether the notification belongs to a route: then it is grouped (or, for acks and reminders, left to the group), not sent alone. */
  offer(n: NotifyEffect): boolean;
  /** Reads the routed tenants' incidents from the store into the groups this detector owns. */
  sweep(store: Store): Promise<void>;
  /** Groups held (metrics, tests). */
  readonly size: number;
  close(): void;
}

const ROUTED_TRANSITIONS = new Set(['opened', 'reopened', 'resolved', 'acknowledged', 'reminder']);

export const routeHome = (tenant: string, routeId: string, partitions: number): number => partitionOf(tenant, `route\u0000${routeId}`, partitions);

function specOf(r: NotificationRoute): RouteSpec {
  return { id: r.id, channelId: r.channelId, matchers: r.matchers, groupBy: r.groupBy, groupWaitMs: r.groupWaitSec * 1000, groupIntervalMs: r.groupIntervalSec * 1000, repeatIntervalMs: r.repeatIntervalSec * 1000 };
}

interface Held {
  tenant: string;
  version: number;
  partition: number;
  epoch: number;
  grouper: Grouper<GroupMember>;
  /** Resolved incidents (`id@changedAt` → changedAt) whose announcement records this owner already read. */
  checked: Map<string, number>;
}

export function createGroupRouter(o: GroupRouterOptions): GroupRouter {
  const held = new Map<string, Held>();
  const lookback = o.resolvedLookbackMs ?? 15 * 60_000;
  let timer: TimerHandle | undefined;
  let timerAt = Number.POSITIVE_INFINITY;
  let closed = false;

  /** The groupers of the tenant's routes this detector owns now (made, or remade when the route or the lease changed). */
  const owned = (tenant: string): Held[] => {
    const out: Held[] = [];
    for (const r of o.routesOf(tenant)) {
      const partition = routeHome(tenant, r.id, o.partitions);
      const epoch = o.epochOf(partition);
      const key = `${tenant}\u0000${r.id}`;
      let h = held.get(key);
      if (epoch === undefined) {
        held.delete(key);
        continue;
      }
      if (h === undefined || h.version !== r.updatedAt || h.epoch !== epoch) {
        h = { tenant, version: r.updatedAt, partition, epoch, grouper: new Grouper<GroupMember>([specOf(r)]), checked: new Map() };
        held.set(key, h);
      }
      out.push(h);
    }
    return out;
  };

  const memberOf = (i: Incident, targetName: string): GroupMember => ({ ...routedIncidentOf(i, targetName, o.targetLabels(i.tenant, targetName)), stored: i });

  const arm = (): void => {
    if (closed) return;
    let due = Number.POSITIVE_INFINITY;
    for (const h of held.values()) due = Math.min(due, h.grouper.nextDueAt());
    if (due >= timerAt) return;
    if (timer !== undefined) o.clock.clearTimeout(timer);
    timer = undefined;
    timerAt = due;
    if (due === Number.POSITIVE_INFINITY) return;
    timer = o.clock.setTimeout(() => {
      timer = undefined;
      timerAt = Number.POSITIVE_INFINITY;
      flushDue();
    }, Math.max(0, due - o.clock.now()));
  };

  const flushDue = (): void => {
    const now = o.clock.now();
    for (const [key, h] of held) {
      if (o.epochOf(h.partition) !== h.epoch) {
        held.delete(key); // the lease moved: the new owner rebuilds these groups
        continue;
      }
      for (const flush of h.grouper.flush(now)) {
        // Announced here: the store's record of it being announced firing must not bring it back at a sweep.
        for (const m of flush.resolved) h.checked.set(`${m.id}@${m.changedAt}`, m.changedAt);
        o.send({ tenant: h.tenant, flush, partition: h.partition, epoch: h.epoch }).catch((err: unknown) => o.logger.error({ err, route: flush.routeId }, 'group notification failed'));
      }
    }
    arm();
  };

  const observe = (i: Incident, targetName: string, now: number): boolean => {
    const m = memberOf(i, targetName);
    if (!o.routesOf(i.tenant).some((r) => matchesAll(r.matchers, m))) return false;
    for (const h of owned(i.tenant)) h.grouper.observe(m, now);
    return true;
  };

  /**
   * A resolved incident no group here holds may have been announced firing by an earlier owner: the store's
   * member records (written with each firing flush) say so, and the group then announces its resolution.
   * Each incident's records are read once per owner and change.
   */
  const restoreAnnounced = async (store: Store, tenant: string, resolved: readonly Incident[], now: number): Promise<void> => {
    const hs = owned(tenant);
    for (const h of hs) for (const [mark, at] of h.checked) if (at < now - lookback) h.checked.delete(mark);
    for (const i of resolved) {
      const m = memberOf(i, o.targetName(tenant, i.targetId));
      const mark = `${m.id}@${m.changedAt}`;
      const wanting = hs.filter((h) => !h.checked.has(mark) && h.grouper.missing(m));
      if (wanting.length === 0) continue;
      const records = new Set((await store.listNotifications(tenant, i.id)).map((r) => r.key));
      for (const h of wanting) {
        h.checked.set(mark, m.changedAt);
        h.grouper.restore(m, now, (groupKey, channelId) => records.has(memberMarkerKey(channelId, groupKey, i.id)));
      }
    }
  };

  return {
    offer(n) {
      if (closed || !ROUTED_TRANSITIONS.has(n.transition) || n.suppressedBy !== null) return false;
      if (o.routesOf(n.incident.tenant).length === 0) return false;
      const routed = observe(n.incident, n.targetName, o.clock.now());
      if (routed) arm();
      return routed;
    },
    async sweep(store) {
      const now = o.clock.now();
      for (const tenant of o.routedTenants()) {
        if (owned(tenant).length === 0) continue;
        const [open, resolved] = await Promise.all([
          store.listIncidents({ tenant, status: ['open', 'acknowledged'], limit: 1000 }),
          store.listIncidents({ tenant, status: ['resolved'], from: now - lookback, limit: 1000 }),
        ]);
        for (const i of [...open.items, ...resolved.items]) observe(i, o.targetName(tenant, i.targetId), now);
        await restoreAnnounced(store, tenant, resolved.items, now);
      }
      flushDue();
    },
    get size() {
      let n = 0;
      for (const h of held.values()) n += h.grouper.size;
      return n;
    },
    close() {
      closed = true;
      if (timer !== undefined) o.clock.clearTimeout(timer);
      held.clear();
    },
  };
}
