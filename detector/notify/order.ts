// Keeps one incident's notices to a channel in transition order across holders of its partition: before its
// first request, a claim waits while an earlier transition's claim of the same incident and channel is still
// owed — left pending under an older epoch (a sender that died, or lost its lease: recovery takes it over, and
// is asked to look now), or being sent by this process. So a resolution never goes out before the opened notice
// an earlier holder stranded. Claims that can no longer be sent (partly delivered, or pending under our own epoch
// with no attempt running here) do not hold later ones back.
import type { Logger } from 'pino';
import { sleep } from '../../lib/lifecycle/sleep.js';
import type { Store } from '../../lib/store/port.js';
import type { NotificationRecord } from '../../lib/store/types.js';
import type { ClaimRecovery } from './recovery.js';

/** What a claim's place in its incident's order is read from. */
export type OrderedClaim = Pick<NotificationRecord, 'key' | 'tenant' | 'incidentId' | 'channelId'>;

export interface ClaimOrderOptions {
  store: Store;
  recovery: ClaimRecovery;
  /** The attempt of `key` running in this process, if any (resolves when it ends). */
  running(key: string): Promise<void> | undefined;
  /** Aborted when the notifier closes: waiting ends. */
  signal: AbortSignal;
  logger: Logger;
}

/**
 * The transition of an incident claim `${incidentId}:${seq}:${channelId}`, as [seq, reminder] (`2.r3` → [2, 3]),
 * or undefined for keys of another shape (groups).
 */
export function transitionOf(c: OrderedClaim): [number, number] | undefined {
  const head = `${c.incidentId}:`;
  const tail = `:${c.channelId}`;
  if (!c.key.startsWith(head) || !c.key.endsWith(tail) || c.key.length <= head.length + tail.length) return undefined;
  const m = /^(\d+)(?:\.r(\d+))?$/.exec(c.key.slice(head.length, c.key.length - tail.length));
  return m ? [Number(m[1]), Number(m[2] ?? 0)] : undefined;
}

const earlier = (a: [number, number], b: [number, number]): boolean => a[0] < b[0] || (a[0] === b[0] && a[1] < b[1]);

export function createClaimOrder(o: ClaimOrderOptions): (c: OrderedClaim, partition: number, epoch: number) => Promise<void> {
  return async (c, partition, epoch) => {
    const mine = transitionOf(c);
    if (!mine) return;
    let asked = false;
    for (let i = 0; !o.signal.aborted && o.recovery.holds(partition, epoch); i++) {
      let records: NotificationRecord[];
      try {
        records = await o.store.listNotifications(c.tenant, c.incidentId);
      } catch (err) {
        if (i % 10 === 0) o.logger.warn({ err, key: c.key }, 'reading the earlier notices of an incident failed; retrying');
        await sleep(Math.min(2_000, 50 * 2 ** Math.min(i, 6)), o.signal);
        continue;
      }
      const owed = records.filter((r) => {
        const t = r.key !== c.key && r.channelId === c.channelId && r.status === 'pending' && !r.attempts.some((a) => a.ok) ? transitionOf(r) : undefined;
        return t !== undefined && earlier(t, mine);
      });
      // Being sent (or taken over) here: wait for that attempt.
      const here = owed.filter((r) => o.running(r.key) !== undefined || o.recovery.taking(r.key));
      if (here.length > 0) {
        await Promise.all(here.map((r) => o.running(r.key) ?? o.recovery.passNow(partition, epoch)));
        continue;
      }
      // Left by an earlier holder of the partition: recovery takes it over (at once, or once a request its
      // holder may have out has ended).
      const stranded = owed.filter((r) => r.epoch < epoch && r.partition === partition);
      if (stranded.length === 0) return;
      if (!asked) o.logger.info({ key: c.key, waitingFor: stranded.map((r) => r.key) }, 'holding a notice back until the earlier ones of its incident are sent');
      await (asked ? o.recovery.nextPass(partition) : o.recovery.passNow(partition, epoch));
      asked = true;
    }
  };
}
