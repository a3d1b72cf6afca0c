// The in-memory streams adapter: Redis Streams semantics (ids, consumer groups, pending lists, XAUTOCLAIM,
// MINID trimming, blocking reads), leases, idempotency records and notifications, in one process. For fast
// tests of the services' handlers and for the contract suite's reference run; time comes from `now` so a test
// drives idle times and TTLs with its own clock.
import { Closed, NoGroup } from '../errors.js';
import type {
  AppendEntry,
  ClaimResult,
  FieldValue,
  GroupReader,
  GroupState,
  IdempotencyBegin,
  ReadGroupRequest,
  StreamEntry,
  StreamPage,
  StreamRead,
  Streams,
} from '../port.js';
import { compareStreamIds, fieldsForRead, readValue } from '../codec.js';

interface Pending {
  consumer: string;
  deliveredAt: number;
  count: number;
}

interface Group {
  lastDelivered: string;
  pel: Map<string, Pending>;
  consumers: Set<string>;
}

interface Stream {
  entries: StreamEntry[];
  lastMs: number;
  lastSeq: number;
  added: number;
  maxDeleted: string;
  groups: Map<string, Group>;
}

interface Value {
  value: string;
  expiresAt: number;
}

export interface MemoryStreamsOptions {
  now?: () => number;
  /** How long an entry's append key is remembered (default 5 min, as the Redis adapter's). */
  appendDedupWindowMs?: number;
}

/** An entry's fields as Redis keeps them and readers get them (codec's readValue); bytes copied, as Redis holds its own. */
function storedFields(fields: ReadonlyArray<string | Buffer>): FieldValue[] {
  const out = new Array<FieldValue>(fields.length);
  for (let i = 0; i < fields.length; i += 2) {
    const f = fields[i] as string | Buffer;
    const name = typeof f === 'string' ? f : f.toString('utf8');
    out[i] = name;
    if (i + 1 < fields.length) {
      const v = readValue(name, fields[i + 1] as string | Buffer);
      out[i + 1] = typeof v === 'string' ? v : Buffer.from(v);
    }
  }
  return out;
}

/** XRANGE start syntax: `(id` exclusive, `-` the start, else inclusive. */
function afterStart(start: string): (id: string) => boolean {
  if (start === '-') return () => true;
  if (start.startsWith('(')) {
    const from = start.slice(1);
    return (id) => compareStreamIds(id, from) > 0;
  }
  return (id) => compareStreamIds(id, start) >= 0;
}

export function createMemoryStreams(options: MemoryStreamsOptions = {}): Streams {
  const now = options.now ?? Date.now;
  const dedupWindow = options.appendDedupWindowMs ?? 300_000;
  const streams = new Map<string, Stream>();
  const values = new Map<string, Value>();
  const subscribers = new Map<string, Set<(m: string) => void>>();
  /** Wakes blocked readers after an append. */
  const waiters = new Set<() => void>();
  const readers = new Set<GroupReader>();
  let closed = false;

  const check = (): void => {
    if (closed) throw new Closed();
  };

  const get = (key: string): string | undefined => {
    const v = values.get(key);
    if (!v) return undefined;
    if (v.expiresAt <= now()) {
      values.delete(key);
      return undefined;
    }
    return v.value;
  };
  const set = (key: string, value: string, ttlMs: number): void => {
    values.set(key, { value, expiresAt: ttlMs > 0 ? now() + ttlMs : Infinity });
  };
  const keepTtl = (key: string, value: string): void => {
    const v = values.get(key);
    values.set(key, { value, expiresAt: v?.expiresAt ?? Infinity });
  };

  /** Adds 1 to a fixed-window counter; its window starts with its first hit. */
  const addTo = (key: string, windowMs: number): void => {
    const count = get(key);
    if (count === undefined) set(key, '1', Math.max(1, windowMs));
    else keepTtl(key, String(Number(count) + 1));
  };

  const streamOf = (key: string, create: boolean): Stream | undefined => {
    let s = streams.get(key);
    if (!s && create) {
      s = { entries: [], lastMs: 0, lastSeq: 0, added: 0, maxDeleted: '0-0', groups: new Map() };
      streams.set(key, s);
    }
    return s;
  };

  const groupOf = (key: string, group: string): Group => {
    const g = streams.get(key)?.groups.get(group);
    if (!g) throw new NoGroup(`NOGROUP no consumer group '${group}' on stream '${key}'`);
    return g;
  };

  const trimTo = (s: Stream, keep: (e: StreamEntry) => boolean): number => {
    const before = s.entries.length;
    s.entries = s.entries.filter(keep);
    const live = new Set(s.entries.map((e) => e[0]));
    for (const g of s.groups.values()) for (const id of g.pel.keys()) if (!live.has(id)) g.pel.delete(id);
    return before - s.entries.length;
  };

  /** `thin`: a GroupReader's read, which honours payloadTenants as the Redis adapter's does. */
  function readNow(r: ReadGroupRequest, thin = false): StreamRead[] {
    check();
    const out: StreamRead[] = [];
    const whole = thin && r.payloadTenants !== undefined ? new Set(r.payloadTenants) : undefined;
    const batches = whole && r.batchTenants !== undefined ? new Set(r.batchTenants) : undefined;
    for (const key of r.streams) {
      const s = streams.get(key);
      const g = groupOf(key, r.group);
      g.consumers.add(r.consumer);
      const picked: StreamEntry[] = [];
      if ((r.from ?? '>') === '0') {
        const ids = [...g.pel.entries()].filter(([, p]) => p.consumer === r.consumer).map(([id]) => id).sort(compareStreamIds);
        const byId = new Map((s?.entries ?? []).map((e) => [e[0], e]));
        for (const id of ids.slice(0, r.count)) {
          const e = byId.get(id);
          if (e) picked.push([e[0], [...e[1]]]);
        }
      } else {
        for (const e of s?.entries ?? []) {
          if (picked.length >= r.count) break;
          if (compareStreamIds(e[0], g.lastDelivered) <= 0) continue;
          picked.push([e[0], whole ? fieldsForRead(e[1], whole, batches) : [...e[1]]]);
          g.lastDelivered = e[0];
          if (!r.noAck) g.pel.set(e[0], { consumer: r.consumer, deliveredAt: now(), count: 1 });
        }
      }
      if (picked.length > 0) out.push([key, picked]);
    }
    return out;
  }

  function newReader(): GroupReader {
    let inFlight: Promise<unknown> = Promise.resolve();
    let wake: (() => void) | undefined;
    let readerClosed = false;
    const reader: GroupReader = {
      read(r) {
        const run = (async (): Promise<StreamRead[]> => {
          for (;;) {
            if (readerClosed) throw new Closed('the reader is closed');
            const got = readNow(r, true);
            if (got.length > 0 || !r.blockMs || (r.from ?? '>') === '0') return got;
            // Wait for an append (or the block time), then look once more.
            const timedOut = await new Promise<boolean>((resolve) => {
              const timer = setTimeout(() => done(true), r.blockMs);
              const done = (t: boolean): void => {
                clearTimeout(timer);
                waiters.delete(onAppend);
                wake = undefined;
                resolve(t);
              };
              const onAppend = (): void => done(false);
              waiters.add(onAppend);
              wake = () => done(false);
            });
            if (readerClosed) throw new Closed('the reader is closed');
            if (timedOut) return readNow(r, true);
          }
        })();
        inFlight = run.catch(() => undefined);
        return run;
      },
      settled: () => inFlight.then(() => undefined),
      async close() {
        readerClosed = true;
        readers.delete(reader);
        wake?.();
        await inFlight;
      },
    };
    readers.add(reader);
    return reader;
  }

  const streamsApi: Streams = {
    topology: 'memory',
    async append(entries: readonly AppendEntry[]) {
      check();
      const ids: string[] = [];
      for (const a of entries) {
        const appendKey = a.key === undefined ? undefined : `\0appended\0${a.stream}\0${a.key}`;
        const first = appendKey === undefined ? undefined : get(appendKey);
        if (first !== undefined) {
          ids.push(first);
          continue;
        }
        const s = streamOf(a.stream, true) as Stream;
        const t = now();
        if (t > s.lastMs) {
          s.lastMs = t;
          s.lastSeq = 0;
        } else {
          s.lastSeq++;
        }
        const id = `${s.lastMs}-${s.lastSeq}`;
        s.entries.push([id, storedFields(a.fields)]);
        s.added++;
        if (a.maxLen !== undefined && s.entries.length > a.maxLen) {
          const cut = (s.entries[s.entries.length - a.maxLen] as StreamEntry)[0];
          trimTo(s, (e) => compareStreamIds(e[0], cut) >= 0);
        }
        if (appendKey !== undefined) set(appendKey, id, dedupWindow);
        ids.push(id);
      }
      for (const w of [...waiters]) w();
      return ids;
    },
    async ensureGroup(keys, group, from) {
      check();
      for (const key of keys) {
        const s = streamOf(key, true) as Stream;
        if (s.groups.has(group)) continue;
        s.groups.set(group, { lastDelivered: from === '$' ? `${s.lastMs}-${s.lastSeq}` : '0-0', pel: new Map(), consumers: new Set() });
      }
    },
    async destroyGroup(keys, group) {
      check();
      let n = 0;
      for (const key of keys) if (streams.get(key)?.groups.delete(group)) n++;
      return n;
    },
    async groupState(keys, group) {
      check();
      return keys.map((key): GroupState | null => {
        const s = streams.get(key);
        const g = s?.groups.get(group);
        if (!s || !g) return null;
        const pendingIds = [...g.pel.keys()].sort(compareStreamIds);
        return {
          consumers: g.consumers.size,
          pending: pendingIds.length,
          minPendingId: pendingIds[0] ?? null,
          lastDeliveredId: g.lastDelivered,
          lag: s.entries.filter((e) => compareStreamIds(e[0], g.lastDelivered) > 0).length,
        };
      });
    },
    async readGroup(r) {
      return readNow({ ...r, blockMs: 0 });
    },
    reader: () => newReader(),
    async ack(key, group, ids) {
      check();
      const g = groupOf(key, group);
      let n = 0;
      for (const id of ids) if (g.pel.delete(id)) n++;
      return n;
    },
    async autoclaim(key, group, consumer, minIdleMs, cursor, count): Promise<ClaimResult> {
      check();
      const s = streams.get(key);
      const g = groupOf(key, group);
      g.consumers.add(consumer);
      const byId = new Map((s?.entries ?? []).map((e) => [e[0], e]));
      const ids = [...g.pel.keys()].filter((id) => compareStreamIds(id, cursor) >= 0).sort(compareStreamIds);
      const t = now();
      const entries: StreamEntry[] = [];
      let scanned = 0;
      for (const id of ids) {
        if (entries.length >= count) break;
        scanned++;
        const p = g.pel.get(id) as Pending;
        if (t - p.deliveredAt < minIdleMs) continue;
        const e = byId.get(id);
        if (!e) {
          g.pel.delete(id);
          continue;
        }
        g.pel.set(id, { consumer, deliveredAt: t, count: p.count + 1 });
        entries.push([e[0], [...e[1]]]);
      }
      return { next: ids[scanned] ?? '0-0', entries };
    },
    async rangeAfter(key, afterId, count) {
      check();
      const s = streams.get(key);
      return (s?.entries ?? []).filter((e) => compareStreamIds(e[0], afterId) > 0).slice(0, count).map((e) => [e[0], [...e[1]]]);
    },
    async page(key, start, count): Promise<StreamPage> {
      check();
      const s = streams.get(key);
      if (!s) return { exists: false, length: 0, entriesAdded: 0, firstId: '0-0', maxDeletedId: '0-0', lastGeneratedId: '0-0', entries: [] };
      const from = afterStart(start);
      return {
        exists: true,
        length: s.entries.length,
        entriesAdded: s.added,
        firstId: s.entries[0]?.[0] ?? '0-0',
        maxDeletedId: s.maxDeleted,
        lastGeneratedId: `${s.lastMs}-${s.lastSeq}`,
        entries: s.entries.filter((e) => from(e[0])).slice(0, count).map((e) => [e[0], [...e[1]]]),
      };
    },
    async trimBelow(targets) {
      check();
      let n = 0;
      for (const [key, minId] of targets) {
        const s = streams.get(key);
        if (s) n += trimTo(s, (e) => compareStreamIds(e[0], minId) >= 0);
      }
      return n;
    },
    async usedMemory() {
      let bytes = 0;
      for (const s of streams.values()) for (const e of s.entries) for (const f of e[1]) bytes += f.length;
      return bytes;
    },
    leases: {
      async acquire(leaseKey, epochKey, token, ttlMs) {
        check();
        if (get(leaseKey) !== undefined) return 0;
        set(leaseKey, token, ttlMs);
        const epoch = Number(get(epochKey) ?? '0') + 1;
        set(epochKey, String(epoch), 0);
        return epoch;
      },
      async renew(keys, token, ttlMs) {
        check();
        return keys.map((k) => {
          if (get(k) !== token) return false;
          set(k, token, ttlMs);
          return true;
        });
      },
      async release(leaseKey, token) {
        check();
        if (get(leaseKey) !== token) return false;
        values.delete(leaseKey);
        return true;
      },
      async holds(leaseKey, epochKey, token, epoch) {
        check();
        return get(leaseKey) === token && get(epochKey) === String(epoch);
      },
      async members(setKey, member, ttlMs) {
        check();
        const t = now();
        const prefix = `${setKey}\u0000`;
        if (ttlMs > 0) set(prefix + member, '1', ttlMs);
        else if (ttlMs === 0) values.delete(prefix + member);
        const out: string[] = [];
        for (const [k, v] of values) {
          if (!k.startsWith(prefix)) continue;
          if (v.expiresAt <= t) values.delete(k);
          else out.push(k.slice(prefix.length));
        }
        return out.sort();
      },
      async lock(key, owner, ttlMs) {
        check();
        if (get(key) !== undefined) return false;
        set(key, owner, ttlMs);
        return true;
      },
    },
    idempotency: {
      async begin(key, fp, at, leaseMs, ttlMs, holder): Promise<IdempotencyBegin> {
        check();
        const v = get(key);
        const leaseUntil = String(at + leaseMs);
        if (v === undefined) {
          set(key, `P|${fp}|${at}|${leaseUntil}|${holder}`, ttlMs);
          return { state: 'new', receivedAt: at };
        }
        if (v.startsWith('P|')) {
          const [, vfp, recv, lease] = v.split('|');
          if (vfp === fp && Number(lease) <= at) {
            keepTtl(key, `P|${fp}|${recv}|${leaseUntil}|${holder}`);
            return { state: 'new', receivedAt: Number(recv) };
          }
        }
        return { state: 'existing', value: v };
      },
      async renew(key, fp, holder, at, leaseMs) {
        check();
        const v = get(key);
        if (v === undefined || !v.startsWith('P|')) return false;
        const [, vfp, recv, , vholder] = v.split('|');
        if (vfp !== fp || vholder !== holder) return false;
        keepTtl(key, `P|${fp}|${recv}|${at + leaseMs}|${holder}`);
        return true;
      },
      async complete(key, value, ttlMs) {
        check();
        set(key, value, ttlMs);
      },
      async release(key, fp) {
        check();
        const v = get(key);
        const head = `P|${fp}|`;
        if (v === undefined || !v.startsWith(head)) return;
        const recv = v.slice(head.length).split('|')[0];
        keepTtl(key, `${head}${recv}|0`);
      },
      async abort(key, fp) {
        check();
        const v = get(key);
        if (v !== undefined && v.startsWith(`P|${fp}|`)) values.delete(key);
      },
    },
    notifications: {
      async publish(channel, message) {
        check();
        for (const fn of subscribers.get(channel) ?? []) queueMicrotask(() => fn(message));
      },
      async subscribe(channel, onMessage) {
        check();
        let set = subscribers.get(channel);
        if (!set) subscribers.set(channel, (set = new Set()));
        const fn = (m: string): void => onMessage(m);
        set.add(fn);
        return async () => {
          subscribers.get(channel)?.delete(fn);
        };
      },
    },
    counters: {
      async take(windows) {
        check();
        for (let i = 0; i < windows.length; i++) {
          const w = windows[i] as (typeof windows)[number];
          if (Number(get(w.key) ?? '0') >= w.limit) return { ok: false, index: i, retryAfterMs: Math.max(1, (values.get(w.key)?.expiresAt ?? now()) - now()) };
        }
        for (const w of windows) if (w.charge) addTo(w.key, w.windowMs);
        return { ok: true };
      },
      async add(key, windowMs) {
        check();
        addTo(key, windowMs);
      },
      async mark(key, ttlMs) {
        check();
        set(key, '1', Math.max(1, ttlMs));
      },
      async isMarked(key) {
        check();
        return get(key) !== undefined;
      },
    },
    async ping() {
      check();
    },
    ready: () => !closed,
    async close() {
      if (closed) return;
      closed = true;
      await Promise.all([...readers].map((r) => r.close()));
      subscribers.clear();
    },
  };
  return streamsApi;
}
