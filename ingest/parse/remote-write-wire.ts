// The common remote_write request read straight off the protobuf wire: a WriteRequest of TimeSeries with
// labels and float samples (exemplars skipped), the shape Prometheus sends on every shard flush. Each series
// comes out with its labels as a record and its samples as two number arrays, without the generated
// decoder's object per label and per sample and its int64 timestamps as decimal strings: that decoder and
// the garbage it left were ~2 µs of the HTTP thread's ~11 per sample in the remote_write bench. Anything
// else (metadata, native histograms, a field or wire type it does not expect, a timestamp outside
// [0, 2^53), malformed bytes) returns undefined, and the caller decodes the request with the generated
// decoder, which also words the errors. Pure.

/** A series as the wire holds it, labels already under Prometheus's reading (empty value = no label). */
export interface WireSeries {
  labels: Record<string, string>;
  hasLe: boolean;
  hasQuantile: boolean;
  timestamps: number[];
  values: number[];
}

const utf8 = new TextDecoder('utf-8', { ignoreBOM: true });

class Unsupported extends Error {}
const UNSUPPORTED = new Unsupported();

/** Reads one series per TimeSeries, or undefined when the request needs the generated decoder. */
export function readPlainWriteRequest(b: Uint8Array): WireSeries[] | undefined {
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
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
    if (len <= 64) {
      let s = '';
      for (let i = start; i < stop; i++) {
        const c = b[i] as number;
        if (c > 0x7f) return utf8.decode(b.subarray(start, stop));
        s += String.fromCharCode(c);
      }
      return s;
    }
    return utf8.decode(b.subarray(start, stop));
  };

  const skip = (wireType: number, end: number): void => {
    if (wireType === 0) varint(end);
    else if (wireType === 1) pos += 8;
    else if (wireType === 5) pos += 4;
    else if (wireType === 2) pos += varint(end);
    else throw UNSUPPORTED;
    if (pos > end) throw UNSUPPORTED;
  };

  const label = (end: number, into: WireSeries): void => {
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

  const series = (end: number): WireSeries => {
    const s: WireSeries = { labels: {}, hasLe: false, hasQuantile: false, timestamps: [], values: [] };
    while (pos < end) {
      const tag = varint(end);
      if (tag === 10 || tag === 18) {
        const len = varint(end);
        const stop = pos + len;
        if (stop > end) throw UNSUPPORTED;
        if (tag === 10) label(stop, s);
        else sample(stop, s);
      } else if (tag === 26) skip(2, end); // exemplars: not stored
      else throw UNSUPPORTED; // histograms, unknown fields
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
      out.push(series(stop));
    }
    return out;
  } catch (err) {
    if (err === UNSUPPORTED || err instanceof RangeError) return undefined;
    throw err;
  }
}
