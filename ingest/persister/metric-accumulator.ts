// One read's metric samples, gathered per tenant and series while its entries are decoded one by one, so that
// each series of the read becomes one SeriesAppend (one head run in the store) and the decoded entries die
// young. Holding every decoded entry of a large read until its write ended (hundreds of thousands of small
// objects) had them copied through each scavenge of the write and promoted: most of the persister's GC time.
// Samples go to two growing float64 arenas in arrival order (a typed array keeps every NaN payload, the
// staleness marker's included), each series a chain of segments; byTenant() lays each series out contiguously.
// Pure.
import type { MetricType } from '../../lib/events/event.js';
import type { MetricBatch } from '../../lib/tsdb/batch.js';
import { seriesKey } from '../../lib/tsdb/labels.js';
import type { SeriesAppend } from '../../lib/tsdb/port.js';

interface SeriesMeta {
  labels: Readonly<Record<string, string>>;
  target: string;
  type: MetricType;
  unit: string | undefined;
  /** Samples gathered, first and last segment of its chain. */
  count: number;
  firstSeg: number;
  lastSeg: number;
}

interface TenantSeries {
  index: Map<string, SeriesMeta>;
  /** The same series by frozen labels object: a decoder that shares one per series is found without a key. */
  byLabels: Map<Readonly<Record<string, string>>, SeriesMeta>;
  samples: number;
}

export interface MetricAccumulator {
  /** Adds a batch's samples (after those already added). */
  add(batch: MetricBatch): void;
  /** Samples added. */
  readonly samples: number;
  /**
   * Each tenant's series, each once with its samples in the order added (target, type and unit of its first
   * part). The arrays are views of one buffer per tenant, made on each call.
   */
  byTenant(): Map<string, SeriesAppend[]>;
}

export function createMetricAccumulator(initialSamples = 16_384): MetricAccumulator {
  const tenants = new Map<string, TenantSeries>();
  let arenaT = new Float64Array(initialSamples);
  let arenaV = new Float64Array(initialSamples);
  let used = 0;
  // Segments (one per part added): where its samples start in the arenas, how many, the next of its series.
  const segStart: number[] = [];
  const segLen: number[] = [];
  const segNext: number[] = [];
  let samples = 0;

  function reserve(n: number): void {
    if (used + n <= arenaT.length) return;
    let size = arenaT.length * 2;
    while (size < used + n) size *= 2;
    const t = new Float64Array(size);
    const v = new Float64Array(size);
    t.set(arenaT.subarray(0, used));
    v.set(arenaV.subarray(0, used));
    arenaT = t;
    arenaV = v;
  }

  return {
    add(batch) {
      let tenant = tenants.get(batch.tenant);
      if (!tenant) tenants.set(batch.tenant, (tenant = { index: new Map(), byLabels: new Map(), samples: 0 }));
      for (let s = 0; s < batch.series.length; s++) {
        const x = batch.series[s];
        if (x === undefined) continue;
        const n = x.timestamps.length;
        if (n === 0) continue;
        const seg = segStart.length;
        segStart.push(used);
        segLen.push(n);
        segNext.push(-1);
        let meta = tenant.byLabels.get(x.labels);
        if (meta === undefined) {
          const key = seriesKey(x.labels);
          meta = tenant.index.get(key);
          if (meta === undefined) tenant.index.set(key, { labels: x.labels, target: x.target, type: x.type, unit: x.unit, count: n, firstSeg: seg, lastSeg: seg });
          // Only a frozen object can stand for its series: another one may change.
          if (Object.isFrozen(x.labels)) tenant.byLabels.set(x.labels, meta ?? (tenant.index.get(key) as SeriesMeta));
        }
        if (meta !== undefined) {
          segNext[meta.lastSeg] = seg;
          meta.lastSeg = seg;
          meta.count += n;
        }
        reserve(n);
        const ts = x.timestamps;
        const vs = x.values;
        for (let i = 0; i < n; i++, used++) {
          arenaT[used] = ts[i] as number;
          arenaV[used] = vs[i] as number;
        }
        tenant.samples += n;
        samples += n;
      }
    },
    get samples() {
      return samples;
    },
    byTenant() {
      const out = new Map<string, SeriesAppend[]>();
      for (const [name, tenant] of tenants) {
        const buf = new Float64Array(2 * tenant.samples);
        const list: SeriesAppend[] = [];
        let o = 0;
        for (const meta of tenant.index.values()) {
          const n = meta.count;
          let k = o;
          for (let seg = meta.firstSeg; seg !== -1; seg = segNext[seg] as number) {
            const from = segStart[seg] as number;
            const to = from + (segLen[seg] as number);
            for (let i = from; i < to; i++, k++) {
              buf[k] = arenaT[i] as number;
              buf[n + k] = arenaV[i] as number;
            }
          }
          const series: SeriesAppend = { labels: meta.labels, target: meta.target, type: meta.type, timestamps: buf.subarray(o, o + n), values: buf.subarray(o + n, o + 2 * n) };
          if (meta.unit !== undefined) series.unit = meta.unit;
          list.push(series);
          o += 2 * n;
        }
        out.set(name, list);
      }
      return out;
    },
  };
}
