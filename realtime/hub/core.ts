// The realtime hub's shared state: where the live reader stands, the subscription index, the connection sets each
// concern watches, and the two moves every concern makes (send one event to a subscription; switch a subscription
// to its live topic). Registry, dispatch, pacing, backpressure and replay (the files beside this one) work on it.
import type { Logger } from 'pino';
import { CHANNELS, type Channel } from '../channels.js';
import { Vector } from '../cursor.js';
import { eventMessage } from '../messages.js';
import type { RealtimeMetrics } from '../metrics.js';
import type { Streams } from '../../lib/streams/port.js';
import type { Conn, Sub } from '../state.js';
import { GroupIndex } from '../topics.js';

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

export class HubCore {
  /** Where the live reader stands: the cursor of the event being dispatched. */
  readonly live: Vector;
  readonly index: GroupIndex;
  readonly log: Logger;
  /**
   * Unsent bytes above which a client is lagged. Thresholds: lagged above the bound and resumed at half of it;
   * replays pause at half and go on at a quarter, so a resume's own traffic does not push the client over it.
   */
  readonly bound: number;
  readonly conns = new Set<Conn>();
  readonly tenantConns = new Map<string, number>();
  /** Connections that take live traffic and so are checked against the buffer bound. */
  readonly liveConns = new Set<Conn>();
  /** Lagged or throttled connections, checked against the grace period. */
  readonly watch = new Set<Conn>();
  /** Subscriptions whose replay ran ahead of the live reader, taking live events one by one until it catches up. */
  readonly catchup = new Set<Sub>();
  /** Bytes sent since the last buffer check, and since the last pacing slice. */
  bytesSinceCheck = 0;
  sliceBytes = 0;
  lastEntryMs = 0;
  private readonly delivered: Record<Channel, number>;

  constructor(readonly o: HubOptions) {
    this.live = new Vector(o.keys.length);
    this.index = new GroupIndex(o.topicPrefix);
    this.log = o.logger;
    this.bound = o.maxBufferBytes;
    this.delivered = Object.fromEntries(CHANNELS.map((c) => [c, 0])) as Record<Channel, number>;
  }

  /** Counts `n` deliveries on `channel` and `bytes` sent (for the buffer checks and pacing). */
  count(channel: Channel, n: number, bytes: number): void {
    this.bytesSinceCheck += bytes;
    this.sliceBytes += bytes;
    this.delivered[channel] += n;
  }

  /** Sends one event to `s` with its floor as the cursor. */
  sendEvent(s: Sub, data: string): void {
    const msg = eventMessage(s.group.channel, s.floor.encode(), data);
    s.conn.ws.send(msg);
    this.count(s.group.channel, 1, msg.length);
  }

  goLive(s: Sub): void {
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

  /** Moves the delivery counts to the metric. */
  flushCounts(): void {
    for (const ch of CHANNELS) {
      const n = this.delivered[ch];
      if (n > 0) {
        this.o.metrics.delivered.inc({ channel: ch }, n);
        this.delivered[ch] = 0;
      }
    }
  }
}
