// Sends the notification claims a partition's earlier holders left `pending`: a sender that died, or that found
// its lease gone (Redis down past the lease) between claim and send. Their stream entries are acknowledged, so no
// replay brings them back; the partition's next holder (this process again, under a newer epoch, or another
// detector) finds them in the store. Taking a claim over is a conditional write (store.takeOverNotification),
// so of two detectors that both believe they hold the partition only one sends. When:
// - at once, for claims this process made itself under an older epoch and stopped sending at the lease check:
//   nobody else can be sending them, since anyone else would first have taken them over (changing the epoch);
// - `graceMs` after acquiring, and every `graceMs` while the partition is ours, for all of them: by then any
//   request an earlier holder had in flight when its lease ended has finished and been recorded.
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
}

export interface ClaimRecovery {
  /** We hold `partition` under `epoch` now (acquired, or re-acquired after losing it). */
  acquired(partition: number, epoch: number): void;
  /** The partition is no longer ours: stop looking at it. */
  left(partition: number): void;
  /** Our attempt of `key`, claimed under (partition, epoch), stopped at the lease check with its claim pending. */
  stopped(key: string, partition: number, epoch: number): void;
  /** Stops every scan and waits for the one in progress. Idempotent. */
  close(): Promise<void>;
}

export function createClaimRecovery(o: ClaimRecoveryOptions): ClaimRecovery {
  const pageSize = o.pageSize ?? 200;
  const held = new Map<number, { epoch: number; timer?: TimerHandle }>();
  /** Our own claims stopped at the lease check, by key; `seq` orders them against scans. */
  const stoppedAt = new Map<string, { partition: number; epoch: number; seq: number }>();
  let seq = 0;
  /** Per partition, the scan running or queued last: scans of one partition run one after another. */
  const chains = new Map<number, Promise<void>>();
  /** Partitions with a scan of our own stopped claims queued and not started yet (later requests join it). */
  const ownQueued = new Set<number>();
  let closed = false;

  const holds = (p: number, epoch: number): boolean => !closed && held.get(p)?.epoch === epoch;

  /** One pass over the partition's pending claims below `epoch`: `all`, or only our own stopped ones. */
  const scan = async (p: number, epoch: number, all: boolean): Promise<void> => {
    const startedAt = seq;
    const seen = new Set<string>();
    let after: string | undefined;
    for (;;) {
      const page = await o.store.pendingNotifications(p, epoch, pageSize, after);
      for (const rec of page) {
        if (!holds(p, epoch)) return;
        seen.add(rec.key);
        const ours = stoppedAt.get(rec.key)?.epoch === rec.epoch;
        if (!all && !ours) continue;
        // Partly delivered (a group sent as several requests): sending again could repeat a part.
        if (rec.attempts.some((a) => a.ok) || o.sending(rec.key)) continue;
        // Refused: another owner took it, or its holder recorded an attempt since we read it.
        if (!(await o.store.takeOverNotification(rec, epoch))) continue;
        stoppedAt.delete(rec.key);
        o.logger.warn({ key: rec.key, partition: p, claimedUnder: rec.epoch, epoch }, 'sending a notification an earlier holder of the partition left unsent');
        o.send(rec, epoch);
      }
      if (page.length < pageSize) break;
      after = page[page.length - 1]?.key;
    }
    // Our stopped claims this pass no longer found pending below our epoch were sent or taken over by someone.
    if (all) for (const [key, s] of stoppedAt) if (s.partition === p && s.seq <= startedAt && !seen.has(key)) stoppedAt.delete(key);
  };

  const run = (p: number, epoch: number, all: boolean): Promise<void> => {
    if (!all) {
      if (ownQueued.has(p)) return chains.get(p) ?? Promise.resolve();
      ownQueued.add(p);
    }
    const next = (chains.get(p) ?? Promise.resolve())
      .then(() => {
        if (!all) ownQueued.delete(p);
        return holds(p, epoch) ? scan(p, epoch, all) : undefined;
      })
      // The next pass (at most graceMs away) tries again.
      .catch((err: unknown) => o.logger.warn({ err, partition: p }, 'recovering unsent notification claims failed'));
    chains.set(p, next);
    void next.finally(() => {
      if (chains.get(p) === next) chains.delete(p);
    });
    return next;
  };

  const schedule = (p: number, epoch: number): void => {
    const h = held.get(p);
    if (!h || h.epoch !== epoch || closed) return;
    h.timer = o.timers.setTimeout(() => {
      h.timer = undefined;
      void run(p, epoch, true).then(() => schedule(p, epoch));
    }, o.graceMs);
  };

  const left = (p: number): void => {
    const h = held.get(p);
    if (h?.timer !== undefined) o.timers.clearTimeout(h.timer);
    held.delete(p);
  };

  return {
    acquired(p, epoch) {
      if (closed) return;
      left(p);
      held.set(p, { epoch });
      void run(p, epoch, false);
      schedule(p, epoch);
    },
    left,
    stopped(key, p, epoch) {
      if (closed) return;
      stoppedAt.set(key, { partition: p, epoch, seq: ++seq });
      const h = held.get(p);
      // Already ours again under a newer epoch: hand it over now rather than at the next pass.
      if (h && h.epoch > epoch) void run(p, h.epoch, false);
    },
    async close() {
      closed = true;
      for (const p of [...held.keys()]) left(p);
      stoppedAt.clear();
      await Promise.all([...chains.values()]);
    },
  };
}
