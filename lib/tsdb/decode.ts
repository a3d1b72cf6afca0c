// One series' stored samples (its chunks, then its head runs, as a store reads them) decoded into a single pair
// of typed arrays: no array per chunk, and when they follow one another in time (the usual case) they are one
// run, which mergeRuns cuts to the range without copying. Pure.
import { chunkLength, decodeChunkInto } from './chunk.js';
import type { Run } from './merge.js';
import { decodeRunInto, runLength } from './run.js';

/**
 * Decodes chunks and head runs of one series, in the order given: one run when each starts after the one before
 * ends, else a run per chunk and head run (views of the same buffer) for mergeRuns to merge.
 */
export function decodeSeriesRuns(chunks: readonly Uint8Array[], heads: readonly Uint8Array[]): Run[] {
  let total = 0;
  for (const c of chunks) total += chunkLength(c);
  for (const h of heads) total += runLength(h);
  // Every element is written below (total is exact): no need to zero the memory first.
  const timestamps = new Float64Array(Buffer.allocUnsafeSlow(total * 8).buffer, 0, total);
  const values = new Float64Array(Buffer.allocUnsafeSlow(total * 8).buffer, 0, total);
  const cuts: number[] = [];
  let at = 0;
  let ordered = true;
  const add = (n: number): void => {
    if (n === 0) return;
    if (at > 0 && (timestamps[at] as number) <= (timestamps[at - 1] as number)) ordered = false;
    cuts.push(at);
    at += n;
  };
  for (const c of chunks) add(decodeChunkInto(c, timestamps, values, at));
  for (const h of heads) add(decodeRunInto(h, timestamps, values, at));
  if (at === 0) return [];
  if (ordered) return [{ timestamps, values }];
  return cuts.map((from, i) => {
    const to = cuts[i + 1] ?? at;
    return { timestamps: timestamps.subarray(from, to), values: values.subarray(from, to) };
  });
}
