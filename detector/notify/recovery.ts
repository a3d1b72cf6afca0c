// Sends the notification claims a partition's earlier holders left `pending`: a sender that died, or that found
// its lease gone (Redis down past the lease) between claim and send. Their stream entries are acknowledged, so no
// replay brings them back; the partition's next holder (this process again, under a newer epoch, or another
// detector) finds them in the store. Taking a claim over is a conditional write (store.takeOverNotification)
// that changes its epoch, and a holder marks each request in the store before starting it, only while the claim
// is still under its epoch (store.startNotificationAttempt): of a take-over and a holder's next request, one
// comes first, so a claim is sent by one holder at a time. When:
// - at once (on acquiring, and when asked: ./order.ts waits on it) for a claim with no request marked out: its
//   holder can start none any more;
// - for a claim whose holder may have a request out (it died or lost the lease mid-request): once the mark is
//   gone (the attempt recorded: looked at every `recheckMs`), or `graceMs` after first seeing it, when that
//   request has ended whether or not its holder lived to record it.
// A pass also runs every `graceMs` while the partition is ours, as a safety net.
import type { Logger } from 'pino';
import type { Store } from '../../lib/store/port.js';
import type { NotificationRecord } from '../../lib/store/types.js';
import type { TimerClock, TimerHandle } from '../../lib/time/clock.js';

export interface ClaimRecoveryOptions {
  store: Store;
  /** The detector's timers (a manual clock in tests). */
  timers: TimerClock;
  /** Longer than any request of an earlier holder can take (the notifier's request timeout plus a margin). */
  graceMs: number;
  logger: Logger;
  /** Whether this process is sending `key` now: that attempt hands the claim over itself when it stops. */
  sending(key: string): boolean;
  /** Sends a claim just taken over under `epoch` (`rec` as read, before the take-over). */
  send(rec: NotificationRecord, epoch: number): void;
  /** Claims read per store call. Default 200. */
  pageSize?: number;
  /** How soon to look again while a claim is marked out (its holder records the attempt). Default 1000, at most graceMs. */
  recheckMs?: number;
}

export interface ClaimRecovery {
  /** We hold `partition` under `epoch` now (acquired, or re-acquired after losing it). */
  acquired(partition: number, epoch: number): void;
  /** The partition is no longer ours: stop looking at it. */
  left(partition: number): void;
  /** Our attempt of `key`, claimed under (partition, epoch), stopped at the lease check with its claim pending. */
  stopped(key: string, partition: number, epoch: number): void;
  /** Whether we hold `partition` under `epoch`. */
  holds(partition: number, epoch: number): boolean;
  /** Whether `key` is being taken over right now (the store said yes, the send has not started yet, or is asked). */
  taking(key: string): boolean;
  /** A pass over `partition` now (after the one running); resolves once it has handed what it took over to `send`. */
  passNow(partition: number, epoch: number): Promise<void>;
  /** Resolves when the next pass over `partition` ends (timer-driven or asked for), or once it is left. */
  nextPass(partition: number): Promise<void>;
  /** Stops every scan and waits for the one in progress. Idempotent. */
  close(): Promise<void>;
}

export function createClaimRecovery(o: ClaimRecoveryOptions): ClaimRecovery {
  const pageSize = o.pageSize ?? 200;
  const recheckMs = Math.min(o.recheckMs ?? 1_000, o.graceMs);
  const held = new Map<number, { epoch: number; timer?: TimerHandle; waiters: Array<() => void> }>();
  /** Claims seen with a request marked out, by key: the mark as seen, and when we first saw it (our clock). */
  const marked = new Map<string, { partition: number; since: number; seenAt: number }>();
  const takingKeys = new Set<string>();
  /** Per partition, the scan running or queued last: scans of one partition run one after another. */
  const chains = new Map<number, Promise<void>>();
  let closed = false;

  const holds = (p: number, epoch: number): boolean => !closed && held.get(p)?.epoch === epoch;

  /** One pass over the partition's pending claims below `epoch`; returns when the next pass is due. */
  const scan = async (p: number, epoch: number): Promise<number> => {
    let due = o.timers.now() + o.graceMs;
    const seen = new Set<string>();
    let after: string | undefined;
    for (;;) {
      const page = await o.store.pendingNotifications(p, epoch, pageSize, after);
      for (const rec of page) {
        if (!holds(p, epoch)) return due;
        seen.add(rec.key);
        // Partly delivered (a group sent as several requests): sending again could repeat a part.
        if (rec.attempts.some((a) => a.ok) || o.sending(rec.key)) continue;
        if (rec.sendingSince !== undefined) {
          // Its holder may have a request out: it ends within graceMs of our first sight of the mark (the mark
          // is the holder's clock; ours is what we can count on).
          const now = o.timers.now();
          const m = marked.get(rec.key);
          if (m?.since !== rec.sendingSince) {
            marked.set(rec.key, { partition: p, since: rec.sendingSince, seenAt: now });
            due = Math.min(due, now + recheckMs);
            continue;
          }
          if (now < m.seenAt + o.graceMs) {
            due = Math.min(due, now + recheckMs, m.seenAt + o.graceMs);
            continue;
          }
        }
        takingKeys.add(rec.key);
        try {
          // Refused: another owner took it, or its holder started a request or recorded an attempt since we read it.
          if (!(await o.store.takeOverNotification(rec, epoch))) continue;
          marked.delete(rec.key);
          o.logger.warn({ key: rec.key, partition: p, claimedUnder: rec.epoch, epoch, markedOut: rec.sendingSince !== undefined }, 'sending a notification an earlier holder of the partition left unsent');
          o.send(rec, epoch);
        } finally {
          takingKeys.delete(rec.key);
        }
      }
      if (page.length < pageSize) break;
      after = page[page.length - 1]?.key;
    }
    // Marks of claims no longer pending below our epoch: sent, or taken over by someone.
    for (const [key, m] of marked) if (m.partition === p && !seen.has(key)) marked.delete(key);
    return due;
  };

  const wake = (p: number): void => {
    const h = held.get(p);
    if (!h) return;
    for (const w of h.waiters.splice(0)) w();
  };

  const schedule = (p: number, epoch: number, at: number): void => {
    const h = held.get(p);
    if (!h || h.epoch !== epoch || closed) return;
    if (h.timer !== undefined) o.timers.clearTimeout(h.timer);
    h.timer = o.timers.setTimeout(() => {
      h.timer = undefined;
      void run(p, epoch);
    }, Math.max(0, at - o.timers.now()));
  };

  const run = (p: number, epoch: number): Promise<void> => {
    const next = (chains.get(p) ?? Promise.resolve())
      .then(async () => {
        if (!holds(p, epoch)) return;
        let due = o.timers.now() + o.graceMs;
        try {
          due = await scan(p, epoch);
        } catch (err) {
          // The next pass (at most graceMs away) tries again.
          o.logger.warn({ err, partition: p }, 'recovering unsent notification claims failed');
        }
        schedule(p, epoch, due);
        wake(p);
      });
    chains.set(p, next);
    void next.finally(() => {
      if (chains.get(p) === next) chains.delete(p);
    });
    return next;
  };

  const left = (p: number): void => {
    const h = held.get(p);
    if (h?.timer !== undefined) o.timers.clearTimeout(h.timer);
    wake(p);
    held.delete(p);
  };

  return {
    acquired(p, epoch) {
      if (closed) return;
      left(p);
      held.set(p, { epoch, waiters: [] });
      void run(p, epoch);
    },
    left,
    stopped(_key, p, epoch) {
      if (closed) return;
      const h = held.get(p);
      // Already ours again under a newer epoch: hand it over now rather than at the next pass.
      if (h && h.epoch > epoch) void run(p, h.epoch);
    },
    holds,
    taking: (key) => takingKeys.has(key),
    passNow: (p, epoch) => (holds(p, epoch) ? run(p, epoch) : Promise.resolve()),
    nextPass(p) {
      const h = held.get(p);
      if (!h || closed) return Promise.resolve();
      return new Promise<void>((r) => h.waiters.push(r));
    },
    async close() {
      closed = true;
      for (const p of [...held.keys()]) left(p);
      marked.clear();
      await Promise.all([...chains.values()]);
    },
  };
}
