// Quantiles as Prometheus computes them: over sample values (quantile, quantile_over_time) and over classic
// histogram buckets (histogram_quantile's bucketQuantile with coalescing and the monotonicity envelope).

/** Sorts ascending with NaN first (Prometheus's vectorByValueHeap order). */
export function sortWithNaNFirst(a: Float64Array | number[]): void {
  a.sort((x, y) => {
    const xn = Number.isNaN(x);
    const yn = Number.isNaN(y);
    if (xn || yn) return xn && yn ? 0 : xn ? -1 : 1;
    return x < y ? -1 : x > y ? 1 : 0;
  });
}

/** Prometheus's quantile() over already sorted values. */
export function quantileSorted(q: number, values: Float64Array | readonly number[]): number {
  const n = values.length;
  if (n === 0 || Number.isNaN(q)) return NaN;
  if (q < 0) return -Infinity;
  if (q > 1) return Infinity;
  const rank = q * (n - 1);
  const lowerIndex = Math.max(0, Math.floor(rank));
  const upperIndex = Math.min(n - 1, lowerIndex + 1);
  const weight = rank - Math.floor(rank);
  return (values[lowerIndex] as number) * (1 - weight) + (values[upperIndex] as number) * weight;
}

export interface Bucket {
  upperBound: number;
  count: number;
}

/** Prometheus's bucketQuantile (sorts and modifies the buckets). */
export function bucketQuantile(q: number, input: Bucket[]): number {
  if (Number.isNaN(q)) return NaN;
  if (q < 0) return -Infinity;
  if (q > 1) return Infinity;
  input.sort((a, b) => a.upperBound - b.upperBound);
  if ((input[input.length - 1] as Bucket).upperBound !== Infinity) return NaN;
  // coalesceBuckets
  const buckets: Bucket[] = [];
  let last = { ...(input[0] as Bucket) };
  for (let i = 1; i < input.length; i++) {
    const b = input[i] as Bucket;
    if (b.upperBound === last.upperBound) last.count += b.count;
    else {
      buckets.push(last);
      last = { ...b };
    }
  }
  buckets.push(last);
  // ensureMonotonic
  let max = (buckets[0] as Bucket).count;
  for (let i = 1; i < buckets.length; i++) {
    const b = buckets[i] as Bucket;
    if (b.count > max) max = b.count;
    else if (b.count < max) b.count = max;
  }
  if (buckets.length < 2) return NaN;
  const observations = (buckets[buckets.length - 1] as Bucket).count;
  if (observations === 0) return NaN;
  let rank = q * observations;
  // sort.Search over the first len-1 buckets for count >= rank.
  let lo = 0;
  let hi = buckets.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((buckets[mid] as Bucket).count >= rank) hi = mid;
    else lo = mid + 1;
  }
  const b = lo;
  if (b === buckets.length - 1) return (buckets[buckets.length - 2] as Bucket).upperBound;
  if (b === 0 && (buckets[0] as Bucket).upperBound <= 0) return (buckets[0] as Bucket).upperBound;
  let bucketStart = 0;
  const bucketEnd = (buckets[b] as Bucket).upperBound;
  let count = (buckets[b] as Bucket).count;
  if (b > 0) {
    bucketStart = (buckets[b - 1] as Bucket).upperBound;
    count -= (buckets[b - 1] as Bucket).count;
    rank -= (buckets[b - 1] as Bucket).count;
  }
  return bucketStart + (bucketEnd - bucketStart) * (rank / count);
}
