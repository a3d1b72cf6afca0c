// The realtime hub: turns stream entries into messages and gets them to subscribers. Live delivery builds each
// event's message once and publishes it to one uWS topic per (tenant, canonical filter); resumes replay missed
// events from the streams while buffering live ones, then switch to the topic at a seam with neither gap nor
// duplicate (by comparing stream positions); clients over their buffer bound are paused with `lagged` and resumed
// by replay when they drain, or closed with 1013 when they do not drain within the grace period.
import type { Logger } from 'pino';
import type { CanonicalEvent } from '../lib/events/event.js';
import { eventsOfEntry, tenantOfEntry } from '../lib/streams/codec.js';
import { CHANNEL_OF_KIND, CHANNELS, type Channel } from './channels.js';
import { Vector, WHOLE, lowerTo } from './cursor.js';
import { filterKey, type Filter } from './filter.js';
import { RESET_MESSAGE, eventMessage, laggedMessage } from './messages.js';
import type { RealtimeMetrics } from './metrics.js';
import { perSecond, TokenBucket } from '../lib/limits/token-bucket.js';
import type { StreamEntry, Streams } from '../lib/streams/port.js';
import { flushBuffered, replayPass, type ResumeContext } from './resume.js';
import { ConcurrencyLimiter } from '../lib/limits/concurrency.js';
import { Conn, type Group, Sub, type Socket } from './state.js';
import { GroupIndex, type TenantIndex } from './topics.js';

export const MAX_SUBSCRIPTIONS_PER_CONNECTION = 32;

export interface HubOptions {
  /** Replay reads. */
  streams: Streams;
  /** Stream keys in vector order (partitions, then incidents). */
  keys: readonly string[];
  logger: Logger;
  metrics: RealtimeMetrics;
  clock: () => number;
  /** uWS app.publish. */
  publish(topic: string, message: string): void;
  maxBufferBytes: number;
  laggedGraceMs: number;
  clientMessagesPerSec: number;
  /** Unique per hub, so two hubs in one process never share topic names. */
  topicPrefix: string;
  replayPageEntries?: number;
  replayConcurrency?: number;
  /** Live events a replaying subscription keeps at most before it re-reads from the streams instead. */
  maxBufferedLive?: number;
  /** Bytes published between yields to the event loop while consuming a read (default min(bound/4, 64 KiB)). */
  sliceBytes?: number;
  /** Longest the reader waits per slice for most clients to catch up (default 50 ms). */
  maxPaceMs?: number;
}

export class Hub {
  /** Where the live reader stands: the cursor of the event being dispatched. */
  readonly live: Vector;
  private readonly size: number;
  private readonly index: GroupIndex;
  private readonly resume: ResumeContext;
  private readonly conns = new Set<Conn>();
  private readonly tenantConns = new Map<string, number>();
  /** Connections that take live traffic and so are checked against the buffer bound. */
  private readonly liveConns = new Set<Conn>();
  /** Lagged or throttled connections, checked against the grace period. */
  private readonly watch = new Set<Conn>();
  private readonly catchup = new Set<Sub>();
  private readonly slots: ConcurrencyLimiter;
  private readonly delivered: Record<Channel, number>;
  private readonly log: Logger;
  private readonly pageEntries: number;
  private readonly maxBufferedLive: number;
  private readonly sliceLimit: number;
  private readonly maxPaceMs: number;
  private bytesSinceCheck = 0;
  private sliceBytes = 0;
  private lastEntryMs = 0;
  private connSeq = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly o: HubOptions) {
    this.size = o.keys.length;
    this.live = new Vector(this.size);
    this.slots = new ConcurrencyLimiter({ concurrency: o.replayConcurrency ?? 16 });
    this.delivered = Object.fromEntries(CHANNELS.map((c) => [c, 0])) as Record<Channel, number>;
    this.log = o.logger;
    this.pageEntries = o.replayPageEntries ?? 32;
    this.maxBufferedLive = o.maxBufferedLive ?? 10_000;
    this.sliceLimit = o.sliceBytes ?? Math.min(Math.floor(o.maxBufferBytes / 4), 64 * 1024);
    this.maxPaceMs = o.maxPaceMs ?? 50;
    this.index = new GroupIndex(o.topicPrefix);
    this.resume = {
      source: o.streams,
      streams: o.keys,
      log: this.log,
      pageEntries: this.pageEntries,
      throttleBytes: o.maxBufferBytes / 2,
      send: (s, data) => this.sendEvent(s, data),
      waitDrain: (c) => this.waitDrain(c),
    };
  }

  // Thresholds: a client is lagged above the bound and resumed at half of it; replays pause at half and go on
  // at a quarter, so a resume's own traffic does not push the client over the bound.
  private get bound(): number {
    return this.o.maxBufferBytes;
  }

  startTimers(): void {
    if (this.timer) return;
    const every = Math.min(250, Math.max(20, Math.floor(this.o.laggedGraceMs / 4)));
    this.timer = setInterval(() => this.tick(), every);
    this.timer.unref();
  }

  stopTimers(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  // Connections ---------------------------------------------------------------------------------------------

  connectionCount(): number {
    return this.conns.size;
  }

  tenantConnectionCount(tenant: string): number {
    return this.tenantConns.get(tenant) ?? 0;
  }

  allConnections(): Conn[] {
    return [...this.conns];
  }

  openConn(ws: Socket, tenant: string, label: string): Conn {
    const c = new Conn(++this.connSeq, ws, tenant, label, new TokenBucket(perSecond(this.o.clientMessagesPerSec), this.o.clock));
    this.conns.add(c);
    this.tenantConns.set(tenant, this.tenantConnectionCount(tenant) + 1);
    this.o.metrics.connections.inc({ channel: label });
    return c;
  }

  /** After uWS reported the close: the socket must not be touched any more. */
  closeConn(c: Conn): void {
    if (c.closed) return;
    c.closed = true;
    for (const s of [...c.subs.values()]) this.removeSub(s);
    this.releaseDrainWaiters(c);
    this.conns.delete(c);
    this.liveConns.delete(c);
    this.watch.delete(c);
    const n = this.tenantConnectionCount(c.tenant) - 1;
    if (n > 0) this.tenantConns.set(c.tenant, n);
    else this.tenantConns.delete(c.tenant);
    this.o.metrics.connections.dec({ channel: c.label });
  }

  // Subscriptions -------------------------------------------------------------------------------------------

  /** Adds a subscription; with `since` it first replays what the client missed. Returns an error text or the sub. */
  subscribe(c: Conn, filter: Filter, since?: Vector): Sub | string {
    const key = filterKey(filter);
    if (c.subs.has(key)) return 'already subscribed to this channel with this filter';
    if (c.subs.size >= MAX_SUBSCRIPTIONS_PER_CONNECTION) return `at most ${MAX_SUBSCRIPTIONS_PER_CONNECTION} subscriptions per connection`;
    const g = this.index.get(c.tenant, key, filter);
    // The floor is the subscription's own: it moves as events are delivered.
    const s = new Sub(c, g, (since ?? this.live).clone());
    g.subs.add(s);
    c.subs.set(key, s);
    if (c.lagged) s.state = 'paused'; // resumed with the others when the client drains
    else if (since) void this.startReplay(s);
    else this.goLive(s);
    return s;
  }

  unsubscribe(c: Conn, filter: Filter): boolean {
    const s = c.subs.get(filterKey(filter));
    if (!s) return false;
    this.removeSub(s);
    return true;
  }

  private removeSub(s: Sub): void {
    s.gen++;
    const g = s.group;
    if (s.state === 'live') {
      g.live--;
      if (!s.conn.closed) s.conn.ws.unsubscribe(g.topic);
    }
    s.state = 'paused';
    s.buffer = [];
    g.pending.delete(s);
    this.catchup.delete(s);
    g.subs.delete(s);
    s.conn.subs.delete(g.key);
    if (g.subs.size === 0) this.index.drop(g);
    if (!s.conn.closed) this.wakeDrainWaiters(s.conn);
  }

  // Live path -----------------------------------------------------------------------------------------------

  /**
   * One read of the reader: streams with their entries, in stream order. Published bytes are sliced: between
   * slices uWS gets the event loop to write them out, and when most live clients are still behind the reader
   * waits a little (never long: a stuck minority gets lagged instead of holding everyone back).
   */
  readonly consume = async (batch: ReadonlyArray<readonly [number, StreamEntry[]]>): Promise<void> => {
    for (const [p, entries] of batch) {
      for (const entry of entries) {
        this.processEntry(p, entry);
        if (this.sliceBytes >= this.sliceLimit) await this.endSlice();
      }
    }
    this.afterBatch();
  };

  /** Entries of stream `p`, processed at once (tests; the reader goes through `consume`). */
  readonly onEntries = (p: number, entries: StreamEntry[]): void => {
    for (const entry of entries) this.processEntry(p, entry);
  };

  private processEntry(p: number, [id, fields]: StreamEntry): void {
    const live = this.live;
    const dash = id.indexOf('-');
    const ms = Number(id.slice(0, dash));
    const seq = Number(id.slice(dash + 1));
    // An entry of one tenant that nobody here subscribes to is passed over without decoding it.
    const tenant = fields ? tenantOfEntry(fields) : undefined;
    if (tenant !== undefined && this.index.tenant(tenant) === undefined) {
      live.set(p, ms, seq, WHOLE);
      this.lastEntryMs = ms;
      this.o.metrics.entriesSkipped.inc();
      return;
    }
    let events: CanonicalEvent[];
    try {
      events = fields ? eventsOfEntry(fields) : [];
    } catch (err) {
      this.log.warn({ stream: this.o.keys[p], id, err: (err as Error).message }, 'skipping unreadable stream entry');
      events = [];
    }
    for (let i = 0; i < events.length; i++) {
      const ev = events[i] as CanonicalEvent;
      live.set(p, ms, seq, i + 1);
      if (typeof ev !== 'object' || ev === null) continue;
      const t = this.index.tenant(ev.tenant);
      if (t === undefined) continue;
      try {
        this.dispatch(t, p, ms, seq, i + 1, ev);
      } catch (err) {
        // A bug here must not stop the reader (it would skip the rest of the read for everyone).
        this.log.error({ err, stream: this.o.keys[p], id }, 'realtime dispatch failed');
      }
    }
    live.set(p, ms, seq, WHOLE);
    this.lastEntryMs = ms;
    if (events.length > 0) this.o.metrics.eventsRead.inc(events.length);
  }

  private async endSlice(): Promise<void> {
    this.sliceBytes = 0;
    this.afterBatch();
    await new Promise((resolve) => setImmediate(resolve));
    // Wall time, not the injected clock: this is pacing, not behaviour.
    const started = performance.now();
    while (this.congested() && performance.now() - started < this.maxPaceMs) {
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
  }

  /** True when more than half of the clients taking live traffic hold more than a slice unsent. */
  private congested(): boolean {
    let n = 0;
    let behind = 0;
    for (const c of this.liveConns) {
      if (c.closed || c.lagged) continue;
      n++;
      if (c.ws.getBufferedAmount() > this.sliceLimit) behind++;
    }
    return behind * 2 > n;
  }

  readonly afterBatch = (): void => {
    for (const s of this.catchup) if (this.live.covers(s.floor)) this.goLive(s);
    this.flushCounts();
    this.o.metrics.readLag.set(Math.max(0, this.o.clock() - this.lastEntryMs) / 1000);
    if (this.bytesSinceCheck >= this.bound / 4) this.checkBuffers();
  };

  readonly onIdle = (): void => {
    this.o.metrics.readLag.set(0);
  };

  private dispatch(t: TenantIndex, p: number, ms: number, seq: number, idx: number, ev: CanonicalEvent): void {
    let data: string | undefined;
    let cursor: string | undefined;
    const ch = CHANNEL_OF_KIND[ev.kind];
    const byChannel = ch === undefined ? undefined : t.byChannel.get(ch);
    if (byChannel !== undefined) {
      let msg: string | undefined;
      for (const g of byChannel) {
        if (!g.match(ev)) continue;
        if (msg === undefined) {
          data ??= JSON.stringify(ev);
          cursor ??= this.live.encode();
          msg = eventMessage(g.channel, cursor, data);
        }
        this.deliver(g, msg, p, ms, seq, idx, data as string, cursor as string);
      }
    }
    const byTarget = t.byTarget.get(ev.target);
    if (byTarget !== undefined) {
      let msg: string | undefined;
      for (const g of byTarget) {
        if (!g.match(ev)) continue;
        if (msg === undefined) {
          data ??= JSON.stringify(ev);
          cursor ??= this.live.encode();
          msg = eventMessage('targets', cursor, data);
        }
        this.deliver(g, msg, p, ms, seq, idx, data as string, cursor as string);
      }
    }
  }

  private deliver(g: Group, msg: string, p: number, ms: number, seq: number, idx: number, data: string, cursor: string): void {
    if (g.live > 0) {
      this.o.publish(g.topic, msg);
      this.bytesSinceCheck += msg.length;
      this.sliceBytes += msg.length;
      this.delivered[g.channel] += g.live;
    }
    if (g.pending.size === 0) return;
    for (const s of g.pending) {
      if (s.state === 'replay') {
        if (s.overflowed) continue;
        s.buffer.push({ p, ms, seq, idx, data, cursor });
        s.bufferBytes += data.length + cursor.length;
        if (s.buffer.length > this.maxBufferedLive || s.bufferBytes > this.bound) {
          // The replay is slower than the live flow: drop the buffer and let the next pass read those from Redis.
          s.overflowed = true;
          s.buffer = [];
          s.bufferBytes = 0;
        }
      } else if (s.state === 'catchup') {
        if (s.floor.compareAt(p, ms, seq, idx) > 0) {
          s.floor.raiseTo(this.live);
          this.sendEvent(s, data);
        }
        if (this.live.covers(s.floor)) this.goLive(s);
      }
    }
  }

  private sendEvent(s: Sub, data: string): void {
    const msg = eventMessage(s.group.channel, s.floor.encode(), data);
    s.conn.ws.send(msg);
    this.bytesSinceCheck += msg.length;
    this.sliceBytes += msg.length;
    this.delivered[s.group.channel]++;
  }

  private goLive(s: Sub): void {
    s.state = 'live';
    s.buffer = [];
    s.group.pending.delete(s);
    this.catchup.delete(s);
    // Messages published before this call are not delivered to the new subscriber (uWS drains the topic first),
    // and the ones up to here reached this client by replay or catch-up: the seam has no gap and no duplicate.
    s.conn.ws.subscribe(s.group.topic);
    s.group.live++;
    this.liveConns.add(s.conn);
  }

  private flushCounts(): void {
    for (const ch of CHANNELS) {
      const n = this.delivered[ch];
      if (n > 0) {
        this.o.metrics.delivered.inc({ channel: ch }, n);
        this.delivered[ch] = 0;
      }
    }
  }

  // Backpressure --------------------------------------------------------------------------------------------

  /** Runs from the timer: buffer checks, grace periods, metric counts (public so tests can drive it). */
  tick(): void {
    if (this.bytesSinceCheck > 0) this.checkBuffers();
    this.flushCounts();
    const now = this.o.clock();
    for (const c of this.watch) {
      if (c.closed) {
        this.watch.delete(c);
        continue;
      }
      const since = c.lagged ? c.lagSince : c.throttledSince;
      if (since === 0) {
        this.watch.delete(c);
      } else if (now - since > this.o.laggedGraceMs) {
        this.o.metrics.closedSlow.inc();
        this.log.info({ conn: c.id, bufferedBytes: c.ws.getBufferedAmount() }, 'closing a client that stays over its buffer bound');
        c.ws.end(1013, `too slow: more than ${this.bound} bytes unread for over ${this.o.laggedGraceMs} ms`);
      }
    }
  }

  /** Pauses every client whose unsent bytes exceed the bound. */
  checkBuffers(): void {
    this.bytesSinceCheck = 0;
    for (const c of this.liveConns) {
      if (c.closed || c.lagged) {
        this.liveConns.delete(c);
      } else if (c.ws.getBufferedAmount() > this.bound) {
        this.lag(c);
      }
    }
  }

  private lag(c: Conn): void {
    c.lagged = true;
    c.lagSince = this.o.clock();
    this.liveConns.delete(c);
    this.watch.add(c);
    this.o.metrics.lagged.inc();
    const topics: string[] = [];
    let cursor: Vector | undefined;
    for (const s of c.subs.values()) {
      if (s.state === 'live') {
        s.floor.copyFrom(this.live);
        topics.push(s.group.topic);
        s.group.live--;
      }
      s.gen++; // abandons a running replay; its floor is what it delivered
      s.state = 'paused';
      s.buffer = [];
      s.group.pending.delete(s);
      this.catchup.delete(s);
      if (cursor) lowerTo(cursor, s.floor);
      else cursor = s.floor.clone();
    }
    // `lagged` goes out before unsubscribing: sending drains what was already published to this socket's topics
    // (so the cursor, which counts those as delivered, is right); unsubscribing first would drop them.
    c.ws.send(laggedMessage((cursor ?? this.live).encode()));
    for (const t of topics) c.ws.unsubscribe(t);
    this.wakeDrainWaiters(c);
  }

  /** uWS `drain`: some buffered bytes went out. */
  onDrain(c: Conn): void {
    if (c.closed) return;
    const buffered = c.ws.getBufferedAmount();
    if (c.drainWaiters.length > 0 && buffered <= this.bound / 4) this.releaseDrainWaiters(c);
    if (c.lagged && buffered <= this.bound / 2) {
      c.lagged = false;
      c.lagSince = 0;
      for (const s of c.subs.values()) if (s.state === 'paused') void this.startReplay(s);
    }
  }

  private releaseDrainWaiters(c: Conn): void {
    c.throttledSince = 0;
    this.wakeDrainWaiters(c);
  }

  /** Lets waiting replays look again (an abandoned one then ends and frees its slot); the grace clock runs on. */
  private wakeDrainWaiters(c: Conn): void {
    const waiters = c.drainWaiters;
    c.drainWaiters = [];
    for (const w of waiters) w();
  }

  private waitDrain(c: Conn): Promise<void> {
    if (c.throttledSince === 0) c.throttledSince = this.o.clock();
    this.watch.add(c);
    return new Promise((resolve) => c.drainWaiters.push(resolve));
  }

  // Replay --------------------------------------------------------------------------------------------------

  private async startReplay(s: Sub): Promise<void> {
    const gen = ++s.gen;
    s.state = 'replay';
    s.buffer = [];
    s.bufferBytes = 0;
    s.overflowed = false;
    s.group.pending.add(s);
    const release = await this.slots.acquire();
    try {
      for (;;) {
        if (s.gen !== gen || s.conn.closed) return;
        const outcome = await replayPass(this.resume, s, gen);
        if (outcome === 'aborted') return;
        if (outcome === 'reset') {
          this.o.metrics.replays.inc({ outcome: 'reset' });
          s.conn.ws.send(RESET_MESSAGE);
          s.floor.copyFrom(this.live);
          this.goLive(s);
          return;
        }
        if (s.overflowed) {
          s.overflowed = false;
          continue;
        }
        flushBuffered(this.resume, s);
        this.o.metrics.replays.inc({ outcome: 'done' });
        if (this.live.covers(s.floor)) {
          this.goLive(s);
        } else {
          // The replay read entries the live reader has not reached yet: take live events one by one, skipping
          // those already replayed, until it has.
          s.state = 'catchup';
          this.catchup.add(s);
          this.liveConns.add(s.conn);
        }
        return;
      }
    } catch (err) {
      if (s.gen !== gen || s.conn.closed) return;
      this.log.warn({ conn: s.conn.id, err: (err as Error).message }, 'resume from cursor failed');
      s.conn.ws.end(1011, 'resume failed: reconnect with the last cursor you received');
    } finally {
      release();
    }
  }
}
