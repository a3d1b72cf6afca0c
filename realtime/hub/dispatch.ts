// Dispatch: turns one stream entry into messages. Each event's message is built once per channel and published to
// the topic of every matching group; subscriptions still replaying buffer it, those catching up take it one by one.
// An entry of a tenant nobody here subscribes to is passed over without decoding it.
import type { CanonicalEvent } from '../../lib/events/event.js';
import { contentOfEntry, isThin, tenantOfEntry } from '../../lib/streams/codec.js';
import { sampleEvent, seriesEventLabels, type BatchSeries, type MetricBatch } from '../../lib/tsdb/batch.js';
import type { StreamEntry } from '../../lib/streams/port.js';
import { CHANNEL_OF_KIND } from '../channels.js';
import { WHOLE } from '../cursor.js';
import { eventMessage } from '../messages.js';
import type { Group } from '../state.js';
import type { TenantIndex } from '../topics.js';
import type { HubCore } from './core.js';

export class Dispatcher {
  private readonly maxBufferedLive: number;

  constructor(private readonly core: HubCore) {
    this.maxBufferedLive = core.o.maxBufferedLive ?? 10_000;
  }

  /** Entry `id` of stream `p`: every event delivered, then the live position moved past the entry. */
  entry(p: number, [id, fields]: StreamEntry): void {
    const { core } = this;
    const live = core.live;
    const dash = id.indexOf('-');
    const ms = Number(id.slice(0, dash));
    const seq = Number(id.slice(dash + 1));
    const tenant = fields ? tenantOfEntry(fields) : undefined;
    // Read thin (no subscriber here could want it when read, nor when consumed), or of a tenant nobody here follows.
    const thin = isThin(fields);
    if (thin || (tenant !== undefined && core.index.tenant(tenant) === undefined)) {
      live.set(p, ms, seq, WHOLE);
      core.lastEntryMs = ms;
      core.o.metrics.entriesSkipped.inc();
      if (thin) core.o.metrics.entriesReadThin.inc();
      return;
    }
    let events: CanonicalEvent[] = [];
    let batch: MetricBatch | undefined;
    try {
      if (fields) ({ batch, events = [] } = contentOfEntry(fields));
    } catch (err) {
      core.log.warn({ stream: core.o.keys[p], id, err: (err as Error).message }, 'skipping unreadable stream entry');
    }
    if (batch !== undefined) {
      this.batch(p, ms, seq, batch);
      return;
    }
    for (let i = 0; i < events.length; i++) {
      const ev = events[i] as CanonicalEvent;
      live.set(p, ms, seq, i + 1);
      if (typeof ev !== 'object' || ev === null) continue;
      const t = core.index.tenant(ev.tenant);
      if (t === undefined) continue;
      this.safeEvent(t, p, ms, seq, i + 1, ev, id);
    }
    live.set(p, ms, seq, WHOLE);
    core.lastEntryMs = ms;
    if (events.length > 0) core.o.metrics.eventsRead.inc(events.length);
  }

  private safeEvent(t: TenantIndex, p: number, ms: number, seq: number, idx: number, ev: CanonicalEvent, id: string): void {
    try {
      this.event(t, p, ms, seq, idx, ev);
    } catch (err) {
      // A bug here must not stop the reader (it would skip the rest of the read for everyone).
      this.core.log.error({ err, stream: this.core.o.keys[p], id }, 'realtime dispatch failed');
    }
  }

  /**
   * A metric batch series by series: samples become events only for series someone here may want (a metrics
   * channel subscription of the tenant, or one on the series' target); the others are passed over whole. Positions
   * count samples across the batch, as the expanded form numbers them, so cursors are the same either way.
   */
  private batch(p: number, ms: number, seq: number, batch: MetricBatch): void {
    const { core } = this;
    const t = core.index.tenant(batch.tenant);
    const ch = CHANNEL_OF_KIND.metric;
    const metricsGroups = ch === undefined ? undefined : t?.byChannel.get(ch);
    let idx = 0;
    let read = 0;
    for (let s = 0; s < batch.series.length; s++) {
      const x = batch.series[s] as BatchSeries;
      const n = x.timestamps.length;
      if (t === undefined || ((metricsGroups === undefined || metricsGroups.length === 0) && !t.byTarget.has(x.target))) {
        idx += n;
        continue;
      }
      const labels = seriesEventLabels(x);
      for (let k = 0; k < n; k++) {
        idx++;
        core.live.set(p, ms, seq, idx);
        this.safeEvent(t, p, ms, seq, idx, sampleEvent(batch, s, k, labels), `${ms}-${seq}`);
        read++;
      }
    }
    core.live.set(p, ms, seq, WHOLE);
    core.lastEntryMs = ms;
    if (read > 0) core.o.metrics.eventsRead.inc(read);
  }

  private event(t: TenantIndex, p: number, ms: number, seq: number, idx: number, ev: CanonicalEvent): void {
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
          cursor ??= this.core.live.encode();
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
          cursor ??= this.core.live.encode();
          msg = eventMessage('targets', cursor, data);
        }
        this.deliver(g, msg, p, ms, seq, idx, data as string, cursor as string);
      }
    }
  }

  private deliver(g: Group, msg: string, p: number, ms: number, seq: number, idx: number, data: string, cursor: string): void {
    const { core } = this;
    if (g.live > 0) {
      core.o.publish(g.topic, msg);
      core.count(g.channel, g.live, msg.length);
    }
    if (g.pending.size === 0) return;
    for (const s of g.pending) {
      if (s.state === 'replay') {
        if (s.overflowed) continue;
        s.buffer.push({ p, ms, seq, idx, data, cursor });
        s.bufferBytes += data.length + cursor.length;
        if (s.buffer.length > this.maxBufferedLive || s.bufferBytes > core.bound) {
          // The replay is slower than the live flow: drop the buffer and let the next pass read those from Redis.
          s.overflowed = true;
          s.buffer = [];
          s.bufferBytes = 0;
        }
      } else if (s.state === 'catchup') {
        if (s.floor.compareAt(p, ms, seq, idx) > 0) {
          s.floor.raiseTo(core.live);
          core.sendEvent(s, data);
        }
        if (core.live.covers(s.floor)) core.goLive(s);
      }
    }
  }
}
