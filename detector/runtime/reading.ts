// The detector as a handler of the group-consumer loop (group `detect`): it reads only the partitions it holds
// and may read (lease fresh), applies each read to the partitions' actors, and reloads the configuration first
// when an entry's request created a target (FIELD_CONFIG_CHANGED). Entries of tenants with no target and no
// rule, and metric batches of tenants with no rule that reads samples, are read thin (without their payload):
// the apply passes them over. On takeover, the partition's
// pending entries (delivered to a dead owner, never acknowledged) are claimed and replayed before it goes active.
import type { Logger } from 'pino';
import { changesConfig } from '../../lib/streams/codec.js';
import type { GroupHandler } from '../../lib/streams/consumer.js';
import { GROUP_DETECT } from '../../lib/streams/partition.js';
import type { StreamEntry, Streams } from '../../lib/streams/port.js';
import { rereadWanted } from '../../lib/streams/thin.js';
import type { ApplyEntries } from './apply.js';
import type { Flusher } from './flush.js';
import type { PartitionState, RuntimeState } from './state.js';

export interface ReadingDeps {
  state: RuntimeState;
  streams: Streams;
  apply: ApplyEntries;
  flusher: Flusher;
  logger: Logger;
  consumer: string;
  batchCount: number;
  mayRead(partition: number): boolean;
  reloadConfig?: () => Promise<void>;
  /** Tenants with a target or a rule (ConfigCache.tenants): only their entries are read whole. */
  watchedTenants: () => readonly string[];
  watchesTenant: (tenant: string) => boolean;
  /** Of those, the tenants with a rule that reads metric samples: only their metric batches are read whole. */
  metricTenants: () => readonly string[];
  watchesMetrics: (tenant: string) => boolean;
}

export interface Reading {
  handler: GroupHandler;
  /** Claims and applies the partition's pending entries (takeover), while it is starting. */
  replayPending(part: PartitionState): Promise<void>;
}

const marked = (entries: readonly StreamEntry[]): boolean => entries.some(([, fields]) => changesConfig(fields));

export function createReading(d: ReadingDeps): Reading {
  const { state, streams, apply, flusher, logger } = d;
  const wants = (tenant: string, kind: 'batch' | 'events'): boolean => (kind === 'batch' ? d.watchesMetrics(tenant) : d.watchesTenant(tenant));

  /** Reloads the configuration first when `changed` (an entry's request created a target: FIELD_CONFIG_CHANGED). */
  const configBefore = async (changed: boolean): Promise<void> => {
    if (!changed || !d.reloadConfig) return;
    try {
      await d.reloadConfig();
    } catch (err) {
      // Applied anyway: the next periodic reload picks the target up, as it did before the mark existed.
      logger.warn({ err }, 'reloading the configuration for a created target failed');
    }
  };

  return {
    handler: {
      streams: () => {
        const out: string[] = [];
        for (const p of state.parts.values()) if (p.status === 'active' && d.mayRead(p.p)) out.push(p.stream);
        return out;
      },
      payloadTenants: () => d.watchedTenants(),
      batchTenants: () => d.metricTenants(),
      async handle(batch) {
        await configBefore(batch.some(([, entries]) => marked(entries)));
        // Entries of a tenant watched since the read was asked for came thin: read them whole before applying.
        const tried = new Set<string>();
        for (let p = rereadWanted(streams, batch, wants, tried); p !== undefined; p = rereadWanted(streams, batch, wants, tried)) await p;
        for (const [stream, entries] of batch) {
          const part = state.byStream.get(stream);
          // Entries of a partition being released stay pending: its next owner claims them.
          if (part && part.status === 'active') apply(part, entries, false);
        }
        await flusher.maybeFlush();
      },
      idle: () => flusher.maybeFlush(),
    },
    async replayPending(part) {
      let cursor = '0-0';
      do {
        const res = await streams.autoclaim(part.stream, GROUP_DETECT, d.consumer, 0, cursor, d.batchCount);
        if (part.status !== 'starting') return;
        cursor = res.next;
        await configBefore(marked(res.entries));
        if (part.status !== 'starting') return;
        apply(part, res.entries, true);
      } while (cursor !== '0-0');
    },
  };
}
