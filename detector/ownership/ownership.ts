// Partition ownership for one detector: registers it as a live member (TTL'd entry in a sorted set), holds
// leases on its quota of partitions (SET NX PX, renewed every lease/3 by an owner-checking script, a fresh
// fencing epoch per acquisition), gives extras back when a detector joins, and takes free partitions (a dead
// owner's lease expired) on the next poll. Membership entry and leases are refreshed in the same round, so a
// dead detector leaves the member set when its leases expire; between renewals the loop only reads the set
// and tries free partitions, every min(lease/20, 250 ms), so a takeover follows expiry closely.
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { StreamNames } from '../../lib/streams/partition.js';
import type { Streams } from '../../lib/streams/port.js';
import { preferenceOrder, quotaOf, releaseOrder } from './assign.js';

export interface PartitionHandler {
  /** The lease is ours with `epoch`: start working the partition. A rejection gives the lease back. */
  acquired(partition: number, epoch: number): Promise<void>;
  /** We are giving the lease up (rebalance, close): finish in-flight work and stop; released afterwards. */
  releasing(partition: number): Promise<void>;
  /** The lease is lost (expired or taken): stop at once and write nothing more. */
  lost(partition: number): void;
}

export interface OwnershipOptions {
  streams: Streams;
  names: StreamNames;
  replicaId: string;
  /**
   * Bound on how long a dead detector's partitions stay unowned. The lease keys live a little less (leaseMs
   * minus two polls), so that expiry plus the survivor's next poll still falls within it.
   */
  leaseMs: number;
  handler: PartitionHandler;
  logger: Logger;
  /** Default leaseMs / 3. */
  renewEveryMs?: number;
  /** How often membership is read and free partitions tried. Default min(leaseMs / 20, 250). */
  pollMs?: number;
}

export interface Ownership {
  /** Unique per process: replica id plus a random suffix, so a restarted replica never inherits a lease. */
  readonly token: string;
  /** Runs the first tick, then keeps ticking until closed. */
  start(): Promise<void>;
  /** One round: heartbeat, renew, release extras, acquire up to quota. Exposed for tests. */
  tick(): Promise<void>;
  /** Owned partitions and their epochs. */
  owned(): ReadonlyMap<number, number>;
  /**
   * Whether our last renewal of `partition` is recent enough that the lease cannot have lapsed (local clock
   * only, no Redis). False after the process was frozen past its lease, before any tick noticed.
   */
  fresh(partition: number): boolean;
  /** Whether we still hold `partition` with `epoch` (checked in Redis, atomically). */
  isCurrent(partition: number, epoch: number): Promise<boolean>;
  /** Gives every lease back (after `releasing`) and leaves the member set. Idempotent. */
  close(): Promise<void>;
  /** Stops ticking without any cleanup, as a killed process would (fault tests). */
  abandon(): void;
}

export function membersKey(names: StreamNames): string {
  return names.key('detector', 'members');
}

export function createOwnership(options: OwnershipOptions): Ownership {
  const { names, leaseMs, handler, logger } = options;
  const leases = options.streams.leases;
  const token = `${options.replicaId}:${randomBytes(4).toString('hex')}`;
  const renewEveryMs = options.renewEveryMs ?? Math.floor(leaseMs / 3);
  const pollMs = options.pollMs ?? Math.max(10, Math.min(Math.floor(leaseMs / 20), 250));
  const keyTtlMs = Math.max(pollMs, leaseMs - 2 * pollMs);
  let lastRenew = -Infinity;
  const owned = new Map<number, number>();
  const renewedAt = new Map<number, number>();
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let running: Promise<void> | undefined;
  let closing: Promise<void> | undefined;

  const drop = (p: number, why: string): void => {
    owned.delete(p);
    renewedAt.delete(p);
    logger.warn({ partition: p, why }, 'partition lease lost');
    try {
      handler.lost(p);
    } catch (err) {
      logger.error({ err, partition: p }, 'lost-partition handler failed');
    }
  };

  const renewAll = async (): Promise<void> => {
    if (owned.size === 0) return;
    const parts = [...owned.keys()];
    const started = Date.now();
    let results: boolean[] | undefined;
    try {
      results = await leases.renew(parts.map((p) => names.lease(p)), token, keyTtlMs);
    } catch (err) {
      logger.warn({ err }, 'lease renewal failed');
    }
    parts.forEach((p, i) => {
      const r = results?.[i];
      if (r === true) renewedAt.set(p, started);
      else if (r === false) drop(p, 'taken or expired');
      // Redis unreachable: once most of a lease may have passed we must assume another detector has it.
      else if (started - (renewedAt.get(p) ?? 0) > keyTtlMs * 0.8) drop(p, 'renewal failing');
    });
  };

  const acquire = async (p: number): Promise<boolean> => {
    const epoch = await leases.acquire(names.lease(p), names.epoch(p), token, keyTtlMs);
    if (epoch <= 0) return false;
    owned.set(p, epoch);
    renewedAt.set(p, Date.now());
    logger.info({ partition: p, epoch }, 'partition acquired');
    // Not awaited: restoring a partition may take longer than a tick, and renewals must go on meanwhile.
    handler.acquired(p, epoch).catch(async (err: unknown) => {
      logger.error({ err, partition: p }, 'starting partition failed; giving the lease back');
      if (owned.get(p) === epoch) {
        owned.delete(p);
        renewedAt.delete(p);
        handler.lost(p);
        await leases.release(names.lease(p), token).catch(() => false);
      }
    });
    return true;
  };

  const release = async (p: number): Promise<void> => {
    try {
      await handler.releasing(p);
    } catch (err) {
      logger.error({ err, partition: p }, 'releasing partition failed');
    }
    owned.delete(p);
    renewedAt.delete(p);
    await leases.release(names.lease(p), token).catch(() => false);
    logger.info({ partition: p }, 'partition released');
  };

  const tick = async (): Promise<void> => {
    if (stopped) return;
    const renewing = Date.now() - lastRenew >= renewEveryMs;
    if (renewing) lastRenew = Date.now();
    const members = await leases.members(membersKey(names), token, renewing ? keyTtlMs : -1);
    if (renewing) await renewAll();
    if (stopped) return;
    // Until our own entry is written, we are no member and want nothing.
    if (!members.includes(token)) return;
    const quota = quotaOf(names.partitions, members, token);
    for (const p of releaseOrder([...owned.keys()], names.partitions, members, token, quota)) {
      if (stopped) return;
      await release(p);
    }
    if (owned.size >= quota) return;
    for (const p of preferenceOrder(names.partitions, members, token)) {
      if (stopped || owned.size >= quota) break;
      if (!owned.has(p)) await acquire(p);
    }
  };

  const loop = (): void => {
    if (stopped) return;
    timer = setTimeout(() => {
      running = tick()
        .catch((err: unknown) => logger.warn({ err }, 'ownership tick failed'))
        .finally(() => {
          running = undefined;
          loop();
        });
    }, pollMs);
  };

  return {
    token,
    async start() {
      running = tick();
      await running;
      running = undefined;
      loop();
    },
    tick,
    owned: () => owned,
    fresh(partition) {
      const at = renewedAt.get(partition);
      return owned.has(partition) && at !== undefined && Date.now() - at < keyTtlMs * 0.8;
    },
    async isCurrent(partition, epoch) {
      if (owned.get(partition) !== epoch) return false;
      return leases.holds(names.lease(partition), names.epoch(partition), token, epoch);
    },
    close() {
      closing ??= (async () => {
        stopped = true;
        if (timer) clearTimeout(timer);
        await running?.catch(() => undefined);
        // All at once: each hand-over waits for the partition's in-flight read (up to one BLOCK), so one after
        // another a detector with many partitions would take longer to stop than the shutdown timeout.
        await Promise.all([...owned.keys()].map((p) => release(p)));
        await leases.members(membersKey(names), token, 0).catch(() => undefined);
      })();
      return closing;
    },
    abandon() {
      // The map is kept: a frozen process still believes it owns its partitions, and only the fence says no.
      stopped = true;
      if (timer) clearTimeout(timer);
    },
  };
}
