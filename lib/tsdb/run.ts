// The form of a head run (a few recent samples of one series, as one append wrote them): timestamps then
// values as raw little-endian float64s. Not compressed: a run lives only until its series is cut into chunks,
// and the writer pays for every run it writes (Gorilla coding of runs cost ~1.5 µs per sample in the
// remote_write bench, more than the row insert). Every double, NaN payloads included, is kept bit-exact. Pure.
import type { Samples } from './chunk.js';

/** Encodes ascending samples as a run. */
export function encodeRun(timestamps: ArrayLike<number>, values: ArrayLike<number>): Buffer {
  const n = timestamps.length;
  if (values.length !== n) throw new RangeError('timestamps and values differ in length');
  const f = new Float64Array(2 * n);
  if (timestamps instanceof Float64Array) f.set(timestamps);
  else for (let i = 0; i < n; i++) f[i] = timestamps[i] as number;
  if (values instanceof Float64Array) f.set(values, n);
  else for (let i = 0; i < n; i++) f[n + i] = values[i] as number;
  return Buffer.from(f.buffer, f.byteOffset, f.byteLength);
}

/** Samples in a run, from its length alone; throws on anything but whole samples. */
export function runLength(data: Uint8Array): number {
  if (data.length % 16 !== 0) throw new RangeError(`head run of ${data.length} bytes is not whole samples`);
  return data.length / 16;
}

/** Copies a run's samples into `timestamps`/`values` from index `at` on (byte copies: bit-exact); returns the count. */
export function decodeRunInto(data: Uint8Array, timestamps: Float64Array, values: Float64Array, at: number): number {
  const n = runLength(data);
  if (at < 0 || at + n > timestamps.length || at + n > values.length) throw new RangeError("no room for the run's samples");
  new Uint8Array(timestamps.buffer, timestamps.byteOffset + at * 8, n * 8).set(data.subarray(0, n * 8));
  new Uint8Array(values.buffer, values.byteOffset + at * 8, n * 8).set(data.subarray(n * 8));
  return n;
}

/** Decodes what encodeRun wrote; throws on anything of another length. */
export function decodeRun(data: Uint8Array): Samples {
  if (data.length % 16 !== 0) throw new RangeError(`head run of ${data.length} bytes is not whole samples`);
  const f = new Float64Array(data.length / 8);
  new Uint8Array(f.buffer).set(data);
  const n = f.length / 2;
  return { timestamps: f.subarray(0, n), values: f.subarray(n) };
}
