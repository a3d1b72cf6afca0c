// Per-connection and per-subscription state of the realtime hub, and the narrow socket port it drives (the few
// uWS WebSocket calls it needs), so the hub's logic reads without uWS types.
import type { Channel } from './channels.js';
import type { Vector } from './cursor.js';
import type { EventPredicate, Filter } from './filter.js';
import type { TokenBucket } from '../lib/limits/token-bucket.js';

export interface Socket {
  send(message: string): number;
  getBufferedAmount(): number;
  subscribe(topic: string): boolean;
  unsubscribe(topic: string): boolean;
  end(code: number, reason: string): void;
  cork(cb: () => void): void;
}

/**
 * Subscription states: `replay` reads missed events from the streams while buffering live ones; `catchup` takes
 * live events one by one until the live reader has passed the replay's end; `live` receives through the uWS topic;
 * `paused` is lagged, waiting for the client to drain.
 */
export type SubState = 'replay' | 'catchup' | 'live' | 'paused';

/** A live event kept for a replaying subscription: its position, its data and the live cursor at that point. */
export interface BufferedLive {
  p: number;
  ms: number;
  seq: number;
  idx: number;
  data: string;
  cursor: string;
}

/** Subscriptions with equal (tenant, filter) share one group and one uWS topic. */
export class Group {
  /** Subscriptions subscribed to the topic. */
  live = 0;
  /** Subscriptions in `replay` or `catchup`, which take live events one by one. */
  readonly pending = new Set<Sub>();
  readonly subs = new Set<Sub>();

  constructor(
    readonly tenant: string,
    readonly key: string,
    readonly topic: string,
    readonly filter: Filter,
    readonly match: EventPredicate,
  ) {}

  get channel(): Channel {
    return this.filter.channel;
  }
}

export class Sub {
  state: SubState = 'paused';
  /** Everything at or below this vector (and matching) has been delivered to this subscription. */
  floor: Vector;
  buffer: BufferedLive[] = [];
  bufferBytes = 0;
  overflowed = false;
  /** Bumped to abandon a running replay. */
  gen = 0;

  constructor(
    readonly conn: Conn,
    readonly group: Group,
    floor: Vector,
  ) {
    this.floor = floor;
  }
}

export class Conn {
  readonly subs = new Map<string, Sub>();
  closed = false;
  lagged = false;
  lagSince = 0;
  /** When a replay started waiting for this client to drain (0 when not waiting). */
  throttledSince = 0;
  drainWaiters: Array<() => void> = [];
  /** When the last "too many messages" error went out, so floods do not get one error each. */
  lastRateError = 0;

  constructor(
    readonly id: number,
    readonly ws: Socket,
    readonly tenant: string,
    /** Metrics label: the path channel, or `multi` for /ws. */
    readonly label: string,
    readonly bucket: TokenBucket,
  ) {}
}
