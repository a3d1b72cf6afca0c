// The realtime hub: turns stream entries into messages and gets them to subscribers. It wires the concerns in
// realtime/hub/: the registry (connections, subscriptions), dispatch (live events to topics, one message per
// event and channel), pacing (a read published in slices), backpressure (lagged clients paused and resumed, slow
// ones closed with 1013) and replay (missed events from the streams, joined to live at a seam with neither gap
// nor duplicate), all on one shared state (hub/core.ts).
import type { Vector } from './cursor.js';
import type { Filter } from './filter.js';
import type { StreamEntry } from '../lib/streams/port.js';
import { rereadWhole, thinAndWanted } from '../lib/streams/thin.js';
import type { Conn, Socket, Sub } from './state.js';
import { Backpressure } from './hub/backpressure.js';
import { HubCore, type HubOptions } from './hub/core.js';
import { Dispatcher } from './hub/dispatch.js';
import { Pacer } from './hub/pacing.js';
import { Registry } from './hub/registry.js';
import { Replayer } from './hub/replay.js';

export type { HubOptions } from './hub/core.js';
export { MAX_SUBSCRIPTIONS_PER_CONNECTION } from './hub/registry.js';

export class Hub {
  /** Where the live reader stands: the cursor of the event being dispatched. */
  readonly live: Vector;
  private readonly core: HubCore;
  private readonly registry: Registry;
  private readonly dispatcher: Dispatcher;
  private readonly pacer: Pacer;
  private readonly backpressure: Backpressure;
  private readonly replayer: Replayer;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly o: HubOptions) {
    this.core = new HubCore(o);
    this.live = this.core.live;
    this.backpressure = new Backpressure(this.core, (s) => this.replayer.start(s));
    this.replayer = new Replayer(this.core, (c) => this.backpressure.waitDrain(c));
    this.registry = new Registry(this.core, {
      replay: this.replayer.start,
      wakeDrainWaiters: (c) => this.backpressure.wakeDrainWaiters(c),
      releaseDrainWaiters: (c) => this.backpressure.releaseDrainWaiters(c),
    });
    this.dispatcher = new Dispatcher(this.core);
    this.pacer = new Pacer(this.core);
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

  /** Replays waiting for a slot (at most `replayConcurrency` run at once). */
  replaysWaiting(): number {
    return this.replayer.waiting;
  }

  // Registry
  connectionCount(): number {
    return this.registry.connectionCount();
  }
  tenantConnectionCount(tenant: string): number {
    return this.registry.tenantConnectionCount(tenant);
  }
  allConnections(): Conn[] {
    return this.registry.allConnections();
  }
  openConn(ws: Socket, tenant: string, label: string): Conn {
    return this.registry.openConn(ws, tenant, label);
  }
  /** After uWS reported the close: the socket must not be touched any more. */
  closeConn(c: Conn): void {
    this.registry.closeConn(c);
  }
  /** Adds a subscription; with `since` it first replays what the client missed. Returns an error text or the sub. */
  subscribe(c: Conn, filter: Filter, since?: Vector): Sub | string {
    return this.registry.subscribe(c, filter, since);
  }
  unsubscribe(c: Conn, filter: Filter): boolean {
    return this.registry.unsubscribe(c, filter);
  }

  // Live path: the consumer loop's handler.
  /** One read of the reader: streams with their entries, in stream order, published in paced slices. */
  readonly consume = async (batch: ReadonlyArray<readonly [number, StreamEntry[]]>): Promise<void> => {
    for (const [p, entries] of batch) {
      for (let entry of entries) {
        // Read thin (nobody here subscribed to its tenant when the read was asked for), and now someone is.
        if (thinAndWanted(entry, this.subscribed)) entry = await rereadWhole(this.o.streams, this.o.keys[p] as string, entry);
        this.dispatcher.entry(p, entry);
        if (this.pacer.full()) await this.pacer.endSlice(this.afterBatch);
      }
    }
    this.afterBatch();
  };

  /** Tenants someone here subscribes to: the reader reads only their entries whole (payloadTenants). */
  readonly payloadTenants = (): string[] => this.core.index.tenantNames();
  /** Of those, the tenants with a metrics or a targets subscription: only their metric batches are read whole. */
  readonly batchTenants = (): string[] => this.core.index.metricTenantNames();

  private readonly subscribed = (tenant: string, kind: 'batch' | 'events'): boolean => (kind === 'batch' ? this.core.index.wantsMetrics(tenant) : this.core.index.tenant(tenant) !== undefined);

  /** Entries of stream `p`, processed at once (tests; the reader goes through `consume`). */
  readonly onEntries = (p: number, entries: StreamEntry[]): void => {
    for (const entry of entries) this.dispatcher.entry(p, entry);
  };

  readonly afterBatch = (): void => {
    const { core } = this;
    for (const s of core.catchup) if (core.live.covers(s.floor)) core.goLive(s);
    core.flushCounts();
    this.o.metrics.readLag.set(Math.max(0, this.o.clock() - core.lastEntryMs) / 1000);
    if (core.bytesSinceCheck >= core.bound / 4) this.backpressure.checkBuffers();
  };

  readonly onIdle = (): void => {
    this.o.metrics.readLag.set(0);
  };

  // Backpressure
  /** Runs from the timer: buffer checks, grace periods, metric counts (public so tests can drive it). */
  tick(): void {
    this.backpressure.tick();
  }
  /** Pauses every client whose unsent bytes exceed the bound. */
  checkBuffers(): void {
    this.backpressure.checkBuffers();
  }
  /** uWS `drain`: some buffered bytes went out. */
  onDrain(c: Conn): void {
    this.backpressure.onDrain(c);
  }
}
