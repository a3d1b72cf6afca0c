// The common remote_write request read straight off the protobuf wire: a WriteRequest of TimeSeries with
// labels and float samples (exemplars skipped), the shape Prometheus sends on every shard flush. Each series
// comes out with its labels as a record and its samples as two number arrays, without the generated
// decoder's object per label and per sample and its int64 timestamps as decimal strings: that decoder and
// the garbage it left were ~2 µs of the HTTP thread's ~11 per sample in the remote_write bench. Anything
// else (metadata, native histograms, a field or wire type it does not expect, a timestamp outside
// [0, 2^53), malformed bytes) returns undefined, and the caller decodes the request with the generated
// decoder, which also words the errors.
//
// A sender repeats each series' labels in every request, byte for byte. So the labels of a series are looked
// up by their wire bytes in a bounded memo (labelsOfWire) and read, checked and encoded once: what is derived
// from them (the label problem, the label block of the stream entry) hangs on the shared, frozen entry. The
// memo changes no result, only how often the work is done.
import { tooManyLabels } from './bounds.js';

/** A label set as the wire holds it, under Prometheus's reading (empty value = no label). Shared: never mutate. */
export interface WireLabels {
  readonly labels: Readonly<Record<string, string>>;
  readonly hasLe: boolean;
  readonly hasQuantile: boolean;
  /** Memo of what callers derive from the labels alone (undefined: not yet derived). */
  derived?: unknown;
}

export interface WireSeries {
  labels: WireLabels;
  timestamps: number[];
  values: number[];
}

/** Label sets by their wire bytes (as a latin1 string); cleared when full. */
const memo = new Map<string, WireLabels>();
const MEMO_MAX = 200_000;

const utf8 = new TextDecoder('utf-8', { ignoreBOM: true });

class Unsupported extends Error {}
const UNSUPPORTED = new Unsupported();

/**
 * Reads one series per TimeSeries, or undefined when the request needs the generated decoder. Throws
 * checkRemoteWriteLabels's 400 `too_many_labels` for a series with more than `maxLabels` labels, counted before
 * they are read: a caller that gets a result needs no separate walk of the body for that bound.
 */
export function readPlainWriteRequest(b: Uint8Array, maxLabels = Infinity): WireSeries[] | undefined {
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const buf = Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  let pos = 0;

  // Varints below 2^53 only (lengths, tags, timestamps); longer ones are left to the generated decoder.
  const varint = (end: number): number => {
    let value = 0;
    let mul = 1;
    for (let i = 0; i < 8; i++) {
      if (pos >= end) throw UNSUPPORTED;
      const byte = b[pos++] as number;
      value += (byte & 0x7f) * mul;
      if (byte < 0x80) {
        if (value > Number.MAX_SAFE_INTEGER) throw UNSUPPORTED;
        return value;
      }
      mul *= 128;
    }
    throw UNSUPPORTED;
  };

  const string = (end: number): string => {
    const len = varint(end);
    const start = pos;
    const stop = start + len;
    if (stop > end) throw UNSUPPORTED;
    pos = stop;
    for (let i = start; i < stop; i++) if ((b[i] as number) > 0x7f) return utf8.decode(b.subarray(start, stop));
    return buf.toString('latin1', start, stop);
  };

  const skip = (wireType: number, end: number): void => {
    if (wireType === 0) varint(end);
    else if (wireType === 1) pos += 8;
    else if (wireType === 5) pos += 4;
    else if (wireType === 2) {
      const len = varint(end); // before the addition: `pos += varint()` would add to the position before the length
      pos += len;
    }
    else throw UNSUPPORTED;
    if (pos > end) throw UNSUPPORTED;
  };

  const label = (end: number, into: { labels: Record<string, string>; hasLe: boolean; hasQuantile: boolean }): void => {
    let name = '';
    let value = '';
    while (pos < end) {
      const tag = varint(end);
      if (tag === 10) name = string(end);
      else if (tag === 18) value = string(end);
      else skip(tag & 7, end);
    }
    if (pos !== end) throw UNSUPPORTED;
    // An empty label value is the same as no label in Prometheus.
    if (value === '' || name === '__proto__') return;
    if (name === 'le') into.hasLe = true;
    else if (name === 'quantile') into.hasQuantile = true;
    into.labels[name] = value;
  };

  const sample = (end: number, into: WireSeries): void => {
    let value = 0;
    let t = 0;
    while (pos < end) {
      const tag = varint(end);
      if (tag === 9) {
        if (pos + 8 > end) throw UNSUPPORTED;
        value = view.getFloat64(pos, true);
        pos += 8;
      } else if (tag === 16) t = varint(end);
      else skip(tag & 7, end);
    }
    if (pos !== end) throw UNSUPPORTED;
    into.timestamps.push(t);
    into.values.push(value);
  };

  /** The labels of a series, which the encoder writes first: looked up by their bytes, read on a miss. */
  const labelsAt = (end: number, index: number): WireLabels => {
    const start = pos;
    let count = 0;
    while (pos < end && b[pos] === 10) {
      pos++;
      const len = varint(end);
      pos += len;
      if (pos > end) throw UNSUPPORTED;
      if (++count > maxLabels) throw tooManyLabels(index, maxLabels);
    }
    const stop = pos;
    const key = buf.toString('latin1', start, stop);
    const known = memo.get(key);
    if (known) return known;
    const read = { labels: {} as Record<string, string>, hasLe: false, hasQuantile: false };
    for (pos = start; pos < stop; ) {
      pos++;
      const len = varint(stop);
      label(pos + len, read);
    }
    Object.freeze(read.labels);
    const entry: WireLabels = read;
    if (memo.size >= MEMO_MAX) memo.clear();
    memo.set(key, entry);
    return entry;
  };

  const series = (end: number, index: number): WireSeries => {
    const s: WireSeries = { labels: labelsAt(end, index), timestamps: [], values: [] };
    while (pos < end) {
      const tag = varint(end);
      if (tag === 18) {
        const len = varint(end);
        const stop = pos + len;
        if (stop > end) throw UNSUPPORTED;
        sample(stop, s);
      } else if (tag === 26) skip(2, end); // exemplars: not stored
      else throw UNSUPPORTED; // labels after samples (not what encoders write), histograms, unknown fields
    }
    if (pos !== end) throw UNSUPPORTED;
    return s;
  };

  try {
    const out: WireSeries[] = [];
    while (pos < b.length) {
      const tag = varint(b.length);
      if (tag !== 10) throw UNSUPPORTED; // metadata, unknown fields
      const len = varint(b.length);
      const stop = pos + len;
      if (stop > b.length) throw UNSUPPORTED;
      out.push(series(stop, out.length));
    }
    return out;
  } catch (err) {
    if (err === UNSUPPORTED || err instanceof RangeError) return undefined;
    throw err;
  }
}
