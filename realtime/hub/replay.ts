// Replay: a subscription that names a cursor, or a lagged one whose client drained, reads what it missed from the
// streams (at most `replayConcurrency` at once, so a mass reconnect does not flood Redis) while live events are
// buffered for it; then it joins its topic, or takes live events one by one until the live reader reaches it.
import { ConcurrencyLimiter } from '../../lib/limits/concurrency.js';
import { RESET_MESSAGE } from '../messages.js';
import { flushBuffered, replayPass, type ResumeContext } from '../resume.js';
import type { Conn, Sub } from '../state.js';
import type { HubCore } from './core.js';

export class Replayer {
  private readonly slots: ConcurrencyLimiter;
  private readonly ctx: ResumeContext;

  constructor(
    private readonly core: HubCore,
    waitDrain: (c: Conn) => Promise<void>,
  ) {
    const o = core.o;
    this.slots = new ConcurrencyLimiter({ concurrency: o.replayConcurrency ?? 16 });
    this.ctx = {
      source: o.streams,
      streams: o.keys,
      log: core.log,
      pageEntries: o.replayPageEntries ?? 32,
      throttleBytes: o.maxBufferBytes / 2,
      send: (s, data) => core.sendEvent(s, data),
      waitDrain,
    };
  }

  /** Replays waiting for a slot (at most `replayConcurrency` run at once). */
  get waiting(): number {
    return this.slots.waiting;
  }

  /** Starts `s`'s replay from its floor; a newer start or a close (s.gen bumped) abandons it. Never rejects. */
  readonly start = (s: Sub): void => {
    void this.run(s);
  };

  private async run(s: Sub): Promise<void> {
    const { core } = this;
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
        const outcome = await replayPass(this.ctx, s, gen);
        if (outcome === 'aborted') return;
        if (outcome === 'reset') {
          core.o.metrics.replays.inc({ outcome: 'reset' });
          s.conn.ws.send(RESET_MESSAGE);
          s.floor.copyFrom(core.live);
          core.goLive(s);
          return;
        }
        if (s.overflowed) {
          s.overflowed = false;
          continue;
        }
        flushBuffered(this.ctx, s);
        core.o.metrics.replays.inc({ outcome: 'done' });
        if (core.live.covers(s.floor)) {
          core.goLive(s);
        } else {
          // The replay read entries the live reader has not reached yet: take live events one by one, skipping
          // those already replayed, until it has.
          s.state = 'catchup';
          core.catchup.add(s);
          core.liveConns.add(s.conn);
        }
        return;
      }
    } catch (err) {
      if (s.gen !== gen || s.conn.closed) return;
      core.log.warn({ conn: s.conn.id, err: (err as Error).message }, 'resume from cursor failed');
      s.conn.ws.end(1011, 'resume failed: reconnect with the last cursor you received');
    } finally {
      release();
    }
  }
}
