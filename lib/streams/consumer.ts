// The one group-consumer loop: read a batch for a consumer group, hand it to a handler, acknowledge, reclaim what
// dead consumers left pending, back off on failures, stop on abort. The persister, the detector and realtime are
// handlers of it. A missing group (streams flushed under us) is recreated; after any other failure the consumer's
// own pending entries are read first again, so nothing delivered and unacknowledged is skipped. A NOACK consumer
// has no pending list: after a failure or a reconnect, each stream's next batch is preceded by what the group moved
// past since the last entry handled there (an answer Redis sent, or persisted, and the connection lost).
import type { Logger } from 'pino';
import { sleep } from '../lifecycle/sleep.js';
import { systemTimers, type TimerClock } from '../time/clock.js';
import { compareStreamIds } from './codec.js';
import { NoGroup } from './errors.js';
import type { GroupReader, ReadGroupRequest, StreamEntry, StreamRead, Streams } from './port.js';

export interface GroupHandler {
  /** The streams to read now; may change between reads (a detector's partitions). Empty: wait and ask again. */
  streams(): readonly string[];
  /** One read's entries, in stream order. Resolves once they are handled: then the loop acknowledges them (ack 'loop'). */
  handle(batch: StreamRead[], source: 'read' | 'pending' | 'claim'): Promise<void>;
  /** After a read that returned nothing (caught up), and while there is nothing to read. */
  idle?(): void | Promise<void>;
  /** Before each read: periodic work that must not run concurrently with handling (trim, flush). */
  beforeRead?(): Promise<void>;
  /**
   * The tenants whose entries this handler reads in full, asked before each read (ReadGroupRequest.payloadTenants):
   * other tenants' entries may come thin. The handler re-reads whole (lib/streams/thin.ts) a thin entry of a
   * tenant it took on since. Absent: every entry whole.
   */
  payloadTenants?(): readonly string[];
  /** With payloadTenants: of those, the tenants whose metric batches it reads in full (ReadGroupRequest.batchTenants). */
  batchTenants?(): readonly string[];
}

export interface ConsumerLoopOptions {
  streams: Streams;
  group: string;
  consumer: string;
  handler: GroupHandler;
  logger: Logger;
  /** Entries per stream per read; a function for an adaptive count. */
  count: number | (() => number);
  blockMs: number;
  /**
   * `loop`: acknowledged after handle() resolved; `handler`: the handler acknowledges (a detector, after storing
   * snapshots); `none`: read with NOACK (realtime: no pending list).
   */
  ack: 'loop' | 'handler' | 'none';
  /** Read this consumer's own pending entries (id 0) before new ones, at start and after a failure. Default: ack !== 'none'. */
  pendingFirst?: boolean;
  /** Take over entries pending on other consumers for at least minIdleMs, every everyMs. */
  reclaim?: { minIdleMs: number; everyMs: number };
  /** Request the next read while handling the current one (its round trip overlaps the work). Not with ack 'none'. */
  readAhead?: boolean;
  /**
   * After a read that filled no stream's count (the consumer keeps up), request the next one only this many ms
   * after that read came back (with readAhead: while the batch is handled), so each read brings what arrived
   * meanwhile, not the one or two entries of the moment: a handler whose cost is mostly per batch or per row
   * (the persister: a head row per series per write) then pays it for more data, for at most this much more
   * latency. A full read is followed at once, so a consumer that is behind reads as fast as without. Entries
   * are acknowledged as before. Default 0 (off).
   */
  lingerMs?: number;
  /** Creates the group on streams that lost it; default ensureGroup(streams, group, '0'). */
  recreateGroup?(streams: readonly string[]): Promise<void>;
  /** How long to wait when there is nothing to read (no streams). Default min(50, blockMs). */
  idleWaitMs?: number;
  retryBaseMs?: number;
  retryMaxMs?: number;
  /** Time for the reclaim schedule, the idle wait and retry backoffs (tests pass a manual clock). Default: the process's. */
  clock?: TimerClock;
}

export interface ConsumerLoop {
  /** Starts the loop (idempotent). */
  start(): void;
  /** Settles once no read is in flight (what a read delivers is pending on us by then). */
  settled(): Promise<void>;
  /** Stops reading, lets the batch in hand finish, closes the reader's connections. Idempotent. */
  close(): Promise<void>;
  /** Reads answered recently (readiness). */
  healthy(): boolean;
}

/** Full jitter between half and all of a capped exponential delay. */
export function backoffMs(attempt: number, baseMs: number, maxMs: number): number {
  const exp = Math.min(maxMs, baseMs * 2 ** Math.min(attempt, 30));
  return Math.round(exp / 2 + Math.random() * (exp / 2));
}

export function createConsumerLoop(o: ConsumerLoopOptions): ConsumerLoop {
  const { streams, group, consumer, handler, logger } = o;
  const clock = o.clock ?? systemTimers;
  const now = (): number => clock.now();
  const stop = new AbortController();
  const pendingFirst = o.pendingFirst ?? o.ack !== 'none';
  const count = (): number => (typeof o.count === 'function' ? o.count() : o.count);
  const recreate = (s: readonly string[]): Promise<void> => (o.recreateGroup ? o.recreateGroup(s) : streams.ensureGroup(s, group, '0'));
  let reader: GroupReader | undefined;
  let loop: Promise<void> | undefined;
  let closing: Promise<void> | undefined;
  let isHealthy = false;
  const noAck = o.ack === 'none';
  /** NOACK: the last entry handled per stream, where a re-read of what a lost answer carried starts. */
  const lastHandled = new Map<string, string>();
  /** NOACK: streams read before a reconnect or a failure, whose next entries may follow a gap. */
  const suspect = new Set<string>();

  async function ack(batch: readonly StreamRead[]): Promise<void> {
    if (o.ack !== 'loop') return;
    await Promise.all(batch.map(([stream, entries]) => streams.ack(stream, group, entries.map((e) => e[0]))));
  }

  async function handle(batch: StreamRead[], source: 'read' | 'pending' | 'claim'): Promise<void> {
    await handler.handle(batch, source);
    if (noAck) {
      for (const [stream, entries] of batch) {
        const last = entries[entries.length - 1];
        if (last) lastHandled.set(stream, last[0]);
      }
    }
    await ack(batch);
  }

  /**
   * NOACK: hands over, before `batch`, what the group moved past on a suspect stream without it reaching us: the
   * entries after the last one handled and before the batch's first. Only for streams in the batch: a read of
   * another shard may still be in flight (Redis Cluster) and bring its own entries later.
   */
  async function recoverMissed(batch: readonly StreamRead[]): Promise<void> {
    for (const [stream, entries] of batch) {
      const first = entries[0];
      const last = lastHandled.get(stream);
      if (!first || !suspect.delete(stream) || last === undefined) continue;
      let after = last;
      for (;;) {
        const range = await streams.rangeAfter(stream, after, count());
        const missed = range.filter((e) => compareStreamIds(e[0], first[0]) < 0);
        if (missed.length === 0) break;
        logger.warn({ stream, group, entries: missed.length }, 're-read entries a lost answer had carried');
        await handle([[stream, missed]], 'read');
        after = (missed[missed.length - 1] as StreamEntry)[0];
        if (missed.length < range.length || range.length < count()) break;
      }
    }
  }

  /** Takes over entries idle on other (dead) consumers and handles them; bounded per pass. */
  async function reclaim(keys: readonly string[], minIdleMs: number): Promise<void> {
    for (const stream of keys) {
      let cursor = '0-0';
      for (let round = 0; round < 10 && !stop.signal.aborted; round++) {
        const { next, entries } = await streams.autoclaim(stream, group, consumer, minIdleMs, cursor, count());
        if (entries.length > 0) {
          logger.info({ stream, entries: entries.length }, 'reclaimed entries from an idle consumer');
          await handle([[stream, entries]], 'claim');
        }
        if (next === '0-0') break;
        cursor = next;
      }
    }
  }

  const lingerMs = o.lingerMs ?? 0;
  /** Whether some stream of the read brought a full count (more may be waiting). */
  const full = (batch: readonly StreamRead[], n: number): boolean => batch.some(([, entries]) => entries.length >= n);

  async function run(r: GroupReader): Promise<void> {
    let ownPending = pendingFirst;
    let failures = 0;
    let nextReclaimAt = 0;
    let ahead: Promise<StreamRead[]> | undefined;
    /** The count `ahead` was requested with (the count may have moved since). */
    let aheadCount = 0;
    /** The linger: no read before this time. */
    let nextReadAt = 0;
    /** Bumped on a failure: a lingering read requested before it is dropped unsent (its batch would be). */
    let epoch = 0;
    const read = async (request: Parameters<GroupReader['read']>[0]): Promise<StreamRead[]> => {
      const wait = nextReadAt - now();
      if (wait > 0) {
        const at = epoch;
        await sleep(wait, stop.signal, clock);
        if (stop.signal.aborted || at !== epoch) return [];
        // The streams as the handler names them now: one it gave up while the read waited (a detector's released
        // partition, whose release waited only for reads in flight) must not be read on its behalf.
        const keys = handler.streams();
        if (keys.length === 0) return [];
        request = { ...request, streams: keys };
      }
      return r.read(request);
    };
    while (!stop.signal.aborted) {
      const keys = handler.streams();
      try {
        if (keys.length === 0) {
          await handler.idle?.();
          await sleep(o.idleWaitMs ?? Math.min(50, o.blockMs), stop.signal, clock);
          continue;
        }
        if (o.reclaim && now() >= nextReclaimAt) {
          nextReclaimAt = now() + o.reclaim.everyMs;
          await reclaim(keys, o.reclaim.minIdleMs);
        }
        await handler.beforeRead?.();
        const request: ReadGroupRequest = { group, consumer, streams: keys, count: count(), blockMs: o.blockMs, noAck: o.ack === 'none' };
        const tenants = handler.payloadTenants?.();
        if (tenants) {
          request.payloadTenants = tenants;
          const batches = handler.batchTenants?.();
          if (batches) request.batchTenants = batches;
        }
        let batch: StreamRead[];
        if (ownPending) {
          batch = await streams.readGroup({ ...request, from: '0' });
          if (batch.length === 0) ownPending = false;
        } else {
          const pending = ahead;
          ahead = undefined;
          batch = await (pending ?? read(request));
          if (lingerMs > 0) nextReadAt = batch.length > 0 && !full(batch, pending ? aheadCount : request.count) ? now() + lingerMs : 0;
          if (noAck) {
            if (r.reconnected?.() === true) for (const k of lastHandled.keys()) suspect.add(k);
            if (suspect.size > 0) await recoverMissed(batch);
          }
        }
        isHealthy = true;
        failures = 0;
        if (stop.signal.aborted && o.ack === 'handler') break; // a closing detector leaves new entries pending
        if (batch.length === 0) {
          await handler.idle?.();
          continue;
        }
        if (o.readAhead && !ownPending && !stop.signal.aborted) {
          ahead = read(request);
          aheadCount = request.count;
          ahead.catch(() => undefined); // awaited on the next turn; this only marks it handled meanwhile
        }
        await handle(batch, ownPending ? 'pending' : 'read');
      } catch (err) {
        if (stop.signal.aborted) break;
        if (err instanceof NoGroup) {
          // The streams were deleted under us (a flush): recreate the groups and go on.
          logger.warn({ group }, 'consumer group missing; recreating it');
          await recreate(keys).catch((e: unknown) => logger.warn({ err: e }, 'recreating the consumer group failed'));
          continue;
        }
        // Whatever was delivered to us and not acknowledged (this batch, one read ahead) is re-read by id 0; a
        // NOACK consumer re-reads by range after its next read.
        ownPending = pendingFirst;
        if (noAck) for (const k of lastHandled.keys()) suspect.add(k);
        ahead = undefined;
        epoch++;
        nextReadAt = 0;
        isHealthy = false;
        failures++;
        const delay = backoffMs(failures, o.retryBaseMs ?? 50, o.retryMaxMs ?? 2_000);
        logger.warn({ err, retryInMs: delay, group }, 'consumer loop error');
        await sleep(delay, stop.signal, clock);
      }
    }
    await ahead?.catch(() => undefined);
  }

  return {
    start() {
      if (loop || stop.signal.aborted) return;
      reader = streams.reader(`${group}:${consumer}`);
      isHealthy = true; // the caller has just talked to Redis (groups); a failed read clears this
      loop = run(reader);
    },
    settled: () => reader?.settled() ?? Promise.resolve(),
    healthy: () => isHealthy && !stop.signal.aborted,
    close() {
      closing ??= (async () => {
        stop.abort();
        // Closing the reader interrupts a blocking read at once instead of waiting out its BLOCK.
        await reader?.close();
        await loop;
      })();
      return closing;
    },
  };
}
