// The streams port: the only Redis operations Lightwatch uses, named for what they do. Services take this
// interface, never a Redis client; adapters (lib/streams/redis for one Redis, a Cluster or a Sentinel set;
// lib/streams/memory for tests) pass one contract suite (lib/streams/conformance.ts). Failures surface as the
// typed errors of ./errors.ts, mapped once in each adapter.

/**
 * A field name or value of an entry as read: a string, except the value of a binary field (codec's
 * isBinaryField: a metric batch's bytes), which comes as the Buffer of its bytes, never decoded as text.
 */
export type FieldValue = string | Buffer;

/** One stream entry as Redis returns it: id and the flat field list `[k1, v1, k2, v2, …]`. */
export type StreamEntry = [id: string, fields: FieldValue[]];

/** Entries read from one stream, in stream order. */
export type StreamRead = [stream: string, entries: StreamEntry[]];

export interface AppendEntry {
  stream: string;
  /** Flat `[k1, v1, …]`; Buffers are written as they are (no re-encoding). */
  fields: ReadonlyArray<string | Buffer>;
  /** Trim the stream approximately to about this many entries (MAXLEN ~) in the same command. */
  maxLen?: number;
  /**
   * Makes the append of this entry idempotent: an entry appended to the same stream with the same key within
   * the adapter's dedup window is not written again, and the append answers the first one's id. Without one the
   * adapter makes up a unique key per entry, so a client library re-sending an unanswered command after a
   * reconnect (the entry may already be in) cannot write it twice either.
   */
  key?: string;
}

export interface ReadGroupRequest {
  group: string;
  consumer: string;
  streams: readonly string[];
  /** Entries per stream at most. */
  count: number;
  /** `>` (default): entries never delivered to the group; `0`: this consumer's own pending entries. */
  from?: '>' | '0';
  /** Wait up to this long for new entries (only with `>`); 0 or absent: answer at once. */
  blockMs?: number;
  /** Deliver without adding to the pending list (realtime: clients catch up by cursor instead). */
  noAck?: boolean;
  /**
   * GroupReader.read of new entries (`>`) only: an entry that names its tenant (codec's FIELD_TENANT), is not of
   * one of these tenants and carries no mark (FIELD_ALERTS, FIELD_CONFIG_CHANGED) may come thin: its payload field
   * empty (codec's thinKind; the Redis adapter reads thin only while a reader is behind). Readers that serve only
   * some tenants (the detector, realtime) then neither transfer nor parse what they would pass over, and re-read
   * whole (lib/streams/thin.ts) a thin entry of a tenant they took on since. Absent: every entry whole.
   */
  payloadTenants?: readonly string[];
  /** With payloadTenants: the tenants whose metric batches come whole too; any other's may come thin. Absent: all of payloadTenants. */
  batchTenants?: readonly string[];
}

export interface ClaimResult {
  /** Cursor for the next call; `0-0` when the pending list was scanned to its end. */
  next: string;
  entries: StreamEntry[];
}

/** Where a consumer group stands on one stream. */
export interface GroupState {
  consumers: number;
  /** Delivered and not yet acknowledged. */
  pending: number;
  /** Smallest pending id, null when nothing is pending. */
  minPendingId: string | null;
  lastDeliveredId: string;
  /** Entries not yet delivered to the group; null when Redis cannot tell (after XSETID or deletions). */
  lag: number | null;
}

/** One page of a stream after a position with the facts a replay needs to tell a gap, read atomically. */
export interface StreamPage {
  /** False when the stream key does not exist. */
  exists: boolean;
  length: number;
  /** Entries ever added (trimmed and deleted ones included). */
  entriesAdded: number;
  /** Id of the first entry still there; `0-0` when empty. */
  firstId: string;
  /** Highest id deleted by XDEL (`0-0` when none); trimming does not move it. */
  maxDeletedId: string;
  lastGeneratedId: string;
  entries: StreamEntry[];
}

/** A blocking reader: owns its connection(s), so close() interrupts a read that is waiting. */
export interface GroupReader {
  /**
   * Entries for this consumer from any of `streams`; waits up to `blockMs` when there are none. On a Redis
   * Cluster the streams of different slots are read apart (one read per slot, on the slot owner), and a read
   * still waiting when another answered stays in flight: its entries come with a later call.
   */
  read(request: ReadGroupRequest): Promise<StreamRead[]>;
  /** Settles once no read of this reader is in flight (a partition being released waits for it). */
  settled(): Promise<void>;
  /**
   * True once after any of the reader's connections was re-established since the last call. A read re-sent
   * after a reconnect may follow one whose answer was lost after the server had moved the group on: a NOACK
   * consumer (no pending list to re-read) uses this to re-read what it may have missed.
   */
  reconnected?(): boolean;
  /** Interrupts any waiting read (it rejects with `Closed`) and frees the connections. Idempotent. */
  close(): Promise<void>;
}

/** Leases with fencing epochs (detector partitions) and TTL'd membership. Keys of one lease share a hash tag. */
export interface Leases {
  /** Takes the lease when free: the new fencing epoch (≥ 1), or 0 when someone holds it. */
  acquire(leaseKey: string, epochKey: string, token: string, ttlMs: number): Promise<number>;
  /** Extends each lease held by `token`; per key, whether it was still ours. */
  renew(leaseKeys: readonly string[], token: string, ttlMs: number): Promise<boolean[]>;
  /** Gives the lease back if it is ours; whether it was. */
  release(leaseKey: string, token: string): Promise<boolean>;
  /** Whether `token` holds the lease with exactly `epoch` (atomically). */
  holds(leaseKey: string, epochKey: string, token: string, epoch: number): Promise<boolean>;
  /**
   * Refreshes `member` in a TTL'd member set (ttlMs > 0), leaves it (0) or only reads (-1); returns the live
   * members. Expiry is by the server's clock, so members with skewed clocks agree.
   */
  members(setKey: string, member: string, ttlMs: number): Promise<string[]>;
  /** A plain lock (SET NX PX): true when taken. */
  lock(key: string, owner: string, ttlMs: number): Promise<boolean>;
}

export type IdempotencyBegin = { state: 'new'; receivedAt: number } | { state: 'existing'; value: string };

/**
 * Idempotency records (ingest/idempotency holds their meaning). Values: `P|<fp>|<receivedAt>|<leaseUntil>|<holder>`
 * while pending, `D|<fp>|<answer>` once answered.
 */
export interface IdempotencyKeys {
  begin(key: string, fingerprint: string, now: number, leaseMs: number, ttlMs: number, holder: string): Promise<IdempotencyBegin>;
  renew(key: string, fingerprint: string, holder: string, now: number, leaseMs: number): Promise<boolean>;
  complete(key: string, value: string, ttlMs: number): Promise<void>;
  /** Lets a retry of the same request take the pending record over at once (lease end set to 0). */
  release(key: string, fingerprint: string): Promise<void>;
  /** Deletes a pending record of this fingerprint, never an answered one. */
  abort(key: string, fingerprint: string): Promise<void>;
}

/** Change notifications (configuration changes reaching detectors at once). At-most-once: keep a periodic reload. */
export interface Notifications {
  publish(channel: string, message: string): Promise<void>;
  /** Calls `onMessage` for each message until the returned function is called. Resolves once subscribed. */
  subscribe(channel: string, onMessage: (message: string) => void): Promise<() => Promise<void>>;
}

/** One fixed-window counter checked (and maybe charged) by Counters.take. */
export interface WindowCheck {
  key: string;
  /** The window is full at this count: a take while it is refuses. */
  limit: number;
  /** The window's length; it starts with its first charge. */
  windowMs: number;
  /** Add 1 when the take is admitted (false: only check). */
  charge: boolean;
}

export type WindowVerdict = { ok: true } | { ok: false; /** index of the first full window */ index: number; retryAfterMs: number };

/**
 * Fixed-window counters and TTL'd marks shared by every process (the login limits of all gateway replicas).
 * Keys of one `take` share a hash tag.
 */
export interface Counters {
  /** Atomically: when no window is full, adds 1 to each one with `charge`; a refused take charges nothing. */
  take(windows: readonly WindowCheck[]): Promise<WindowVerdict>;
  /** Adds 1 to a window without checking it. */
  add(key: string, windowMs: number): Promise<void>;
  /** Sets (or refreshes) a mark that lasts `ttlMs`. */
  mark(key: string, ttlMs: number): Promise<void>;
  isMarked(key: string): Promise<boolean>;
}

export type Topology = 'memory' | 'single' | 'cluster' | 'sentinel';

export interface Streams {
  readonly topology: Topology;
  /**
   * Appends entries (pipelined per slot owner); resolves with their ids in input order once the master has them
   * all and, when the adapter was built with minReplicasAck N > 0, once `WAIT N` confirmed N replicas hold them.
   * Idempotent per entry key (AppendEntry.key): a resend of an entry already in answers its first id.
   */
  append(entries: readonly AppendEntry[]): Promise<string[]>;
  /** Creates `group` on each stream (MKSTREAM) at `from` (`0`: from the start, `$`: from now); an existing one is kept. */
  ensureGroup(streams: readonly string[], group: string, from: '0' | '$'): Promise<void>;
  /** Removes `group` from each stream; how many existed. */
  destroyGroup(streams: readonly string[], group: string): Promise<number>;
  /** Per stream: the group's state, or null when the stream or the group does not exist. */
  groupState(streams: readonly string[], group: string): Promise<Array<GroupState | null>>;
  /** A non-blocking read (own pending entries, or new ones without waiting). */
  readGroup(request: ReadGroupRequest): Promise<StreamRead[]>;
  /** A reader with connections of its own for blocking reads. */
  reader(name: string): GroupReader;
  ack(stream: string, group: string, ids: readonly string[]): Promise<number>;
  /** Takes over entries pending on any consumer for at least `minIdleMs` (XAUTOCLAIM). */
  autoclaim(stream: string, group: string, consumer: string, minIdleMs: number, cursor: string, count: number): Promise<ClaimResult>;
  /** Entries with ids in (afterId, +], at most `count`. */
  rangeAfter(stream: string, afterId: string, count: number): Promise<StreamEntry[]>;
  /** One replay page: entries from `start` (XRANGE syntax: `(id` exclusive) with the stream's facts, atomically. */
  page(stream: string, start: string, count: number): Promise<StreamPage>;
  /** Trims each stream below its id, approximately (MINID ~); entries removed. */
  trimBelow(targets: ReadonlyArray<readonly [stream: string, minId: string]>): Promise<number>;
  /** Memory used by the data set (bytes; on a Cluster the largest master's), undefined when unknown. */
  usedMemory(): Promise<number | undefined>;
  readonly leases: Leases;
  readonly idempotency: IdempotencyKeys;
  readonly notifications: Notifications;
  readonly counters: Counters;
  /** Round trip to the server(s); rejects with a typed error when unreachable. */
  ping(): Promise<void>;
  /** Connected and able to take commands now (no round trip). */
  ready(): boolean;
  /** Closes every connection it opened (readers included). Idempotent. */
  close(): Promise<void>;
}
