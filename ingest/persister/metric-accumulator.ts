// One read's metric samples, gathered per tenant and series while its entries are decoded one by one, so that
// each series of the read becomes one SeriesAppend (one head run in the store) and the decoded entries die
// young. Holding every decoded entry of a large read until its write ended (hundreds of thousands of small
// objects) had them copied through each scavenge of the write and promoted: most of the persister's GC time.
// Samples go to two growing float64 arenas in arrival order (a typed array keeps every NaN payload, the
// staleness marker's included), each series a chain of segments; byTenant() lays each series out contiguously.
// One accumulator serves read after read (clear() between them): what it learnt of a series (its key, its
// place) stays, so a read costs no Map entry or object per series, and its arenas stay at the size reads need.
// Pure.
import type { MetricType } from '../../lib/events/event.js';
import type { MetricBatch } from '../../lib/tsdb/batch.js';
import type { MetricBatchSink } from '../../lib/tsdb/batch-codec.js';
import { seriesKey } from '../../lib/tsdb/labels.js';
import type { SeriesAppend } from '../../lib/tsdb/port.js';

interface SeriesMeta {
  labels: Readonly<Record<string, string>>;
  /** Target, type and unit of the series' first part in the current read. */
  target: string;
  type: MetricType;
  unit: string | undefined;
  /** `labels` is frozen: the same object is then always this series (another one may change). */
  frozen: boolean;
  /** The series added right after this one last time: a sender repeats its series in the same order. */
  next: SeriesMeta | undefined;
  /** The read (clear() count) the fields below describe: samples gathered, first and last segment of its chain. */
  read: number;
  count: number;
  firstSeg: number;
  lastSeg: number;
}

interface TenantSeries {
  index: Map<string, SeriesMeta>;
  /** The same series by frozen labels object: a decoder that shares one per series is found without a key. */
  byLabels: Map<Readonly<Record<string, string>>, SeriesMeta>;
  /** The series of the current read in [0, touchedCount), in the order first added. */
  touched: SeriesMeta[];
  touchedCount: number;
  samples: number;
  /** The series added last (undefined at the start of a read). */
  last: SeriesMeta | undefined;
  /**
   * Where byTenant() lays the tenant's series out, reused read after read (grown as needed): a new one per read
   * was an ArrayBuffer of ~16 bytes per sample outside the heap, and allocations outside the heap hasten V8's
   * full collections.
   */
  out: Float64Array;
}

/** Series an accumulator remembers across reads (all tenants) by default; past it, clear() forgets them all. */
const MAX_KNOWN_SERIES = 200_000;

export interface MetricAccumulator extends MetricBatchSink {
  /** Adds a batch's samples (after those already added). As a MetricBatchSink (readMetricBatch) it adds likewise. */
  add(batch: MetricBatch): void;
  /** Samples added. */
  readonly samples: number;
  /** Forgets every sample added (a new read); what it learnt of series stays, within a bound. */
  clear(): void;
  /**
   * Each tenant's series, each once with its samples in the order added (target, type and unit of its first
   * part). The arrays are views of one buffer per tenant, kept for the next read: valid until the next call.
   */
  byTenant(): Map<string, SeriesAppend[]>;
}

export function createMetricAccumulator(initialSamples = 16_384, maxKnownSeries = MAX_KNOWN_SERIES): MetricAccumulator {
  const tenants = new Map<string, TenantSeries>();
  let arenaT = new Float64Array(initialSamples);
  let arenaV = new Float64Array(initialSamples);
  let used = 0;
  // Segments (one per part added): where its samples start in the arenas, how many, the next of its series.
  // Typed arrays grown by hand: three pushes on number[] per part cost ~3x all the rest of adding it (80000
  // parts of 2 samples into one accumulator: ~500 -> ~180 ns per part).
  let segs = 0;
  let segStart = new Int32Array(1024);
  let segLen = new Int32Array(1024);
  let segNext = new Int32Array(1024);
  let samples = 0;
  let read = 0;
  /** Series remembered (index entries), and labels objects (byLabels entries: a series gets another one from a decoder whose memo was cleared), over all tenants. */
  let known = 0;
  let objects = 0;

  function growSegments(): void {
    const size = 2 * segStart.length;
    const start = new Int32Array(size);
    const len = new Int32Array(size);
    const next = new Int32Array(size);
    start.set(segStart);
    len.set(segLen);
    next.set(segNext);
    segStart = start;
    segLen = len;
    segNext = next;
  }

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

  let current: TenantSeries | undefined;
  const tenantOf = (name: string): TenantSeries => {
    let tenant = tenants.get(name);
    if (!tenant) tenants.set(name, (tenant = { index: new Map(), byLabels: new Map(), touched: [], touchedCount: 0, samples: 0, last: undefined, out: new Float64Array(0) }));
    return tenant;
  };

  /** Adds ts[from, from + n) and vs likewise as a part of the series `labels` of `tenant`. */
  function addSeries(tenant: TenantSeries, labels: Readonly<Record<string, string>>, target: string, type: MetricType, unit: string | undefined, ts: ArrayLike<number>, vs: ArrayLike<number>, from: number, n: number): void {
    if (n === 0) return;
    if (segs === segStart.length) growSegments();
    const seg = segs++;
    segStart[seg] = used;
    segLen[seg] = n;
    segNext[seg] = -1;
    const prev = tenant.last;
    let meta = prev?.next;
    // The one that followed last time first, then by labels object, then by key.
    if (meta === undefined || meta.labels !== labels || !meta.frozen) meta = tenant.byLabels.get(labels);
    if (meta === undefined) {
      const key = seriesKey(labels);
      meta = tenant.index.get(key);
      if (meta === undefined) {
        tenant.index.set(key, (meta = { labels, target, type, unit, frozen: Object.isFrozen(labels), next: undefined, read: -1, count: 0, firstSeg: -1, lastSeg: -1 }));
        known++;
      }
      // Only a frozen object can stand for its series: another one may change.
      if (Object.isFrozen(labels)) {
        tenant.byLabels.set(labels, meta);
        objects++;
      }
    }
    if (meta.read !== read) {
      // This read's object: one that is not frozen may have changed since (its content is another series then).
      if (meta.labels !== labels) {
        meta.labels = labels;
        meta.frozen = Object.isFrozen(labels);
      }
      meta.read = read;
      meta.target = target;
      meta.type = type;
      meta.unit = unit;
      meta.count = n;
      meta.firstSeg = seg;
      meta.lastSeg = seg;
      tenant.touched[tenant.touchedCount++] = meta;
    } else {
      segNext[meta.lastSeg] = seg;
      meta.lastSeg = seg;
      meta.count += n;
    }
    if (prev !== undefined) prev.next = meta;
    tenant.last = meta;
    reserve(n);
    const t = arenaT;
    const v = arenaV;
    for (let i = from, to = from + n; i < to; i++, used++) {
      t[used] = ts[i] as number;
      v[used] = vs[i] as number;
    }
    tenant.samples += n;
    samples += n;
  }

  return {
    add(batch) {
      const tenant = tenantOf(batch.tenant);
      for (let s = 0; s < batch.series.length; s++) {
        const x = batch.series[s];
        if (x !== undefined) addSeries(tenant, x.labels, x.target, x.type, x.unit, x.timestamps, x.values, 0, x.timestamps.length);
      }
    },
    header(tenant) {
      current = tenantOf(tenant);
    },
    series(labels, target, type, unit, ts, vs, from, count) {
      if (current === undefined) throw new Error('metric accumulator: a series before any header');
      addSeries(current, labels, target, type, unit, ts, vs, from, count);
    },
    get samples() {
      return samples;
    },
    clear() {
      read++;
      used = 0;
      segs = 0;
      samples = 0;
      current = undefined;
      // Labels objects a decoder stopped handing out (its memo was cleared) would otherwise stay keys here.
      if (known > maxKnownSeries || objects > 2 * maxKnownSeries) {
        tenants.clear();
        known = 0;
        objects = 0;
        return;
      }
      for (const tenant of tenants.values()) {
        tenant.touchedCount = 0;
        tenant.samples = 0;
        tenant.last = undefined;
      }
    },
    byTenant() {
      const out = new Map<string, SeriesAppend[]>();
      for (const [name, tenant] of tenants) {
        if (tenant.touchedCount === 0) continue;
        if (tenant.out.length < 2 * tenant.samples) tenant.out = new Float64Array(2 ** Math.ceil(Math.log2(2 * tenant.samples)));
        const buf = tenant.out;
        const list: SeriesAppend[] = [];
        let o = 0;
        for (let m = 0; m < tenant.touchedCount; m++) {
          const meta = tenant.touched[m] as SeriesMeta;
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
