// Resuming one subscription from its floor: a pass reads every stream after the floor to its end (rounds of one
// page per stream, all streams' pages fetched at once), delivering the tenant's matching events with cursors that
// say exactly what was delivered; then the live events buffered meanwhile are flushed, minus those replayed.
import type { Logger } from 'pino';
import type { CanonicalEvent } from '../lib/events/event.js';
import type { Streams } from '../lib/streams/port.js';
import { contentOfEntry, tenantOfEntry } from '../lib/streams/codec.js';
import { sampleEvent, seriesEventLabels, type BatchSeries, type MetricBatch } from '../lib/tsdb/batch.js';
import { CHANNEL_OF_KIND } from './channels.js';
import { WHOLE, decodeVector, parseStreamId } from './cursor.js';
import { pageVerdict, readPage, type StreamPage } from './replay.js';
import type { Conn, Sub } from './state.js';

const METRICS_CHANNEL = CHANNEL_OF_KIND.metric;

export type PassOutcome = 'done' | 'reset' | 'aborted';

export interface ResumeContext {
  /** Where pages are read from. */
  source: Streams;
  streams: readonly string[];
  log: Logger;
  pageEntries: number;
  /** Unsent bytes above which a pass waits for the client to drain. */
  throttleBytes: number;
  /** Sends one event to the subscription with its floor as cursor. */
  send(s: Sub, data: string): void;
  waitDrain(c: Conn): Promise<void>;
}

/** Reads every stream after the subscription's floor to its end, delivering matches and raising the floor. */
export async function replayPass(ctx: ResumeContext, s: Sub, gen: number): Promise<PassOutcome> {
  const { conn, group, floor } = s;
  let active = Array.from({ length: ctx.streams.length }, (_, p) => p);
  while (active.length > 0) {
    const pages = await Promise.all(
      active.map((p) => readPage(ctx.source, ctx.streams[p] as string, { ms: floor.ms[p] as number, seq: floor.seq[p] as number, idx: floor.idx[p] as number }, ctx.pageEntries)),
    );
    if (s.gen !== gen || conn.closed) return 'aborted';
    const next: number[] = [];
    let outcome: PassOutcome = 'done';
    conn.ws.cork(() => {
      for (let k = 0; k < active.length && outcome === 'done'; k++) {
        const p = active[k] as number;
        const page = pages[k] as StreamPage;
        const verdict = pageVerdict({ ms: floor.ms[p] as number, seq: floor.seq[p] as number, idx: floor.idx[p] as number }, page);
        if (verdict !== 'ok') {
          ctx.log.info({ conn: conn.id, stream: ctx.streams[p], verdict }, 'cursor position no longer retained; sending reset');
          outcome = 'reset';
          return;
        }
        for (const [id, fields] of page.entries) {
          const [ms, seq] = parseStreamId(id);
          // The first entry may be the partly passed one: skip the events already delivered.
          const skip = floor.ms[p] === ms && floor.seq[p] === seq ? (floor.idx[p] as number) : 0;
          // Another tenant's entry (when it says whose it is) holds nothing for this subscription.
          const tenant = fields ? tenantOfEntry(fields) : undefined;
          if (tenant !== undefined && tenant !== group.tenant) {
            floor.set(p, ms, seq, WHOLE);
            continue;
          }
          let events: CanonicalEvent[] = [];
          let batch: MetricBatch | undefined;
          try {
            if (fields) ({ batch, events = [] } = contentOfEntry(fields));
          } catch {
            events = [];
          }
          if (batch !== undefined) {
            // Series by series: only series this subscription can want become events (positions count samples).
            const wants = (target: string): boolean => batch.tenant === group.tenant && (group.channel === METRICS_CHANNEL || (group.channel === 'targets' && group.filter.target === target));
            let idx = 0;
            for (let si = 0; si < batch.series.length; si++) {
              const x = batch.series[si] as BatchSeries;
              const n = x.timestamps.length;
              if (idx + n <= skip || !wants(x.target)) {
                idx += n;
                continue;
              }
              const labels = seriesEventLabels(x);
              for (let k = 0; k < n; k++, idx++) {
                if (idx < skip) continue;
                const ev = sampleEvent(batch, si, k, labels);
                floor.set(p, ms, seq, idx + 1);
                if (group.match(ev)) ctx.send(s, JSON.stringify(ev));
              }
            }
          }
          for (let i = skip; i < events.length; i++) {
            const ev = events[i] as CanonicalEvent;
            floor.set(p, ms, seq, i + 1);
            // Replay reads every tenant's entries: the tenant check here is what keeps them apart.
            if (typeof ev === 'object' && ev !== null && ev.tenant === group.tenant && group.match(ev)) ctx.send(s, JSON.stringify(ev));
          }
          floor.set(p, ms, seq, WHOLE);
        }
        if (page.entries.length >= ctx.pageEntries) next.push(p);
      }
    });
    if (outcome !== 'done') return outcome;
    active = next;
    // Wake-ups may be early (another subscription of the connection changed): look again each time.
    while (conn.ws.getBufferedAmount() > ctx.throttleBytes) {
      await ctx.waitDrain(conn);
      if (s.gen !== gen || conn.closed) return 'aborted';
    }
  }
  return 'done';
}

/** Delivers the live events buffered during a pass that the pass did not already deliver. */
export function flushBuffered(ctx: ResumeContext, s: Sub): void {
  const buffered = s.buffer;
  s.buffer = [];
  s.bufferBytes = 0;
  if (buffered.length === 0) return;
  s.conn.ws.cork(() => {
    for (const b of buffered) {
      if (s.floor.compareAt(b.p, b.ms, b.seq, b.idx) <= 0) continue;
      // Everything below the live cursor of that event has reached this client (replayed or flushed before).
      s.floor.raiseTo(decodeVector(b.cursor, ctx.streams.length));
      ctx.send(s, b.data);
    }
  });
}
