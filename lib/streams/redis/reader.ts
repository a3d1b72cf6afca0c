// A blocking group reader over Redis with connections of its own. Streams are read in shards: all of them at
// once on one Redis (one XREADGROUP), one shard per slot on a Redis Cluster (one XREADGROUP per slot, each on a
// connection of its own, since a blocking read holds its connection). A shard's read that is still waiting when
// another answered stays in flight and is collected by a later call, so nothing it delivers is dropped. A read
// with payloadTenants on a shard that is behind (its last read came back full) runs the thin read script; when
// that finds nothing new, or the shard is caught up, it is a plain blocking read (a script may not block), whole.
import { Closed, type StreamsError } from '../errors.js';
import type { GroupReader, ReadGroupRequest, StreamRead } from '../port.js';
import { xreadgroup, type RedisClient } from './connect.js';
import { parseRead } from './replies.js';

export interface RedisReaderDeps {
  /** A blocking connection for one shard. */
  open(shard: string): RedisClient;
  /** The request's streams split into what one XREADGROUP may name together, each with its connection's name. */
  shards(streams: readonly string[]): Array<[shard: string, streams: string[]]>;
  args(request: ReadGroupRequest, streams: readonly string[]): Array<string | number>;
  /** The non-blocking read that leaves other tenants' payloads out (ReadGroupRequest.payloadTenants), on `conn`. */
  readThin(conn: RedisClient, request: ReadGroupRequest, streams: readonly string[]): Promise<unknown>;
  fail(err: unknown, what: string): StreamsError;
  onClose(): void;
}

interface InFlight {
  done: boolean;
  result?: StreamRead[];
  error?: StreamsError;
  settled: Promise<void>;
}

export function createRedisReader(deps: RedisReaderDeps): GroupReader {
  const conns = new Map<string, RedisClient>();
  const inFlight = new Map<string, InFlight>();
  let closed = false;
  let closing: Promise<void> | undefined;
  let reconnected = false;

  const conn = (shard: string): RedisClient => {
    let c = conns.get(shard);
    if (!c) {
      c = deps.open(shard);
      c.on('error', () => undefined); // failures surface through the read that was waiting on it
      let readyBefore = false;
      c.on('ready', () => {
        if (readyBefore) reconnected = true;
        readyBefore = true;
      });
      conns.set(shard, c);
    }
    return c;
  };

  /** Streams whose last read was not full: caught up, where a read waits for what comes next. */
  const caughtUp = new Set<string>();

  const readShard = async (shard: string, keys: string[], r: ReadGroupRequest): Promise<StreamRead[]> => {
    const c = conn(shard);
    // Thin only while behind on some stream (or reading one for the first time: a restart, a partition taken over):
    // caught up, a thin read mostly finds nothing and adds a script call to the blocking read that follows, which
    // measured costs Redis more than it spares.
    const thin = r.payloadTenants !== undefined && (r.from ?? '>') === '>' && keys.some((k) => !caughtUp.has(k));
    let got = thin ? parseRead(await deps.readThin(c, r, keys)) : [];
    if (!thin || (got.length === 0 && r.blockMs)) got = parseRead(await xreadgroup(c, deps.args(r, keys)));
    for (const k of keys) caughtUp.add(k);
    for (const [k, entries] of got) if (entries.length >= r.count) caughtUp.delete(k);
    return got;
  };

  const start = (shard: string, keys: string[], r: ReadGroupRequest): void => {
    const f: InFlight = { done: false, settled: Promise.resolve() };
    f.settled = readShard(shard, keys, r).then(
      (result) => {
        f.done = true;
        f.result = result;
      },
      (err: unknown) => {
        f.done = true;
        f.error = closed ? new Closed('the reader was closed during a read', err) : deps.fail(err, `reading group ${r.group}`);
        // A connection that failed is replaced: it may point at a demoted master or a moved slot.
        if (!closed) {
          conns.get(shard)?.disconnect();
          conns.delete(shard);
        }
      },
    );
    inFlight.set(shard, f);
  };

  return {
    async read(r) {
      if (closed) throw new Closed('the reader is closed');
      // A shard whose read is still in flight (perhaps for an older set of streams) is not asked again.
      for (const [shard, keys] of deps.shards(r.streams)) if (!inFlight.has(shard)) start(shard, keys, r);
      if (inFlight.size === 0) return [];
      if (![...inFlight.values()].some((f) => f.done)) await Promise.race([...inFlight.values()].map((f) => f.settled));
      const out: StreamRead[] = [];
      let error: StreamsError | undefined;
      for (const [shard, f] of inFlight) {
        if (!f.done) continue;
        inFlight.delete(shard);
        if (f.error) error ??= f.error;
        else out.push(...(f.result ?? []));
      }
      // Entries already delivered go out even when another shard failed; the failure comes with the next call.
      if (out.length === 0 && error) throw error;
      return out;
    },
    reconnected() {
      const was = reconnected;
      reconnected = false;
      return was;
    },
    async settled() {
      await Promise.all([...inFlight.values()].map((f) => f.settled));
    },
    close() {
      closing ??= (async () => {
        closed = true;
        for (const c of conns.values()) c.disconnect();
        await Promise.all([...inFlight.values()].map((f) => f.settled));
        inFlight.clear();
        conns.clear();
        deps.onClose();
      })();
      return closing;
    },
  };
}
