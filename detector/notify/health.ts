// Delivery health per channel: after FAILING_AFTER notifications in a row failed (retries exhausted or a
// permanent refusal), the channel is marked failing — on the stored channel (so the API shows it) and in
// the gauge lightwatch_channel_failing — until one succeeds again. The store is written only when the
// state flips, not on every attempt.
import type { Logger } from 'pino';
import { Gauge, type Registry } from 'prom-client';
import type { Store } from '../../lib/store/port.js';
import type { Channel, ChannelHealth } from '../../lib/store/types.js';

export const FAILING_AFTER = 3;

export interface ChannelHealthTracker {
  record(channel: Channel, ok: boolean, error: string | undefined, at: number): void;
  /** Writes still under way (tests and shutdown wait for them). */
  settled(): Promise<void>;
}

export function createHealthTracker(store: Store, registry: Registry, logger: Logger): ChannelHealthTracker {
  const failing = new Gauge({ name: 'lightwatch_channel_failing', help: '1 while a notification channel keeps failing (several notifications in a row not delivered)', labelNames: ['tenant', 'channel', 'kind'], registers: [registry] });
  const streak = new Map<string, number>();
  const pending = new Set<Promise<void>>();

  const write = (channel: Channel, patch: (h: ChannelHealth) => ChannelHealth): void => {
    const p = (async () => {
      const stored = await store.channels.get(channel.tenant, channel.id);
      if (!stored) return;
      await store.channels.update({ ...stored, health: patch(stored.health ?? { failing: false, consecutiveFailures: 0 }) });
    })()
      .catch((err: unknown) => logger.warn({ err, channel: channel.id }, 'recording channel health failed'))
      .finally(() => pending.delete(p));
    pending.add(p);
  };

  return {
    record(channel, ok, error, at) {
      const labels = { tenant: channel.tenant, channel: channel.id, kind: channel.kind };
      const before = streak.get(channel.id) ?? (channel.health?.failing ? FAILING_AFTER : 0);
      if (ok) {
        streak.set(channel.id, 0);
        failing.set(labels, 0);
        if (before >= FAILING_AFTER || channel.health?.failing) write(channel, (h) => ({ ...h, failing: false, consecutiveFailures: 0, lastSuccessAt: at }));
        return;
      }
      const now = before + 1;
      streak.set(channel.id, now);
      if (now >= FAILING_AFTER) failing.set(labels, 1);
      if (now === FAILING_AFTER) {
        logger.warn({ channel: channel.id, kind: channel.kind, error }, 'channel marked failing');
        write(channel, (h) => ({ ...h, failing: true, consecutiveFailures: now, ...(error ? { lastError: error.slice(0, 300) } : {}), lastFailureAt: at }));
      }
    },
    async settled() {
      while (pending.size > 0) await Promise.all([...pending]);
    },
  };
}
