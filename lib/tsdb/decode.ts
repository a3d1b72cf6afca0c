// One series' stored samples (its chunks, then its head runs, as a store reads them) decoded into a single pair
// of typed arrays, each chunk or run a view of it: no array per chunk, and when they are in order (the usual
// case) mergeRuns cuts the range out of that pair without copying. Pure.
import { chunkLength, decodeChunkInto } from './chunk.js';
import type { Run } from './merge.js';
import { decodeRunInto, runLength } from './run.js';

/** Decodes chunks and head runs of one series, in the order given, as runs sharing one buffer. */
export function decodeSeriesRuns(chunks: readonly Uint8Array[], heads: readonly Uint8Array[]): Run[] {
  let total = 0;
  for (const c of chunks) total += chunkLength(c);
  for (const h of heads) total += runLength(h);
  const timestamps = new Float64Array(total);
  const values = new Float64Array(total);
  const runs: Run[] = [];
  let at = 0;
  const add = (n: number): void => {
    if (n > 0) runs.push({ timestamps: timestamps.subarray(at, at + n), values: values.subarray(at, at + n) });
    at += n;
  };
  for (const c of chunks) add(decodeChunkInto(c, timestamps, values, at));
  for (const h of heads) add(decodeRunInto(h, timestamps, values, at));
  return runs;
}
