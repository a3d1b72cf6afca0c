// Runs the active checks (every kind) that fell due on this detector's partitions: at most `concurrency` at a time across
// all targets, never two of one target at once, each result written back as one `check` event to the
// target's partition stream (the target's actor evaluates it like any event), latency in a histogram. A scrape
// check also writes its samples, as the metric-batch entries remote_write's samples travel in, in the same
// append as its result.
import type { Logger } from 'pino';
import { Histogram, type Registry } from 'prom-client';
import type { CanonicalEvent } from '../../lib/events/event.js';
import { createIdGenerator } from '../../lib/events/ids.js';
import { encodeBatch, FIELD_EVENTS, FIELD_METRIC_BATCH, FIELD_TENANT } from '../../lib/streams/codec.js';
import { DEFAULT_MAX_ENTRY_CHARS, planMetricEntries } from '../../lib/streams/metric-entries.js';
import type { AppendEntry } from '../../lib/streams/port.js';
import type { StreamNames } from '../../lib/streams/partition.js';
import type { Streams } from '../../lib/streams/port.js';
import type { ScheduleCheckEffect } from '../machines/effects.js';
import type { Clock } from '../../lib/time/clock.js';
import type { NetworkGuard } from '../../lib/net/guard.js';
import { PROBES } from './kinds/index.js';
import { runCheckDetailed, type ProbeTable } from './probe.js';
import { createScrapeRecorder } from './scrape-recorder.js';

export interface CheckerOptions {
  streams: Streams;
  names: StreamNames;
  clock: Clock;
  logger: Logger;
  registry: Registry;
  concurrency: number;
  /** Whether this detector still owns the partition (a result is only written by its owner). */
  owns(partition: number): boolean;
  /** Queued checks beyond this are dropped (logged): an overloaded detector must not grow without bound. */
  maxQueued?: number;
  /** The probe of each kind (tests and benches swap them). */
  probes?: ProbeTable;
  /** Where checks may connect; default anywhere. */
  guard?: NetworkGuard;
  /** A tenant's labels-per-series limit, applied to scraped series; default Prometheus's bounds. */
  maxLabelsOf?: (tenant: string) => number;
}

export interface Checker {
  run(effect: ScheduleCheckEffect, partition: number): void;
  readonly active: number;
  readonly queued: number;
  close(): Promise<void>;
}

export function createChecker(o: CheckerOptions): Checker {
  const ids = createIdGenerator();
  const maxQueued = o.maxQueued ?? 10_000;
  const probes = o.probes ?? PROBES;
  const queue: Array<{ effect: ScheduleCheckEffect; partition: number }> = [];
  const running = new Set<string>();
  const tasks = new Set<Promise<void>>();
  const stop = new AbortController();
  let closed = false;
  const latency = new Histogram({
    name: 'lightwatch_check_latency_seconds',
    help: 'Latency of active checks (last attempt)',
    labelNames: ['kind', 'outcome'],
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [o.registry],
  });

  const scrapes = createScrapeRecorder(o.maxLabelsOf);

  const execute = async (effect: ScheduleCheckEffect, partition: number): Promise<void> => {
    const at = o.clock.now();
    const run = await runCheckDetailed(effect.check, probes, stop.signal, o.guard);
    let body = run.body;
    latency.observe({ kind: effect.check.kind, outcome: body.ok ? 'ok' : 'fail' }, body.latencyMs / 1000);
    if (stop.signal.aborted || !o.owns(partition)) {
      scrapes.forget(effect.tenant, effect.targetId);
      return;
    }
    const now = o.clock.now();
    const entries: AppendEntry[] = [];
    if (effect.check.kind === 'scrape') {
      const rec = scrapes.record({ tenant: effect.tenant, targetId: effect.targetId, targetName: effect.targetName, settings: effect.check.settings, body, last: run.last, at });
      body = rec.body;
      for (const e of planMetricEntries(effect.tenant, now, ids.next(now), rec.series, o.names, DEFAULT_MAX_ENTRY_CHARS)) {
        entries.push({ stream: e.stream, fields: [FIELD_METRIC_BATCH, e.payload, FIELD_TENANT, e.tenant] });
      }
    }
    const event: CanonicalEvent = { id: ids.next(now), tenant: effect.tenant, target: effect.targetName, ts: now, receivedAt: now, labels: {}, kind: 'check', body };
    entries.push({ stream: o.names.events(partition), fields: [FIELD_EVENTS, encodeBatch([event]), FIELD_TENANT, event.tenant] });
    await o.streams.append(entries);
  };

  const pump = (): void => {
    while (!closed && running.size < o.concurrency && queue.length > 0) {
      const next = queue.shift() as { effect: ScheduleCheckEffect; partition: number };
      const key = `${next.effect.tenant}\u0000${next.effect.targetId}`;
      if (running.has(key)) continue; // the previous run of this target is still going: skip this one
      running.add(key);
      const t = execute(next.effect, next.partition)
        .catch((err: unknown) => o.logger.warn({ err, target: next.effect.targetName }, 'check run failed'))
        .finally(() => {
          running.delete(key);
          tasks.delete(t);
          pump();
        });
      tasks.add(t);
    }
  };

  return {
    run(effect, partition) {
      if (closed) return;
      if (queue.length >= maxQueued) {
        o.logger.warn({ target: effect.targetName }, 'check queue full; skipping this run');
        return;
      }
      queue.push({ effect, partition });
      pump();
    },
    get active() {
      return running.size;
    },
    get queued() {
      return queue.length;
    },
    async close() {
      closed = true;
      queue.length = 0;
      stop.abort();
      await Promise.all([...tasks]);
    },
  };
}
