// Backpressure: a client whose unsent bytes pass the bound is paused with `lagged` (its subscriptions leave their
// topics) and resumed by replay once it drains to half; one that stays lagged, or keeps a replay waiting, past the
// grace period is closed with 1013. Replays wait here for their client to drain.
import { lowerTo, type Vector } from '../cursor.js';
import { laggedMessage } from '../messages.js';
import type { Conn, Sub } from '../state.js';
import type { HubCore } from './core.js';

export class Backpressure {
  constructor(
    private readonly core: HubCore,
    /** Resumes a paused subscription from its floor (replay). */
    private readonly resume: (s: Sub) => void,
  ) {}

  /** Runs from the timer: buffer checks, grace periods, metric counts. */
  tick(): void {
    const { core } = this;
    if (core.bytesSinceCheck > 0) this.checkBuffers();
    core.flushCounts();
    const now = core.o.clock();
    const grace = core.o.laggedGraceMs;
    for (const c of core.watch) {
      if (c.closed) {
        core.watch.delete(c);
        continue;
      }
      const since = c.lagged ? c.lagSince : c.throttledSince;
      if (since === 0) {
        core.watch.delete(c);
      } else if (now - since > grace) {
        core.o.metrics.closedSlow.inc();
        core.log.info({ conn: c.id, bufferedBytes: c.ws.getBufferedAmount() }, 'closing a client that stays over its buffer bound');
        c.ws.end(1013, `too slow: more than ${core.bound} bytes unread for over ${grace} ms`);
      }
    }
  }

  /** Pauses every client whose unsent bytes exceed the bound. */
  checkBuffers(): void {
    const { core } = this;
    core.bytesSinceCheck = 0;
    for (const c of core.liveConns) {
      if (c.closed || c.lagged) {
        core.liveConns.delete(c);
      } else if (c.ws.getBufferedAmount() > core.bound) {
        this.lag(c);
      }
    }
  }

  private lag(c: Conn): void {
    const { core } = this;
    c.lagged = true;
    c.lagSince = core.o.clock();
    core.liveConns.delete(c);
    core.watch.add(c);
    core.o.metrics.lagged.inc();
    const topics: string[] = [];
    let cursor: Vector | undefined;
    for (const s of c.subs.values()) {
      if (s.state === 'live') {
        s.floor.copyFrom(core.live);
        topics.push(s.group.topic);
        s.group.live--;
      }
      s.gen++; // abandons a running replay; its floor is what it delivered
      s.state = 'paused';
      s.buffer = [];
      s.group.pending.delete(s);
      core.catchup.delete(s);
      if (cursor) lowerTo(cursor, s.floor);
      else cursor = s.floor.clone();
    }
    // `lagged` goes out before unsubscribing: sending drains what was already published to this socket's topics
    // (so the cursor, which counts those as delivered, is right); unsubscribing first would drop them.
    c.ws.send(laggedMessage((cursor ?? core.live).encode()));
    for (const t of topics) c.ws.unsubscribe(t);
    this.wakeDrainWaiters(c);
  }

  /** uWS `drain`: some buffered bytes went out. */
  onDrain(c: Conn): void {
    if (c.closed) return;
    const buffered = c.ws.getBufferedAmount();
    if (c.drainWaiters.length > 0 && buffered <= this.core.bound / 4) this.releaseDrainWaiters(c);
    if (c.lagged && buffered <= this.core.bound / 2) {
      c.lagged = false;
      c.lagSince = 0;
      for (const s of c.subs.values()) if (s.state === 'paused') this.resume(s);
    }
  }

  releaseDrainWaiters(c: Conn): void {
    c.throttledSince = 0;
    this.wakeDrainWaiters(c);
  }

  /** Lets waiting replays look again (an abandoned one then ends and frees its slot); the grace clock runs on. */
  wakeDrainWaiters(c: Conn): void {
    const waiters = c.drainWaiters;
    c.drainWaiters = [];
    for (const w of waiters) w();
  }

  /** Resolves when `c` drained below a quarter of the bound (or is woken); starts its grace clock. */
  waitDrain(c: Conn): Promise<void> {
    if (c.throttledSince === 0) c.throttledSince = this.core.o.clock();
    this.core.watch.add(c);
    return new Promise((resolve) => c.drainWaiters.push(resolve));
  }
}
