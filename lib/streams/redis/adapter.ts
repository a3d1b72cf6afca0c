// The ioredis adapter of the streams port, for one Redis, a Redis Cluster or a Sentinel-managed master. It knows
// the topology: on a Cluster, multi-key work is split by slot (one XREADGROUP per slot: keys of different slots
// cannot share a command) and pipelines go per slot owner; with minReplicasAck N, appends wait for `WAIT N`.
// Failures leave here only as the port's typed errors (map-error.ts).
import { randomBytes } from 'node:crypto';
import type { ChainableCommander, Cluster, Pipeline } from 'ioredis';
import { Closed, NoReplicas, NoStream, StreamsError } from '../errors.js';
import type { AppendEntry, GroupState, IdempotencyBegin, ReadGroupRequest, StreamPage, StreamRead, Streams } from '../port.js';
import { connectClient, newClient, xreadgroup, type RedisClient, type RedisTopology } from './connect.js';
import { appendCall, appendCommand, type AppendCall } from './append.js';
import { isNoScript, mapRedisError } from './map-error.js';
import { createRedisReader } from './reader.js';
import { field, parseClaim, parseEntries, parseGroups, parsePendingSummary, parseRead } from './replies.js';
import {
  ACQUIRE_LUA,
  FENCE_LUA,
  IDEM_ABORT_LUA,
  IDEM_BEGIN_LUA,
  IDEM_RELEASE_LUA,
  IDEM_RENEW_LUA,
  MEMBERS_LUA,
  READ_THIN_LUA,
  RELEASE_LUA,
  RENEW_LUA,
  WINDOW_ADD_LUA,
  WINDOWS_TAKE_LUA,
} from './scripts.js';
import { keySlot } from './slot.js';

export interface RedisStreamsOptions {
  topology: RedisTopology;
  /** Connection name prefix (CLIENT LIST). */
  name: string;
  /** Replicas that must confirm an append (`WAIT N`) before it resolves; 0: the master's reply is enough. */
  minReplicasAck?: number;
  /** How long `WAIT` waits for them (default 1000 ms); short of N by then, the append fails with NoReplicas. */
  replicaAckTimeoutMs?: number;
  connectTimeoutMs?: number;
  /**
   * How long an entry's append key is remembered (default 5 min): a resend of the entry within this window is
   * not written again. It must outlast the client's resend of an unanswered command after a reconnect (up to
   * maxRetriesPerRequest reconnects, lib/streams/redis/connect.ts); each remembered key costs about 100 bytes.
   */
  appendDedupWindowMs?: number;
}

/** Default of RedisStreamsOptions.appendDedupWindowMs. */
export const DEFAULT_APPEND_DEDUP_WINDOW_MS = 300_000;

type Reply = [Error | null, unknown];

const toBuffer = (v: unknown): string => (Buffer.isBuffer(v) ? v.toString('utf8') : String(v));

/** Connects and returns the adapter; rejects with one line naming the topology when Redis cannot be reached. */
export async function createRedisStreams(options: RedisStreamsOptions): Promise<Streams> {
  const { topology } = options;
  const client = newClient(topology, `${options.name}`);
  await connectClient(client, topology, options.connectTimeoutMs);
  return redisStreams(client, options);
}

const READ_THIN_COMMAND = 'lightwatchReadThin';

/**
 * A reader's connection with the thin read script defined (numkeys first: the stream count varies), called in its
 * Buffer variant (ioredis defines `<name>Buffer` too): entries are parsed from Buffers (replies.ts).
 */
type ReadThin = Record<`${typeof READ_THIN_COMMAND}Buffer`, (...args: Array<string | number>) => Promise<unknown>>;

/** The indexes of `items` grouped by `keyOf` (by slot, by node), groups in the order of their first item. */
function groupIndexes<T, K>(items: readonly T[], keyOf: (item: T) => K): number[][] {
  const groups = new Map<K, number[]>();
  items.forEach((item, i) => {
    const k = keyOf(item);
    let g = groups.get(k);
    if (!g) groups.set(k, (g = []));
    g.push(i);
  });
  return [...groups.values()];
}

function redisStreams(client: RedisClient, options: RedisStreamsOptions): Streams {
  const { topology } = options;
  const isCluster = topology.kind === 'cluster';
  const minReplicas = options.minReplicasAck ?? 0;
  const waitMs = options.replicaAckTimeoutMs ?? 1_000;
  const dedupWindow = String(options.appendDedupWindowMs ?? DEFAULT_APPEND_DEDUP_WINDOW_MS);
  // Append keys made up for entries without one: unique across processes (random prefix), cheap per entry.
  const keyPrefix = randomBytes(9).toString('base64url');
  let keySeq = 0;
  const readers = new Set<{ close(): Promise<void> }>();
  const subscribers = new Set<RedisClient>();
  let closed = false;
  let closing: Promise<void> | undefined;

  const fail = (err: unknown, what: string): StreamsError => (closed ? new Closed(`${what}: the streams connection is closed`, err) : mapRedisError(err, what));

  async function run<T>(what: string, fn: () => Promise<T>): Promise<T> {
    if (closed) throw new Closed();
    try {
      return await fn();
    } catch (err) {
      throw fail(err, what);
    }
  }

  /** Who serves `key`: on a Cluster the slot owner's node list (slots of one master share it), else one group. */
  const ownerOf = (key: string): string => {
    if (!isCluster) return '';
    const slot = keySlot(key);
    return (client as { slots?: string[][] }).slots?.[slot]?.join(',') ?? `slot:${slot}`;
  };

  /**
   * Runs commands in one pipeline per slot owner, all owners at once; replies in input order. A whole pipeline
   * failing rejects; a command failing is reported in its reply. `tail` adds a command after each owner's batch
   * (WAIT); its replies come back per owner.
   */
  async function pipelined<T>(
    items: readonly T[],
    keyOf: (item: T) => string,
    add: (p: ChainableCommander, item: T) => void,
    what: string,
    tail?: (p: ChainableCommander) => void,
  ): Promise<{ replies: Reply[]; tails: Reply[] }> {
    if (closed) throw new Closed();
    const groups = groupIndexes(items, (item) => ownerOf(keyOf(item)));
    const replies = new Array<Reply>(items.length);
    const tails: Reply[] = [];
    await Promise.all(
      groups.map(async (idx) => {
        const p = client.pipeline();
        for (const i of idx) add(p, items[i] as T);
        tail?.(p);
        let res: Reply[] | null;
        try {
          res = await p.exec();
        } catch (err) {
          throw fail(err, what);
        }
        idx.forEach((i, k) => {
          replies[i] = res?.[k] ?? [new Error('no reply'), null];
        });
        // A pipeline sent to a node that no longer owns the slot (a failover, a resharding) gets MOVED/READONLY
        // per command, and ioredis follows a pipeline's redirections only when every reply is one (a trailing WAIT
        // answered by a demoted master is not): ask for the slot map now, so the caller's retry goes to the owner.
        if (isCluster && res?.some(([err]) => err instanceof Error && /^(MOVED|ASK|READONLY)|replica instances/.test(err.message))) {
          (client as Cluster).refreshSlotsCache();
        }
        if (tail) tails.push(res?.[idx.length] ?? [new Error('no reply'), null]);
      }),
    );
    return { replies, tails };
  }

  /** Streams split by slot: what one XREADGROUP may name together. */
  const bySlot = (keys: readonly string[]): string[][] => {
    if (!isCluster) return keys.length > 0 ? [[...keys]] : [];
    return groupIndexes(keys, keySlot).map((g) => g.map((i) => keys[i] as string));
  };

  /** Indexes of the entries one append call may write together: all on one Redis, those of one slot on a Cluster. */
  const appendGroups = (entries: readonly AppendEntry[]): number[][] => {
    if (!isCluster) return [entries.map((_, i) => i)];
    return groupIndexes(entries, (e) => keySlot(e.stream));
  };

  /**
   * Sends the append calls (by the script's SHA1, or `byText`); a reply per call, with WAIT's per owner when
   * minReplicasAck is set. A call failing, NOSCRIPT among others, is reported in its reply.
   */
  async function appendCalls(calls: readonly AppendCall[], byText: boolean): Promise<{ replies: Reply[]; tails: Reply[] }> {
    if (calls.length === 1 && minReplicas === 0 && !isCluster) {
      // Nothing to pipeline with: the command alone, without a pipeline's bookkeeping and its copy of the bytes.
      // Not on a Cluster: there the pipeline path asks for the slot map after MOVED/READONLY replies, and the
      // fresh-clone CI run of 68fe9fb saw an append alone fail without a retryable error during a master failover.
      if (closed) throw new Closed();
      try {
        return { replies: [[null, await client.sendCommand(appendCommand(calls[0] as AppendCall, byText))]], tails: [] };
      } catch (err) {
        if (isNoScript(err)) return { replies: [[err as Error, null]], tails: [] };
        throw fail(err, 'appending to the streams');
      }
    }
    return pipelined(
      calls,
      (c) => c.keys[0] as string,
      (p, c) => void (p as unknown as Pick<Pipeline, 'sendCommand'>).sendCommand(appendCommand(c, byText)),
      'appending to the streams',
      minReplicas > 0 ? (p) => void p.call('WAIT', String(minReplicas), String(waitMs)) : undefined,
    );
  }

  const readArgs = (r: ReadGroupRequest, keys: readonly string[], block: boolean): Array<string | number> => [
    'GROUP',
    r.group,
    r.consumer,
    'COUNT',
    r.count,
    ...(block && r.blockMs ? ['BLOCK', r.blockMs] : []),
    ...(r.noAck ? ['NOACK'] : []),
    'STREAMS',
    ...keys,
    ...keys.map(() => r.from ?? '>'),
  ];

  const streams: Streams = {
    topology: topology.kind,

    async append(entries: readonly AppendEntry[]) {
      if (entries.length === 0) return [];
      // The XADDs go in through APPEND_MANY_LUA under an append key per call: ioredis re-sends commands that were
      // unanswered when a connection broke, and one Redis ran before it was killed would else write its entries
      // twice. One call for all the entries on one Redis, one per slot on a Cluster: a call per entry (a request's
      // 16 partitions, 16 EVALSHA) cost the client and Redis each command's overhead 16 times. The calls are made
      // once: a retry by text after NOSCRIPT repeats them with the same keys, so a call that did run is not run twice.
      const groups = appendGroups(entries);
      const calls = groups.map((g) => appendCall(entries, g, `${keyPrefix}${(keySeq++).toString(36)}`, dedupWindow));
      let { replies, tails } = await appendCalls(calls, false);
      if (replies.some(([err]) => isNoScript(err))) ({ replies, tails } = await appendCalls(calls, true));
      const ids = new Array<string>(entries.length);
      replies.forEach(([err, reply], g) => {
        const group = groups[g] as number[];
        const got = typeof reply === 'string' ? reply.split(' ') : [];
        if (err || got.length !== group.length) throw fail(err ?? new Error('no ids returned'), 'appending to the streams');
        group.forEach((i, k) => {
          ids[i] = got[k] as string;
        });
      });
      for (const [err, n] of tails) {
        if (err) throw fail(err, 'waiting for replicas');
        if (Number(n) < minReplicas) {
          throw new NoReplicas(`only ${Number(n)} of ${minReplicas} replicas confirmed the append within ${waitMs} ms (REDIS_MIN_REPLICAS_ACK)`);
        }
      }
      return ids;
    },

    async ensureGroup(keys, group, from) {
      const { replies } = await pipelined(keys, (k) => k, (p, k) => void p.xgroup('CREATE', k, group, from, 'MKSTREAM'), `creating group ${group}`);
      for (const [err] of replies) {
        if (!err) continue;
        const e = mapRedisError(err, `creating group ${group}`);
        if (e.code !== 'busy_group') throw e;
      }
    },

    async destroyGroup(keys, group) {
      const { replies } = await pipelined(keys, (k) => k, (p, k) => void p.xgroup('DESTROY', k, group), `removing group ${group}`);
      let n = 0;
      for (const [err, v] of replies) {
        if (err) {
          const e = mapRedisError(err, `removing group ${group}`);
          if (e instanceof NoStream) continue; // no stream, no group
          throw e;
        }
        n += Number(v);
      }
      return n;
    },

    async groupState(keys, group) {
      const { replies } = await pipelined(
        keys.flatMap((k) => [k, k]),
        (k) => k,
        (() => {
          let odd = false;
          return (p: ChainableCommander, k: string) => {
            if (odd) p.xpending(k, group);
            else p.xinfo('GROUPS', k);
            odd = !odd;
          };
        })(),
        `reading group ${group}`,
      );
      return keys.map((_, i): GroupState | null => {
        const [infoErr, info] = replies[2 * i] as Reply;
        const [pendErr, pend] = replies[2 * i + 1] as Reply;
        for (const err of [infoErr, pendErr]) {
          if (!err) continue;
          const e = mapRedisError(err, `reading group ${group}`);
          if (e.code === 'no_stream' || e.code === 'no_group') return null;
          throw e;
        }
        const g = parseGroups(info).find((x) => x.name === group);
        if (!g) return null;
        const summary = parsePendingSummary(pend);
        return { consumers: g.consumers, pending: g.pending, minPendingId: summary.minId, lastDeliveredId: g.lastDeliveredId, lag: g.lag };
      });
    },

    async readGroup(r) {
      const slots = bySlot(r.streams);
      const { replies } = await pipelined(
        slots,
        (keys) => keys[0] as string,
        (p, keys) => void xreadgroup(p, readArgs({ ...r, blockMs: 0 }, keys, false)),
        `reading group ${r.group}`,
      );
      const out: StreamRead[] = [];
      for (const [err, reply] of replies) {
        if (err) throw fail(err, `reading group ${r.group}`);
        out.push(...parseRead(reply));
      }
      return out;
    },

    reader(name) {
      const reader = createRedisReader({
        open: (shard) => {
          const c = newClient(topology, `${options.name}:${name}:${shard}`, true);
          c.defineCommand(READ_THIN_COMMAND, { lua: READ_THIN_LUA });
          return c;
        },
        shards: (keys) => bySlot(keys).map((g): [string, string[]] => [isCluster ? `slot${keySlot(g[0] as string)}` : 'all', g]),
        args: (r, keys) => readArgs(r, keys, true),
        readThin: (c, r, keys) =>
          (c as unknown as ReadThin)[`${READ_THIN_COMMAND}Buffer`](
            keys.length,
            ...keys,
            r.group,
            r.consumer,
            r.count,
            r.noAck ? '1' : '0',
            r.payloadTenants?.length ?? 0,
            ...(r.payloadTenants ?? []),
            r.batchTenants ? '1' : '0',
            ...(r.batchTenants ?? []),
          ),
        fail: (err, what) => mapRedisError(err, what),
        onClose: () => readers.delete(reader),
      });
      readers.add(reader);
      return reader;
    },

    async ack(key, group, ids) {
      let n = 0;
      for (let i = 0; i < ids.length; i += 5000) {
        n += await run(`acknowledging on ${key}`, () => client.xack(key, group, ...ids.slice(i, i + 5000)));
      }
      return n;
    },

    async autoclaim(key, group, consumer, minIdleMs, cursor, count) {
      const reply = await run(`claiming on ${key}`, () => client.callBuffer('XAUTOCLAIM', key, group, consumer, minIdleMs, cursor, 'COUNT', count));
      return parseClaim(reply);
    },

    async rangeAfter(key, afterId, count) {
      return parseEntries(await run(`reading ${key}`, () => client.xrangeBuffer(key, `(${afterId}`, '+', 'COUNT', count)));
    },

    async page(key, start, count): Promise<StreamPage> {
      const replies = await run<Reply[] | null>(`replay read of ${key}`, () => client.multi().xinfo('STREAM', key).xrangeBuffer(key, start, '+', 'COUNT', count).exec());
      if (!replies || replies.length < 2) throw fail(new Error('transaction aborted'), `replay read of ${key}`);
      const [[infoErr, info], [rangeErr, range]] = replies as [Reply, Reply];
      if (infoErr) {
        const e = mapRedisError(infoErr, `replay read of ${key}`);
        if (e.code === 'no_stream') return { exists: false, length: 0, entriesAdded: 0, firstId: '0-0', maxDeletedId: '0-0', lastGeneratedId: '0-0', entries: [] };
        throw e;
      }
      if (rangeErr) throw fail(rangeErr, `replay read of ${key}`);
      const maxDeleted = field(info, 'max-deleted-entry-id');
      const lastGenerated = field(info, 'last-generated-id');
      const entriesAdded = field(info, 'entries-added');
      const length = field(info, 'length');
      if (typeof maxDeleted !== 'string' || typeof lastGenerated !== 'string' || typeof entriesAdded !== 'number' || typeof length !== 'number') {
        // Redis before 7.0 reports neither deletions nor additions, so a resume could not tell a gap from no gap.
        throw new StreamsError('failed', 'XINFO STREAM lacks max-deleted-entry-id/entries-added: Lightwatch needs Redis 7.0 or later', false);
      }
      const first = field(info, 'first-entry');
      return {
        exists: true,
        length,
        entriesAdded,
        firstId: Array.isArray(first) && typeof first[0] === 'string' ? first[0] : '0-0',
        maxDeletedId: maxDeleted,
        lastGeneratedId: lastGenerated,
        entries: parseEntries(range),
      };
    },

    async trimBelow(targets) {
      const { replies } = await pipelined(targets, (t) => t[0], (p, [key, minId]) => void p.xtrim(key, 'MINID', '~', minId), 'trimming the streams');
      let n = 0;
      for (const [err, v] of replies) if (!err) n += Number(v);
      return n;
    },

    async usedMemory() {
      const nodes = isCluster ? (client as Cluster).nodes('master') : [client];
      const infos = await Promise.all(nodes.map((n) => n.info('memory').catch(() => '')));
      let max: number | undefined;
      for (const info of infos) {
        const m = /^used_memory:(\d+)/m.exec(info);
        if (m) max = Math.max(max ?? 0, Number(m[1]));
      }
      return max;
    },

    leases: {
      async acquire(leaseKey, epochKey, token, ttlMs) {
        if (minReplicas === 0) return Number(await run('acquiring a lease', () => client.eval(ACQUIRE_LUA, 2, leaseKey, epochKey, token, String(ttlMs))));
        // A lease and its epoch lost in a failover would let a second owner take the partition with the same
        // epoch, defeating the fence: the lease counts only once N replicas hold it.
        const { replies, tails } = await pipelined(
          [leaseKey],
          (k) => k,
          (p) => void p.eval(ACQUIRE_LUA, 2, leaseKey, epochKey, token, String(ttlMs)),
          'acquiring a lease',
          (p) => void p.call('WAIT', String(minReplicas), String(waitMs)),
        );
        const [err, epoch] = replies[0] as Reply;
        if (err) throw fail(err, 'acquiring a lease');
        const [waitErr, acked] = tails[0] as Reply;
        if (Number(epoch) > 0 && (waitErr || Number(acked) < minReplicas)) {
          await client.eval(RELEASE_LUA, 1, leaseKey, token).catch(() => undefined);
          return 0;
        }
        return Number(epoch);
      },
      async renew(keys, token, ttlMs) {
        const { replies } = await pipelined(keys, (k) => k, (p, k) => void p.eval(RENEW_LUA, 1, k, token, String(ttlMs)), 'renewing leases');
        return replies.map(([err, v]) => {
          if (err) throw fail(err, 'renewing leases');
          return Number(v) === 1;
        });
      },
      async release(leaseKey, token) {
        return Number(await run('releasing a lease', () => client.eval(RELEASE_LUA, 1, leaseKey, token))) === 1;
      },
      async holds(leaseKey, epochKey, token, epoch) {
        return Number(await run('checking a lease', () => client.eval(FENCE_LUA, 2, leaseKey, epochKey, token, String(epoch)))) === 1;
      },
      async members(setKey, member, ttlMs) {
        const reply = await run('reading members', () => client.eval(MEMBERS_LUA, 1, setKey, member, String(ttlMs)));
        return (reply as unknown[]).map(toBuffer).sort();
      },
      async lock(key, owner, ttlMs) {
        return (await run('taking a lock', () => client.set(key, owner, 'PX', ttlMs, 'NX'))) === 'OK';
      },
    },

    idempotency: {
      async begin(key, fp, now, leaseMs, ttlMs, holder): Promise<IdempotencyBegin> {
        const [state, value] = (await run('reading an idempotency key', () =>
          client.eval(IDEM_BEGIN_LUA, 1, key, fp, String(now), String(leaseMs), String(ttlMs), holder),
        )) as [string, string];
        return state === 'new' ? { state: 'new', receivedAt: Number(value) } : { state: 'existing', value: toBuffer(value) };
      },
      async renew(key, fp, holder, now, leaseMs) {
        return Number(await run('renewing an idempotency key', () => client.eval(IDEM_RENEW_LUA, 1, key, fp, holder, String(now), String(leaseMs)))) === 1;
      },
      async complete(key, value, ttlMs) {
        await run('storing an idempotent answer', () => client.set(key, value, 'PX', ttlMs));
      },
      async release(key, fp) {
        await run('releasing an idempotency key', () => client.eval(IDEM_RELEASE_LUA, 1, key, `P|${fp}|`));
      },
      async abort(key, fp) {
        await run('removing an idempotency key', () => client.eval(IDEM_ABORT_LUA, 1, key, `P|${fp}|`));
      },
    },

    notifications: {
      async publish(channel, message) {
        await run(`publishing on ${channel}`, () => client.publish(channel, message));
      },
      async subscribe(channel, onMessage) {
        const sub = newClient(topology, `${options.name}:sub`, true);
        sub.on('error', () => undefined); // reconnects on its own; messages sent meanwhile are missed (at-most-once)
        let active = true;
        sub.on('message', (ch: string, message: string) => {
          if (active && ch === channel) onMessage(message);
        });
        subscribers.add(sub);
        try {
          await sub.subscribe(channel);
        } catch (err) {
          subscribers.delete(sub);
          sub.disconnect();
          throw fail(err, `subscribing to ${channel}`);
        }
        return async () => {
          active = false;
          subscribers.delete(sub);
          sub.disconnect();
        };
      },
    },

    counters: {
      async take(windows) {
        if (windows.length === 0) return { ok: true };
        const keys = windows.map((w) => w.key);
        const args = windows.flatMap((w) => [String(w.limit), String(Math.max(1, Math.ceil(w.windowMs))), w.charge ? '1' : '0']);
        const [index, ttl] = (await run('taking from counters', () => client.eval(WINDOWS_TAKE_LUA, keys.length, ...keys, ...args))) as [number, number];
        return Number(index) === 0 ? { ok: true } : { ok: false, index: Number(index) - 1, retryAfterMs: Math.max(1, Number(ttl)) };
      },
      async add(key, windowMs) {
        await run('adding to a counter', () => client.eval(WINDOW_ADD_LUA, 1, key, String(Math.max(1, Math.ceil(windowMs)))));
      },
      async mark(key, ttlMs) {
        await run('setting a mark', () => client.set(key, '1', 'PX', Math.max(1, Math.ceil(ttlMs))));
      },
      async isMarked(key) {
        return (await run('reading a mark', () => client.exists(key))) === 1;
      },
    },

    async ping() {
      await run('ping', () => client.ping());
    },
    ready: () => !closed && client.status === 'ready',
    close() {
      closing ??= (async () => {
        closed = true;
        await Promise.all([...readers].map((r) => r.close()));
        for (const s of subscribers) s.disconnect();
        subscribers.clear();
        await client.quit().catch(() => client.disconnect());
      })();
      return closing;
    },
  };
  return streams;
}
