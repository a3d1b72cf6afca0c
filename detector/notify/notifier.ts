// Sends notifications exactly once per transition per channel across replicas, restarts and replays: the
// holder of the partition's current epoch claims `${incidentId}:${transitionSeq}:${channelId}` in the store
// before anything is sent, and whoever finds the claim taken sends nothing. Sending runs in the background
// with retries (backoff on 5xx, 429, timeouts and network errors), a per-channel rate limit, and a record of
// every attempt. Each attempt first checks the lease, so a detector that lost its partition stops sending, and
// marks each request in the store before starting it, only while the claim is still under its epoch; a claim
// carries its partition and what it is to send, and one left `pending` by an older epoch (its sender died, or
// stopped at the lease check) is taken over and sent by the partition's next holder (./recovery.ts). An
// incident's notices to a channel go out in transition order (./order.ts).
import { setMaxListeners } from 'node:events';
import type { Logger } from 'pino';
import { Counter, type Registry } from 'prom-client';
import { sleep } from '../../lib/lifecycle/sleep.js';
import type { Store } from '../../lib/store/port.js';
import type { Channel, NotificationRecord } from '../../lib/store/types.js';
import type { TimerClock } from '../../lib/time/clock.js';
import type { NotifyEffect } from '../machines/effects.js';
import type { Delivery } from '../../lib/channels/driver.js';
import { prepareDeliveries } from '../../lib/channels/render.js';
import { deliver, type DeliverOptions } from '../../lib/channels/transport.js';
import type { NetworkGuard } from '../../lib/net/guard.js';
import { createHealthTracker } from './health.js';
import { noticeOf, noticeUnderEpoch, type MessageOptions } from './message.js';
import { createClaimRecovery } from './recovery.js';
import { createClaimOrder, type OrderedClaim } from './order.js';
import { makeNotice, noticeIncidentOf, type Notice, type NoticeTransition } from '../../lib/channels/notice.js';
import type { GroupRouter, GroupSend } from './groups.js';
import { memberMarkerKey } from '../routing/grouper.js';
import { ConcurrencyLimiter } from '../../lib/limits/concurrency.js';
import { perMinute, TokenBuckets } from '../../lib/limits/token-bucket.js';

export interface NotifierOptions extends MessageOptions {
  store: Store;
  channelsFor(tenant: string, named: readonly string[]): Channel[];
  /** The labels of a target (by tenant and name), for templates and label-based receivers. */
  targetLabels?(tenant: string, targetName: string): Readonly<Record<string, string>>;
  /** Whether (partition, epoch) still holds the lease: checked before claiming. */
  fence(partition: number, epoch: number): Promise<boolean>;
  /** The detector's timers: recovery passes are scheduled on them (a manual clock in tests). */
  clock: TimerClock;
  logger: Logger;
  registry: Registry;
  timeoutMs?: number;
  /** Attempts after the first. */
  retries?: number;
  backoffMs?: number;
  /** Requests in flight at once across all channels (a burst of incidents queues rather than timing out). */
  concurrency?: number;
  /**
   * How long after acquiring a partition to send the claims other holders left pending (any request of theirs
   * has finished by then), and how often to look again while it is ours. Default timeoutMs + 1000.
   */
  recoveryGraceMs?: number;
  /** Where channels' HTTP requests may connect (NOTIFY_ALLOWED_NETWORKS); default anywhere. */
  guard?: NetworkGuard;
  /** Routes (grouping): a notification it takes is sent with its group, not alone. Late-bound (it sends through this notifier). */
  groups?(): GroupRouter | undefined;
}

/** How an attempt ended: `fenced` at the lease check, `taken` over by a later holder (its mark refused). */
type Outcome = 'done' | 'fenced' | 'taken';

export interface DispatchResult {
  /** Partitions whose lease check answered "not yours": their notifications were not claimed. */
  refused: number[];
}

/**
 * A store or Redis failure rejects `dispatch`/`dispatchMany`: the caller retries (claims already made are
 * kept and not sent twice) rather than losing the notification.
 */
export interface Notifier {
  /** Claims and starts sending; resolves once every claim is recorded (sending goes on in the background). */
  dispatch(n: NotifyEffect, partition: number, epoch: number): Promise<DispatchResult>;
  /**
   * The same for many, in order, checking each (partition, epoch) lease once — once per `fences` map when one
   * is passed (a batch of effects dispatched one by one shares it).
   */
  dispatchMany(list: ReadonlyArray<{ n: NotifyEffect; partition: number; epoch: number }>, fences?: Map<string, Promise<boolean>>): Promise<DispatchResult>;
  /** Claims and sends one group notification of a route (called by the group router when a group falls due). */
  sendGroup(g: GroupSend): Promise<void>;
  /** We hold `partition` under `epoch`: send the claims earlier holders of it left pending (see ./recovery.ts). */
  acquired(partition: number, epoch: number): void;
  /** The partition is no longer ours. */
  left(partition: number): void;
  /** Sends in flight. */
  readonly inflight: number;
  /** Waits for sends in flight (at most `graceMs`), then abandons retries. Idempotent. */
  close(graceMs?: number): Promise<void>;
}

export function createNotifier(o: NotifierOptions): Notifier {
  const timeoutMs = o.timeoutMs ?? 10_000;
  const retries = o.retries ?? 4;
  const backoffMs = o.backoffMs ?? 500;
  const deliverOptions: DeliverOptions = o.guard ? { guard: o.guard } : {};
  const limiter = new TokenBuckets({ now: () => o.clock.now() });
  const maxInFlight = o.concurrency ?? 128;
  const slots = new ConcurrencyLimiter({ concurrency: maxInFlight });
  const inflight = new Set<Promise<void>>();
  const stop = new AbortController();
  // Every request and backoff in flight listens on it: hundreds at once in a burst are expected.
  setMaxListeners(0, stop.signal);
  let closing: Promise<void> | undefined;
  const sent = new Counter({ name: 'lightwatch_detector_notifications_total', help: 'Notification outcomes by channel kind', labelNames: ['kind', 'outcome'], registers: [o.registry] });

  const health = createHealthTracker(o.store, o.registry, o.logger);
  const recoveryGraceMs = o.recoveryGraceMs ?? timeoutMs + 1000;

  /** The lease check's answer, asking again (with backoff) while Redis gives none; false once closing. */
  const fenceAnswer = async (partition: number, epoch: number): Promise<boolean> => {
    for (let i = 0; !stop.signal.aborted; i++) {
      try {
        return await o.fence(partition, epoch);
      } catch {
        await sleep(Math.min(2_000, 100 * 2 ** i), stop.signal);
      }
    }
    return false;
  };

  /**
   * The store's answer to a request's mark (true: go; false: a later holder took the claim over), asking again
   * (with backoff) while the store gives none: a store outage delays the request rather than spending its
   * retries or sending unmarked. Undefined once closing.
   */
  const markAnswer = async (key: string, epoch: number): Promise<boolean | undefined> => {
    for (let i = 0; !stop.signal.aborted; i++) {
      try {
        return await o.store.startNotificationAttempt(key, epoch, o.clock.now());
      } catch (err) {
        if (i % 10 === 0) o.logger.warn({ err, key, attempt: i + 1 }, 'marking a notification request failed; retrying');
        await sleep(Math.min(2_000, 100 * 2 ** i), stop.signal);
      }
    }
    return undefined;
  };

  /** The notice of one incident's transition, carrying the fencing epoch this send holds. */
  const incidentNotice = (n: NotifyEffect, key: string, epoch: number): Notice =>
    // The domain builds incidents without the fencing epoch; the body carries the one this send holds.
    noticeUnderEpoch(noticeOf(n, key, o.clock.now(), o, o.targetLabels?.(n.incident.tenant, n.targetName)), epoch);

  /** The attempts running in this process, by key (each resolves when it ends). */
  const running = new Map<string, Promise<void>>();

  /** Sends a claim of ours in the background; an incident's (`order`) first waits for its earlier transitions. */
  const attempt = (notice: Notice, ch: Channel, key: string, partition: number, epoch: number, order?: OrderedClaim): void => {
    let outcome: Outcome = 'done';
    const run = (async () => {
      if (order) await inOrder(order, partition, epoch);
      outcome = await sendUntilDone(notice, ch, key, partition, epoch);
    })();
    // Settles (never rejects: a crash is logged by track) once the attempt is over.
    const ended: Promise<void> = run.then(
      () => undefined,
      () => undefined,
    ).then(() => {
      if (running.get(key) === ended) running.delete(key);
      // No longer running here: recovery may take it over now (under the newer epoch we hold, if we do).
      if (outcome === 'fenced' && !stop.signal.aborted) recovery.stopped(key, partition, epoch);
    });
    running.set(key, ended);
    track(run);
  };

  /** Sends until delivered, refused for good, out of retries, fenced (the lease is no longer ours) or taken over. */
  const sendUntilDone = async (notice: Notice, ch: Channel, key: string, partition: number, epoch: number): Promise<Outcome> => {
    let deliveries: Delivery[];
    try {
      deliveries = await prepareDeliveries(ch, notice, o);
    } catch (err) {
      const error = (err as Error).message;
      await o.store.recordNotificationAttempt(key, { at: o.clock.now(), ok: false, error, durationMs: 0 }, 'failed');
      sent.inc({ kind: ch.kind, outcome: 'failed' });
      health.record(ch, false, error, o.clock.now());
      return 'done';
    }
    // A group for a per-incident service is several requests: each is sent until it succeeds once.
    const delivered = new Set<number>();
    for (let i = 0; i <= retries && !stop.signal.aborted; i++) {
      const wait = limiter.take(ch.id, perMinute(ch.rateLimitPerMin));
      if (wait > 0) await sleep(wait, stop.signal);
      // Lost the lease meanwhile: the partition's next holder takes this claim over; sending too could deliver it twice.
      if (!(await fenceAnswer(partition, epoch))) {
        o.logger.warn({ key, partition, epoch }, 'stopped sending: partition lease no longer ours');
        return 'fenced';
      }
      let taken = false;
      const round = await Promise.all(
        deliveries.map(async (d, idx) => {
          if (delivered.has(idx)) return null;
          return slots.run(async () => {
            // The request is marked out in the store right before it starts (inside its slot: a later holder
            // counts its grace from seeing the mark), only while the claim is under our epoch: once a later holder
            // took it over, nothing more goes out from here.
            const marked = await markAnswer(key, epoch);
            if (marked !== true) {
              taken ||= marked === false;
              return null;
            }
            const started = Date.now();
            const out = await deliver(d, timeoutMs, stop.signal, deliverOptions);
            if (out.ok) delivered.add(idx);
            return { out, durationMs: Date.now() - started };
          });
        }),
      );
      const tried = round.filter((r): r is NonNullable<typeof r> => r !== null);
      if (taken) {
        // The record is the later holder's now: what went out of this round (if anything) is not written over it.
        o.logger.warn({ key, partition, epoch }, 'stopped sending: a later holder of the partition took the notification over');
        return 'taken';
      }
      const ok = delivered.size === deliveries.length;
      const permanent = tried.some((r) => !r.out.ok && !r.out.retryable);
      const last = ok || permanent || i === retries;
      const outcome: NotificationRecord['status'] = ok ? 'sent' : last ? 'failed' : 'pending';
      for (const r of tried) {
        const a = r.out;
        await o.store
          .recordNotificationAttempt(key, { at: o.clock.now(), ok: a.ok, ...(a.status !== undefined ? { status: a.status } : {}), ...(a.error !== undefined ? { error: a.error } : {}), durationMs: r.durationMs }, outcome)
          .catch((err: unknown) => o.logger.warn({ err, key }, 'recording a notification attempt failed'));
      }
      if (last) {
        sent.inc({ kind: ch.kind, outcome });
        const error = tried.find((r) => !r.out.ok)?.out.error;
        health.record(ch, ok, error, o.clock.now());
        if (!ok) o.logger.warn({ key, error }, 'notification failed');
        return 'done';
      }
      const retryAfterMs = Math.max(0, ...tried.map((r) => r.out.retryAfterMs));
      await sleep(Math.max(retryAfterMs, backoffMs * 2 ** i), stop.signal);
    }
    return 'done';
  };

  /** Sends a claim taken over from an earlier holder of its partition, as that holder was to send it. */
  const resume = (rec: NotificationRecord, epoch: number): void => {
    if (stop.signal.aborted) return;
    const ch = o.channelsFor(rec.tenant, [rec.channelId]).find((c) => c.id === rec.channelId);
    if (!ch || !rec.notice || rec.partition === undefined) {
      const error = ch ? 'the claim does not say what to send' : `channel ${rec.channelId} no longer exists`;
      o.logger.warn({ key: rec.key, error }, 'notification failed');
      track(o.store.recordNotificationAttempt(rec.key, { at: o.clock.now(), ok: false, error, durationMs: 0 }, 'failed'));
      return;
    }
    // A group's notice has no place in one incident's order.
    attempt(noticeUnderEpoch(rec.notice, epoch), ch, rec.key, rec.partition, epoch, rec.notice.group ? undefined : rec);
  };

  const recovery = createClaimRecovery({ store: o.store, timers: o.clock, graceMs: recoveryGraceMs, logger: o.logger, sending: (key) => running.has(key), send: resume });
  const inOrder = createClaimOrder({ store: o.store, recovery, running: (key) => running.get(key), signal: stop.signal, logger: o.logger });

  const track = (p: Promise<void>): void => {
    const t = p.catch((err: unknown) => o.logger.error({ err }, 'notification send crashed')).finally(() => inflight.delete(t));
    inflight.add(t);
  };

  const notifier: Notifier = {
    get inflight() {
      return inflight.size;
    },
    dispatch(n, partition, epoch) {
      return notifier.dispatchMany([{ n, partition, epoch }]);
    },
    async dispatchMany(list, fences = new Map<string, Promise<boolean>>()) {
      const refused = new Set<number>();
      for (const { n, partition, epoch } of list) {
        // An incident a route takes goes out with its group (the incident is stored by now: effects write first).
        if (o.groups?.()?.offer(n)) continue;
        const routed = o.channelsFor(n.incident.tenant, n.channels);
        // Reminders go only to the channels that asked for them.
        const channels = n.transition === 'reminder' ? routed.filter((c) => c.repeatIntervalSec > 0) : routed;
        if (channels.length === 0) continue;
        const fk = `${partition}:${epoch}`;
        let fence = fences.get(fk);
        if (!fence) {
          fence = o.fence(partition, epoch);
          fences.set(fk, fence);
          fence.catch(() => fences.delete(fk)); // an error is no answer: ask again on the retry
        }
        if (!(await fence)) {
          o.logger.warn({ partition, epoch, incident: n.incident.id }, 'not notifying: partition lease no longer ours');
          refused.add(partition);
          continue;
        }
        const now = o.clock.now();
        for (const ch of channels) {
          const key = `${n.incident.id}:${n.transitionSeq}:${ch.id}`;
          const base = { key, tenant: n.incident.tenant, incidentId: n.incident.id, channelId: ch.id, transition: n.transition, attempts: [], epoch, partition, createdAt: now, updatedAt: now };
          if (n.suppressedBy) {
            if (await o.store.claimNotification({ ...base, status: 'suppressed' })) sent.inc({ kind: ch.kind, outcome: 'suppressed' });
            continue;
          }
          const notice = incidentNotice(n, key, epoch);
          // Claimed already: sent, or being sent, by someone — or left pending by a holder that died or lost the
          // lease, which the partition's holder takes over (./recovery.ts).
          if (await o.store.claimNotification({ ...base, status: 'pending', notice })) attempt(notice, ch, key, partition, epoch, base);
        }
      }
      return { refused: [...refused] };
    },
    async sendGroup({ tenant, flush, partition, epoch }) {
      const ch = o.channelsFor(tenant, [flush.channelId]).find((c) => c.id === flush.channelId);
      const first = flush.firing[0] ?? flush.resolved[0];
      if (!ch || !first || !(await fenceAnswer(partition, epoch))) return;
      const transition: NoticeTransition = flush.firing.length === 0 ? 'resolved' : flush.repeat ? 'reminder' : 'opened';
      const now = o.clock.now();
      const view = (m: (typeof flush.firing)[number]) => noticeIncidentOf({ ...m.stored, epoch }, { targetName: m.targetName, targetLabels: o.targetLabels?.(tenant, m.targetName) ?? {}, publicBaseUrl: o.publicBaseUrl });
      const firing = flush.firing.map(view);
      const resolved = flush.resolved.map(view);
      const notice: Notice = { ...makeNotice(flush.key, transition, [...firing, ...resolved], now), group: { key: flush.groupKey, route: flush.routeId, labels: flush.groupLabels, firing, resolved } };
      const record: NotificationRecord = { key: flush.key, tenant, incidentId: first.id, channelId: ch.id, transition, status: 'pending', attempts: [], epoch, partition, notice, createdAt: now, updatedAt: now };
      // Each firing member is recorded as announced in this group before the group is claimed, so an owner
      // that rebuilds the group after a takeover and first sees a member resolved still announces that.
      await Promise.all(flush.firing.map((m) => o.store.claimNotification({ key: memberMarkerKey(ch.id, flush.groupKey, m.id), tenant, incidentId: m.id, channelId: ch.id, transition: 'grouped', status: 'suppressed', attempts: [], epoch, createdAt: now, updatedAt: now })));
      // Claimed already: the same content went out from this or an earlier owner (or is going out, or is left
      // pending for the partition's holder to take over).
      if (await o.store.claimNotification(record)) attempt(notice, ch, flush.key, partition, epoch);
    },
    acquired: (partition, epoch) => recovery.acquired(partition, epoch),
    left: (partition) => recovery.left(partition),
    close(graceMs = 5_000) {
      closing ??= (async () => {
        await recovery.close();
        const all = Promise.all([...inflight]);
        let timer: ReturnType<typeof setTimeout> | undefined;
        await Promise.race([all, new Promise((r) => (timer = setTimeout(r, graceMs)))]);
        if (timer) clearTimeout(timer);
        stop.abort();
        await all;
        await health.settled();
      })();
      return closing;
    },
  };
  return notifier;
}
