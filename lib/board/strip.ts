// The 90-segment uptime strip: downtime per hour or per day bucket, aligned to UTC bucket boundaries so a
// strip computed by the server and one advanced by the browser agree. Sparse on the wire: a target without
// downtime sends no segments. Pure.
import { clip, subtract, unionOf, type Interval } from './intervals.js';

export const STRIP_SEGMENTS = 90;
export const BUCKET_MS = { hour: 3_600_000, day: 86_400_000 } as const;
export type BucketSize = keyof typeof BUCKET_MS;

export interface StripWindow {
  bucketMs: number;
  /** Start of the first bucket. */
  start: number;
  /** End of the last bucket (the current bucket's end, after now). */
  end: number;
}

export function stripWindow(bucket: BucketSize, now: number): StripWindow {
  const bucketMs = BUCKET_MS[bucket];
  const end = Math.floor(now / bucketMs) * bucketMs + bucketMs;
  return { bucketMs, start: end - STRIP_SEGMENTS * bucketMs, end };
}

/** A target's strip: the first bucket it existed in, and [bucket index, downtime per mille] of buckets with downtime. */
export interface Strip {
  from: number;
  down: Array<[number, number]>;
}

/**
 * Downtime per bucket from the target's downtime intervals, minus its maintenance, over the time it was
 * monitored (from creation to now). Any downtime shows as at least 1‰ so a short outage stays visible.
 */
export function computeStrip(w: StripWindow, now: number, createdAt: number, downtime: readonly Interval[], maintenance: readonly Interval[]): Strip {
  const first = Math.max(0, Math.floor((createdAt - w.start) / w.bucketMs));
  const monitoredFrom = Math.max(w.start, createdAt);
  const window: Interval = { start: monitoredFrom, end: Math.min(now, w.end) };
  if (window.end <= window.start || downtime.length === 0) return { from: Math.min(first, STRIP_SEGMENTS), down: [] };
  const down = subtract(unionOf(clip(downtime, window)), unionOf(clip(maintenance, window)));
  const perBucket = new Map<number, number>();
  for (const d of down) {
    for (let b = Math.floor((d.start - w.start) / w.bucketMs); b < STRIP_SEGMENTS; b++) {
      const bs = w.start + b * w.bucketMs;
      const be = bs + w.bucketMs;
      if (bs >= d.end) break;
      perBucket.set(b, (perBucket.get(b) ?? 0) + (Math.min(be, d.end) - Math.max(bs, d.start)));
    }
  }
  const out: Array<[number, number]> = [];
  for (const [b, ms] of [...perBucket].sort((x, y) => x[0] - y[0])) {
    const bs = Math.max(w.start + b * w.bucketMs, monitoredFrom);
    const be = Math.min(w.start + (b + 1) * w.bucketMs, now);
    const span = be - bs;
    if (span <= 0) continue;
    out.push([b, Math.min(1000, Math.max(1, Math.round((ms / span) * 1000)))]);
  }
  return { from: first, down: out };
}

/** The class of one segment: no data before the target existed or after now, else by its downtime. */
export type SegmentLevel = 'none' | 'up' | 'minor' | 'major' | 'down';

/** Expands a sparse strip into its 90 segment levels for drawing (future buckets are `none`). */
export function segmentLevels(strip: Strip, currentIndex = STRIP_SEGMENTS - 1): SegmentLevel[] {
  const out: SegmentLevel[] = new Array<SegmentLevel>(STRIP_SEGMENTS).fill('none');
  for (let b = strip.from; b <= Math.min(currentIndex, STRIP_SEGMENTS - 1); b++) out[b] = 'up';
  for (const [b, permille] of strip.down) {
    if (b < 0 || b >= STRIP_SEGMENTS) continue;
    out[b] = permille >= 500 ? 'down' : permille >= 20 ? 'major' : 'minor';
  }
  return out;
}

/** Uptime percentage over the strip's monitored buckets, from the sparse form; null when nothing was monitored. */
export function stripUptime(strip: Strip, currentIndex = STRIP_SEGMENTS - 1): number | null {
  const buckets = currentIndex - strip.from + 1;
  if (buckets <= 0) return null;
  const down = strip.down.reduce((s, [, p]) => s + p, 0) / 1000;
  return Math.max(0, Math.round(((buckets - down) / buckets) * 100_000) / 1000);
}
