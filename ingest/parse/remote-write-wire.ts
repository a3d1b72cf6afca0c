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
import { createLabelBlockMemo, type LabelBlockMemo } from '../../lib/tsdb/label-block-memo.js';
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

/**
 * A request's samples as they are read, before each series takes exact-length copies of its own (slice): arrays
 * pushed to from empty grow to 17 slots on the first push, ~250 bytes of young garbage per series of a few
 * samples. Reused by every call (the reader is synchronous), so they only grow to the largest series seen.
 */
const scratchT: number[] = [];
const scratchV: number[] = [];

/**
 * The first `k` numbers of a scratch array as an array of its own: a literal for the few samples a series usually
 * brings per request (Prometheus sends one or two), which V8 allocates inline where slice is a builtin call.
 */
function take(scratch: number[], k: number): number[] {
  switch (k) {
    case 1:
      return [scratch[0] as number];
    case 2:
      return [scratch[0] as number, scratch[1] as number];
    case 3:
      return [scratch[0] as number, scratch[1] as number, scratch[2] as number];
    default:
      return scratch.slice(0, k);
  }
}

/**
 * Label sets by their wire bytes (lib/tsdb/label-block-memo.ts, as the persister finds label blocks): a lookup
 * hashes and compares the bytes where they lie and allocates nothing. Bounded; cleared when full. Made on the first
 * request read (its table is 2 MB), not in every thread that loads the parsers.
 */
let memo: LabelBlockMemo<WireLabels> | undefined;

const utf8 = new TextDecoder('utf-8', { ignoreBOM: true });

class Unsupported extends Error {}
const UNSUPPORTED = new Unsupported();

// The reader is one loop over the bytes with its position in a local: written as closures sharing the position
// (one per field kind), it took ~40% more of the HTTP thread. The helpers below are for what is rare (a label set
// not seen before, a long varint, a field to skip) and hand their end position back through `next`.
let next = 0;

/** A varint below 2^53 at `pos` (lengths, tags, timestamps; longer ones are left to the generated decoder); sets `next`. */
function varintAt(b: Uint8Array, pos: number, end: number): number {
  let value = 0;
  let mul = 1;
  for (let i = 0; i < 8; i++) {
    if (pos >= end) throw UNSUPPORTED;
    const byte = b[pos++] as number;
    value += (byte & 0x7f) * mul;
    if (byte < 0x80) {
      if (value > Number.MAX_SAFE_INTEGER) throw UNSUPPORTED;
      next = pos;
      return value;
    }
    mul *= 128;
  }
  throw UNSUPPORTED;
}

/** The position after the field whose tag starts at `pos`. */
function skipField(b: Uint8Array, pos: number, end: number): number {
  const wireType = varintAt(b, pos, end) & 7;
  pos = next;
  if (wireType === 0) {
    varintAt(b, pos, end);
    pos = next;
  } else if (wireType === 1) pos += 8;
  else if (wireType === 5) pos += 4;
  else if (wireType === 2) {
    const len = varintAt(b, pos, end);
    pos = next + len;
  } else throw UNSUPPORTED;
  if (pos > end) throw UNSUPPORTED;
  return pos;
}

/** A length-delimited string at `pos`; sets `next`. */
function stringAt(b: Uint8Array, buf: Buffer, pos: number, end: number): string {
  const len = varintAt(b, pos, end);
  const start = next;
  const stop = start + len;
  if (stop > end) throw UNSUPPORTED;
  next = stop;
  for (let i = start; i < stop; i++) if ((b[i] as number) > 0x7f) return utf8.decode(b.subarray(start, stop));
  return buf.toString('latin1', start, stop);
}

/** Reads the label fields b[start, stop) (a label set not in the memo). */
function readLabels(b: Uint8Array, buf: Buffer, start: number, stop: number): WireLabels {
  // `derived` from the start: added later, it went to a property array of its own (~40 bytes per label set in
  // each parsing thread's memo).
  const read = { labels: {} as Record<string, string>, hasLe: false, hasQuantile: false, derived: undefined as unknown };
  let pos = start;
  while (pos < stop) {
    const len = varintAt(b, pos + 1, stop); // the tag is 10: the caller checked
    const end = next + len;
    pos = next;
    let name = '';
    let value = '';
    while (pos < end) {
      const tag = varintAt(b, pos, end);
      if (tag === 10) name = stringAt(b, buf, next, end);
      else if (tag === 18) value = stringAt(b, buf, next, end);
      else {
        pos = skipField(b, pos, end);
        continue;
      }
      pos = next;
    }
    if (pos !== end) throw UNSUPPORTED;
    // An empty label value is the same as no label in Prometheus.
    if (value === '' || name === '__proto__') continue;
    if (name === 'le') read.hasLe = true;
    else if (name === 'quantile') read.hasQuantile = true;
    read.labels[name] = value;
  }
  Object.freeze(read.labels);
  return read;
}

/**
 * Reads one series per TimeSeries, or undefined when the request needs the generated decoder. Throws
 * checkRemoteWriteLabels's 400 `too_many_labels` for a series with more than `maxLabels` labels, counted before
 * they are read: a caller that gets a result needs no separate walk of the body for that bound.
 */
export function readPlainWriteRequest(b: Uint8Array, maxLabels = Infinity): WireSeries[] | undefined {
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  memo ??= createLabelBlockMemo<WireLabels>();
  const buf = Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  const n = b.length;
  const out: WireSeries[] = [];
  let pos = 0;
  try {
    while (pos < n) {
      // TimeSeries (field 1) only: metadata and unknown fields go to the generated decoder.
      if (b[pos++] !== 10) throw UNSUPPORTED;
      let len = varintAt(b, pos, n);
      pos = next;
      const end = pos + len;
      if (end > n) throw UNSUPPORTED;
      // The labels, which encoders write first: looked up by their bytes, read on a miss.
      const start = pos;
      let count = 0;
      while (pos < end && b[pos] === 10) {
        len = b[pos + 1] as number;
        if (len < 0x80) pos += 2;
        else {
          len = varintAt(b, pos + 1, end);
          pos = next;
        }
        pos += len;
        if (pos > end) throw UNSUPPORTED;
        if (++count > maxLabels) throw tooManyLabels(out.length, maxLabels);
      }
      let labels = memo.get(view, start, pos);
      if (labels === undefined) {
        labels = readLabels(b, buf, start, pos);
        memo.set(view, start, pos, labels);
      }
      let k = 0;
      while (pos < end) {
        const tag = b[pos];
        if (tag === 18) {
          len = b[pos + 1] as number;
          if (len < 0x80) pos += 2;
          else {
            len = varintAt(b, pos + 1, end);
            pos = next;
          }
          const stop = pos + len;
          if (stop > end) throw UNSUPPORTED;
          let value = 0;
          let t = 0;
          while (pos < stop) {
            const field = b[pos];
            if (field === 9) {
              if (pos + 9 > stop) throw UNSUPPORTED;
              value = view.getFloat64(pos + 1, true);
              pos += 9;
            } else if (field === 16) {
              t = varintAt(b, pos + 1, stop);
              pos = next;
            } else pos = skipField(b, pos, stop);
          }
          scratchT[k] = t;
          scratchV[k++] = value;
        } else if (tag === 26) pos = skipField(b, pos, end); // exemplars: not stored
        else throw UNSUPPORTED; // labels after samples (not what encoders write), histograms, unknown fields
      }
      out.push({ labels, timestamps: take(scratchT, k), values: take(scratchV, k) });
    }
    return out;
  } catch (err) {
    if (err === UNSUPPORTED || err instanceof RangeError) return undefined;
    throw err;
  }
}
