// The hub's seams, driven step by step: live events arriving while a resume replays from real Redis, buffer
// overflow during a replay, lagging and resuming, and the grace period. The socket is a recording implementation
// of the hub's narrow Socket port (uWS itself is exercised by the server tests); topic publishes reach the
// sockets subscribed at the time, in order, as uWS does.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import pino from 'pino';
import { Registry } from 'prom-client';
import type { CanonicalEvent } from '../lib/events/event.js';
import { encodeBatch, FIELD_EVENTS, FIELD_METRIC_BATCH, FIELD_TENANT } from '../lib/streams/codec.js';
import { expandMetricBatch, type MetricBatch } from '../lib/tsdb/batch.js';
import { encodeMetricBatchBytes } from '../lib/tsdb/batch-codec.js';
import { streamNames, type StreamNames } from '../lib/streams/partition.js';
import { deletePrefix, newRedis, newStreams, uniquePrefix } from '../test/support/redis.js';
import { decodeVector, type Vector } from './cursor.js';
import { parseFilter } from './filter.js';
import { realtimeStreams } from './groups.js';
import { Hub } from './hub.js';
import { createRealtimeMetrics } from './metrics.js';
import type { StreamEntry, Streams } from '../lib/streams/port.js';
import type { Conn, Socket, Sub } from './state.js';
import { logEvent } from './testing/harness.js';

class RecordingSocket implements Socket {
  readonly log: Array<[string, string]> = [];
  readonly topics = new Set<string>();
  buffered = 0;
  ended: { code: number; reason: string } | undefined;
  onEnd: (() => void) | undefined;

  send(message: string): number {
    this.log.push(['send', message]);
    return 1;
  }
  getBufferedAmount(): number {
    return this.buffered;
  }
  subscribe(topic: string): boolean {
    this.log.push(['subscribe', topic]);
    this.topics.add(topic);
    return true;
  }
  unsubscribe(topic: string): boolean {
    this.log.push(['unsubscribe', topic]);
    return this.topics.delete(topic);
  }
  end(code: number, reason: string): void {
    this.ended = { code, reason };
    this.onEnd?.();
  }
  cork(cb: () => void): void {
    cb();
  }
  /** Every message this socket got, parsed, whether sent directly or published to one of its topics. */
  messages(): Array<{ type: string; cursor?: string; data?: CanonicalEvent }> {
    return this.log.filter(([k]) => k === 'send' || k === 'topic').map(([, m]) => JSON.parse(m));
  }
  eventIds(): string[] {
    return this.messages()
      .filter((m) => m.type === 'event')
      .map((m) => m.data?.id ?? '');
  }
}

const redis: Redis = newRedis();
let port: Streams;
let prefix: string;
let names: StreamNames;
let streams: string[];
let now: number;
let hub: Hub;
let sockets: RecordingSocket[];

function newHub(over: Partial<ConstructorParameters<typeof Hub>[0]> = {}): Hub {
  return new Hub({
    streams: port,
    keys: streams,
    logger: pino({ level: 'silent' }),
    metrics: createRealtimeMetrics(new Registry()),
    clock: () => now,
    publish: (topic, message) => {
      for (const s of sockets) if (s.topics.has(topic)) s.log.push(['topic', message]);
    },
    maxBufferBytes: 1000,
    laggedGraceMs: 500,
    clientMessagesPerSec: 100,
    topicPrefix: 'test',
    ...over,
  });
}

function connect(h: Hub = hub): { conn: Conn; socket: RecordingSocket } {
  const socket = new RecordingSocket();
  sockets.push(socket);
  const conn = h.openConn(socket, 'acme', 'logs');
  socket.onEnd = () => h.closeConn(conn);
  return { conn, socket };
}

/** XADDs one entry of events to partition 0 and returns it as the reader would hand it over. */
async function add(events: CanonicalEvent[]): Promise<StreamEntry> {
  const payload = encodeBatch(events);
  const id = (await redis.xadd(names.events(0), '*', FIELD_EVENTS, payload)) as string;
  return [id, [FIELD_EVENTS, payload]];
}

const logs = (n: number, tag: string): CanonicalEvent[] => Array.from({ length: n }, (_, i) => logEvent('acme', 'web', `${tag}${i}`));

async function settle(sub: Sub, states: Array<Sub['state']>): Promise<void> {
  await expect.poll(() => sub.state, { timeout: 5000, interval: 5 }).toSatisfy((s: Sub['state']) => states.includes(s));
}

beforeEach(() => {
  prefix = uniquePrefix('rthub');
  names = streamNames(prefix, 2);
  streams = realtimeStreams(names);
  now = 1_000_000;
  sockets = [];
  hub = newHub();
});

afterEach(async () => {
  hub.stopTimers();
  await deletePrefix(redis, prefix);
});

afterAll(async () => {
  redis.disconnect();
  await port.close();
});
beforeAll(async () => {
  port = await newStreams();
});

describe('resume seam', () => {
  it('replays from Redis, drops buffered live events already replayed, catches up, then goes live: each event once', async () => {
    const e1 = await add(logs(1, 'a'));
    hub.onEntries(0, [e1]); // the live reader is at e1
    const since = hub.live.clone();
    const e2events = logs(3, 'b');
    const e2 = await add(e2events);
    const e3events = logs(1, 'c');
    const e3 = await add(e3events);
    const { conn, socket } = connect();
    const sub = hub.subscribe(conn, parseFilter('logs', []), since) as Sub;
    expect(sub.state).toBe('replay');
    hub.onEntries(0, [e2]); // arrives live while the replay reads: buffered, then dropped as replayed
    hub.afterBatch();
    await settle(sub, ['catchup', 'live']);
    // The replay read e3, which the live reader has not reached: it waits for it without delivering it twice.
    expect(sub.state).toBe('catchup');
    hub.onEntries(0, [e3]);
    hub.afterBatch();
    expect(sub.state).toBe('live');
    expect(socket.topics.size).toBe(1);
    const e4events = logs(2, 'd');
    const e4 = await add(e4events);
    hub.onEntries(0, [e4]);
    expect(socket.eventIds()).toEqual([...e2events, ...e3events, ...e4events].map((e) => e.id));
    // Cursors never go back, and the last one is the last event of e4 (both its events passed).
    const cursors = socket.messages().map((m) => decodeVector(m.cursor as string, streams.length));
    for (let i = 1; i < cursors.length; i++) expect((cursors[i] as Vector).covers(cursors[i - 1] as Vector)).toBe(true);
    const last = cursors.at(-1) as Vector;
    expect([last.idAt(0), last.idx[0]]).toEqual([e4[0], 2]);
  });

  it('resumes inside an entry from a cursor that passed part of it', async () => {
    const events = logs(4, 'p');
    const entry = await add(events);
    const { conn, socket } = connect();
    const first = connect();
    hub.subscribe(first.conn, parseFilter('logs', []));
    hub.onEntries(0, [entry]);
    const afterTwo = first.socket.messages()[1]?.cursor as string;
    const sub = hub.subscribe(conn, parseFilter('logs', []), decodeVector(afterTwo, streams.length)) as Sub;
    await settle(sub, ['live']);
    expect(socket.eventIds()).toEqual(events.slice(2).map((e) => e.id));
  });

  it('re-reads from Redis when live events overflow the buffer during a replay', async () => {
    hub = newHub({ maxBufferedLive: 2 });
    const since = hub.live.clone();
    const entries: StreamEntry[] = [];
    const all: CanonicalEvent[] = [];
    for (let i = 0; i < 4; i++) {
      const ev = logs(1, `o${i}`);
      all.push(...ev);
      entries.push(await add(ev));
    }
    const { conn, socket } = connect();
    const sub = hub.subscribe(conn, parseFilter('logs', []), since) as Sub;
    hub.onEntries(0, entries.slice(0, 3)); // three live events: over the buffer's two
    expect(sub.overflowed).toBe(true);
    await settle(sub, ['catchup', 'live']);
    hub.onEntries(0, entries.slice(3));
    hub.afterBatch();
    expect(sub.state).toBe('live');
    expect(socket.eventIds()).toEqual(all.map((e) => e.id));
  });

  it('reads metric batches series by series: /ws/metrics and targets/{id} get the events of the expanded form, cursors count samples', async () => {
    const batch: MetricBatch = {
      tenant: 'acme',
      receivedAt: 5,
      id: 'mb',
      series: [
        { target: 'web', labels: { __name__: 'cpu', instance: 'web' }, type: 'gauge', timestamps: [1, 2, 3], values: [1, 2, 3] },
        { target: 'db', labels: { __name__: 'cpu', instance: 'db' }, type: 'gauge', timestamps: [1, 2], values: [7, 8] },
      ],
    };
    const payload = encodeMetricBatchBytes(batch);
    const id = (await redis.xadd(names.events(0), '*', FIELD_METRIC_BATCH, payload, FIELD_TENANT, 'acme')) as string;
    const entry: StreamEntry = [id, [FIELD_METRIC_BATCH, payload, FIELD_TENANT, 'acme']];
    const expanded = expandMetricBatch(batch);
    const since = hub.live.clone();
    const all = connect();
    hub.subscribe(all.conn, parseFilter('metrics', []));
    const db = connect();
    hub.subscribe(db.conn, parseFilter('targets', [], 'db'));
    const logsOnly = connect();
    hub.subscribe(logsOnly.conn, parseFilter('logs', []));
    hub.onEntries(0, [entry]);
    expect(all.socket.messages().map((m) => m.data)).toEqual(expanded);
    expect(db.socket.eventIds()).toEqual(expanded.slice(3).map((e) => e.id));
    expect(logsOnly.socket.eventIds()).toEqual([]);
    // Resuming inside the batch from the cursor after its fourth sample: the fifth alone, as from the expanded form.
    const afterFour = all.socket.messages()[3]?.cursor as string;
    const again = connect();
    const sub = hub.subscribe(again.conn, parseFilter('metrics', []), decodeVector(afterFour, streams.length)) as Sub;
    await settle(sub, ['live']);
    expect(again.socket.eventIds()).toEqual([expanded[4]?.id]);
    // A replay of the whole batch for one target.
    const replayed = connect();
    const rsub = hub.subscribe(replayed.conn, parseFilter('targets', [], 'web'), since) as Sub;
    await settle(rsub, ['catchup', 'live']);
    expect(replayed.socket.eventIds()).toEqual(expanded.slice(0, 3).map((e) => e.id));
  });

  it('filters replayed events by tenant and filter', async () => {
    const since = hub.live.clone();
    const mine = logEvent('acme', 'web', 'mine', { level: 'error' });
    await add([logEvent('bravo', 'web', 'theirs', { level: 'error' }), logEvent('acme', 'web', 'info'), mine]);
    const { conn, socket } = connect();
    const sub = hub.subscribe(conn, parseFilter('logs', [['level', 'error']]), since) as Sub;
    await settle(sub, ['catchup', 'live']);
    expect(socket.eventIds()).toEqual([mine.id]);
  });

  it('passes over, undecoded, the entries of a tenant nobody subscribes to, live and in a replay', async () => {
    const metrics = createRealtimeMetrics(new Registry());
    hub.stopTimers();
    hub = newHub({ metrics });
    const since = hub.live.clone();
    // Not JSON: decoding it would be an unreadable entry, which the hub would log and count nowhere.
    const foreign = async (): Promise<StreamEntry> => {
      const id = (await redis.xadd(names.events(0), '*', FIELD_EVENTS, 'not json', FIELD_TENANT, 'bravo')) as string;
      return [id, [FIELD_EVENTS, 'not json', FIELD_TENANT, 'bravo']];
    };
    const mine = async (tag: string): Promise<{ entry: StreamEntry; event: CanonicalEvent }> => {
      const event = logEvent('acme', 'web', tag);
      const payload = encodeBatch([event]);
      const id = (await redis.xadd(names.events(0), '*', FIELD_EVENTS, payload, FIELD_TENANT, 'acme')) as string;
      return { entry: [id, [FIELD_EVENTS, payload, FIELD_TENANT, 'acme']], event };
    };
    const f1 = await foreign();
    const m1 = await mine('one');
    const f2 = await foreign();
    // Replay across foreign entries.
    const { conn, socket } = connect();
    const sub = hub.subscribe(conn, parseFilter('logs', []), since) as Sub;
    await settle(sub, ['catchup', 'live']);
    hub.onEntries(0, [f1, m1.entry, f2]);
    hub.afterBatch();
    await settle(sub, ['live']);
    // Live: acme has a subscriber, bravo has none.
    const f3 = await foreign();
    const m2 = await mine('two');
    hub.onEntries(0, [f3, m2.entry]);
    hub.afterBatch();
    expect(socket.eventIds()).toEqual([m1.event.id, m2.event.id]);
    expect((await metrics.entriesSkipped.get()).values[0]?.value).toBeGreaterThanOrEqual(3);
    // The live position passed the foreign entries too: a resume from it has nothing left to replay.
    const again = connect();
    const resumed = hub.subscribe(again.conn, parseFilter('logs', []), hub.live.clone()) as Sub;
    await settle(resumed, ['catchup', 'live']);
    expect(again.socket.eventIds()).toEqual([]);
  });
});

describe('backpressure', () => {
  it('sends lagged before unsubscribing, delivers nothing while lagged, and resumes by replay on drain', async () => {
    const { conn, socket } = connect();
    const sub = hub.subscribe(conn, parseFilter('logs', []), undefined) as Sub;
    const before = logs(2, 'x');
    hub.onEntries(0, [await add(before)]);
    socket.buffered = 5000;
    hub.checkBuffers();
    expect(sub.state).toBe('paused');
    const kinds = socket.log.map(([k, m]) => (k === 'send' ? JSON.parse(m).type : k));
    expect(kinds.slice(-2)).toEqual(['lagged', 'unsubscribe']);
    const lagged = socket.messages().find((m) => m.type === 'lagged');
    expect(lagged?.cursor).toBe(hub.live.encode());
    const during = logs(3, 'y');
    hub.onEntries(0, [await add(during)]);
    expect(socket.eventIds()).toEqual(before.map((e) => e.id));
    socket.buffered = 600; // drained, but not below half the bound: still lagged
    hub.onDrain(conn);
    expect(sub.state).toBe('paused');
    socket.buffered = 0;
    hub.onDrain(conn);
    expect(sub.state).toBe('replay');
    await settle(sub, ['catchup', 'live']);
    expect(socket.eventIds()).toEqual([...before, ...during].map((e) => e.id));
  });

  it('closes with 1013 a client still lagged after the grace period, and not before', async () => {
    const { conn, socket } = connect();
    hub.subscribe(conn, parseFilter('logs', []));
    hub.onEntries(0, [await add(logs(1, 'z'))]);
    socket.buffered = 5000;
    hub.checkBuffers();
    now += 500;
    hub.tick();
    expect(socket.ended).toBeUndefined();
    now += 1;
    hub.tick();
    expect(socket.ended).toEqual({ code: 1013, reason: expect.stringMatching(/too slow: more than 1000 bytes unread for over 500 ms/) });
    expect(hub.connectionCount()).toBe(0);
  });

  it('throttles a replay to the client\'s pace and closes it with 1013 if it never drains', async () => {
    hub = newHub({ replayPageEntries: 1 });
    const since = hub.live.clone();
    for (let i = 0; i < 3; i++) await add(logs(1, `t${i}`));
    const { conn, socket } = connect();
    socket.buffered = 800; // over half the bound: the replay waits after its first page
    const sub = hub.subscribe(conn, parseFilter('logs', []), since) as Sub;
    await expect.poll(() => conn.throttledSince).toBe(now);
    expect(socket.eventIds()).toHaveLength(1);
    socket.buffered = 0;
    hub.onDrain(conn);
    await settle(sub, ['catchup', 'live']);
    expect(socket.eventIds()).toHaveLength(3);

    const other = connect();
    other.socket.buffered = 800;
    const stuck = hub.subscribe(other.conn, parseFilter('logs', []), since) as Sub;
    await expect.poll(() => other.conn.throttledSince).toBe(now);
    now += 501;
    hub.tick();
    expect(other.socket.ended?.code).toBe(1013);
    expect(stuck.state).toBe('paused');
  });

  it('frees the replay slot of a client that lags while its replay waits for it to drain', async () => {
    hub = newHub({ replayConcurrency: 1, replayPageEntries: 1 });
    const since = hub.live.clone();
    for (let i = 0; i < 3; i++) await add(logs(1, `r${i}`));
    const a = connect();
    hub.subscribe(a.conn, parseFilter('logs', [['level', 'error']])); // live: puts the connection under the bound check
    a.socket.buffered = 800;
    const stuck = hub.subscribe(a.conn, parseFilter('logs', []), since) as Sub;
    await expect.poll(() => a.conn.throttledSince).toBe(now);
    const b = connect();
    const waiting = hub.subscribe(b.conn, parseFilter('logs', []), since) as Sub;
    await expect.poll(() => hub.replaysWaiting()).toBe(1); // the only slot is taken: b's replay waits for it
    expect(b.socket.eventIds()).toHaveLength(0);
    a.socket.buffered = 5000;
    hub.checkBuffers(); // a lags: its replay is abandoned and lets the slot go
    expect(stuck.state).toBe('paused');
    await settle(waiting, ['catchup', 'live']);
    expect(b.socket.eventIds()).toHaveLength(3);
  });

  it('leaves other clients alone when one lags', async () => {
    const slow = connect();
    const fast = connect();
    hub.subscribe(slow.conn, parseFilter('logs', []));
    hub.subscribe(fast.conn, parseFilter('logs', []));
    slow.socket.buffered = 5000;
    const events = logs(5, 'f');
    hub.onEntries(0, [await add(events)]);
    hub.checkBuffers();
    hub.onEntries(0, [await add(logs(1, 'g'))]);
    expect(fast.socket.eventIds()).toHaveLength(6);
    expect(slow.socket.eventIds()).toHaveLength(5);
  });
});

describe('consuming reads', () => {
  it('publishes a large read in slices and waits, boundedly, while most clients are behind', async () => {
    hub = newHub({ maxBufferBytes: 1_000_000, sliceBytes: 2000, maxPaceMs: 20 });
    const a = connect();
    const b = connect();
    hub.subscribe(a.conn, parseFilter('logs', []));
    hub.subscribe(b.conn, parseFilter('logs', []));
    a.socket.buffered = 10_000; // both behind by more than a slice: the reader paces itself
    b.socket.buffered = 10_000;
    const entries: StreamEntry[] = [];
    for (let i = 0; i < 5; i++) entries.push(await add(logs(8, `s${i}`))); // ~8 messages of ~400 B per entry
    const started = performance.now();
    await hub.consume([[0, entries]]);
    // About one slice per entry: at least four bounded waits of 20 ms, and still every event delivered.
    expect(performance.now() - started).toBeGreaterThanOrEqual(70);
    expect(a.socket.eventIds()).toHaveLength(40);
    expect(b.socket.eventIds()).toHaveLength(40);
  });
});
