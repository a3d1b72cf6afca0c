// Compressed chunks of one series' samples. Timestamps are delta-of-delta coded in variable-width buckets (a
// 7-bit bucket first: scrape jitter of a few ms costs 9 bits, not Prometheus's 16). Values are coded one of
// three ways and the smallest wins: Gorilla XOR of the float64 bits (any value, NaN payloads such as the
// staleness marker, ±Inf and -0 bit-exact), or, when every value is an integer of magnitude ≤ 2^50 (counters,
// histogram buckets, most gauges of counts), delta or delta-of-delta of the integers in the same buckets.
// Pure; no I/O.
import { BitWriter, TruncatedError } from './bits.js';

export const ENCODING_XOR = 1;
export const ENCODING_INT_DOD = 2;
export const ENCODING_INT_DELTA = 3;
export type ChunkEncoding = typeof ENCODING_XOR | typeof ENCODING_INT_DOD | typeof ENCODING_INT_DELTA;

/** Samples of a chunk, ascending by timestamp. */
export interface Samples {
  timestamps: Float64Array;
  values: Float64Array;
}

const INT_LIMIT = 2 ** 50;
const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);
// Little-endian hosts (x86, arm64): u32[1] is the high word.
const HI = 1;
const LO = 0;

/** Bucket widths (bits of the signed value) after the prefixes 10, 110, 1110, 11110; 11111 is a raw 64-bit value. */
const BUCKETS = [7, 14, 20, 32] as const;
/** 2^(bits-1) and 2^bits of each bucket, for sign extension without Math.pow on the decode path. */
const BUCKET_HALF = BUCKETS.map((b) => 2 ** (b - 1));
const BUCKET_FULL = BUCKETS.map((b) => 2 ** b);

function fits(v: number, bits: number): boolean {
  const half = 2 ** (bits - 1);
  return v >= -half && v < half;
}

/**
 * Writes a signed delta (of deltas) in its bucket, or returns false when it fits none: the caller then writes
 * the escape (11111) and the absolute value.
 */
function writeBucketed(w: BitWriter, v: number): boolean {
  if (v === 0) {
    w.write(0, 1);
    return true;
  }
  for (let b = 0; b < BUCKETS.length; b++) {
    const bits = BUCKETS[b] as number;
    if (fits(v, bits)) {
      // Prefix: b+1 ones then a zero.
      w.write(((1 << (b + 2)) - 2) >>> 0, b + 2);
      const u = v < 0 ? v + 2 ** bits : v;
      w.write(u, bits);
      return true;
    }
  }
  w.write(0b11111, 5);
  return false;
}

/**
 * Puts `v` in f64/u32 with the staleness marker's exact bits: V8 may have set its quiet bit on the way here
 * (see isStaleNaN), and what is stored must be Prometheus's 0x7ff0000000000002.
 */
function load(v: number): void {
  f64[0] = v;
  if (u32[LO] === 2 && ((u32[HI] as number) | 0x00080000) === 0x7ff80000) u32[HI] = 0x7ff00000;
}

function writeRawFloat(w: BitWriter, v: number): void {
  load(v);
  w.write(u32[HI] as number, 32);
  w.write(u32[LO] as number, 32);
}

function writeTimestamps(w: BitWriter, ts: ArrayLike<number>, i: number, state: { prev: number; delta: number }): void {
  const t = ts[i] as number;
  if (i === 1) {
    state.delta = t - state.prev;
    w.writeVarint(state.delta);
  } else {
    const delta = t - state.prev;
    if (!writeBucketed(w, delta - state.delta)) writeRawFloat(w, t);
    state.delta = delta;
  }
  state.prev = t;
}

function clz64(hi: number, lo: number): number {
  return hi !== 0 ? Math.clz32(hi) : 32 + Math.clz32(lo);
}

function ctz32(x: number): number {
  return x === 0 ? 32 : 31 - Math.clz32(x & -x);
}

function ctz64(hi: number, lo: number): number {
  return lo !== 0 ? ctz32(lo) : 32 + ctz32(hi);
}

/** Writes the low `n` (1..64) bits of the 64-bit value hi:lo shifted right by `shift`. */
function writeShifted(w: BitWriter, hi: number, lo: number, shift: number, n: number): void {
  let h = hi;
  let l = lo;
  if (shift >= 32) {
    l = h >>> (shift - 32);
    h = 0;
  } else if (shift > 0) {
    l = ((l >>> shift) | (h << (32 - shift))) >>> 0;
    h = h >>> shift;
  }
  if (n > 32) {
    w.write(h, n - 32);
    w.write(l, 32);
  } else {
    w.write(l, n);
  }
}

function encodeXorValues(w: BitWriter, ts: ArrayLike<number>, vs: ArrayLike<number>): void {
  const n = ts.length;
  const tsState = { prev: ts[0] as number, delta: 0 };
  writeRawFloat(w, vs[0] as number);
  let prevHi = u32[HI] as number;
  let prevLo = u32[LO] as number;
  let leading = -1;
  let trailing = 0;
  for (let i = 1; i < n; i++) {
    writeTimestamps(w, ts, i, tsState);
    load(vs[i] as number);
    const hi = u32[HI] as number;
    const lo = u32[LO] as number;
    const xh = (hi ^ prevHi) >>> 0;
    const xl = (lo ^ prevLo) >>> 0;
    prevHi = hi;
    prevLo = lo;
    if (xh === 0 && xl === 0) {
      w.write(0, 1);
      continue;
    }
    let lead = clz64(xh, xl);
    const trail = ctz64(xh, xl);
    if (lead > 31) lead = 31;
    if (leading >= 0 && lead >= leading && trail >= trailing) {
      w.write(0b10, 2);
      writeShifted(w, xh, xl, trailing, 64 - leading - trailing);
    } else {
      leading = lead;
      trailing = trail;
      const sig = 64 - lead - trail;
      w.write(0b11, 2);
      w.write(lead, 5);
      w.write(sig === 64 ? 0 : sig, 6);
      writeShifted(w, xh, xl, trail, sig);
    }
  }
}

function encodeIntValues(w: BitWriter, ts: ArrayLike<number>, vs: ArrayLike<number>, dod: boolean): void {
  const n = ts.length;
  const tsState = { prev: ts[0] as number, delta: 0 };
  let prev = vs[0] as number;
  let delta = 0;
  w.writeVarint(prev);
  for (let i = 1; i < n; i++) {
    writeTimestamps(w, ts, i, tsState);
    const v = vs[i] as number;
    const d = v - prev;
    const coded = dod && i >= 2 ? d - delta : d;
    if (!writeBucketed(w, coded)) writeRawFloat(w, v);
    delta = d;
    prev = v;
  }
}

function header(encoding: ChunkEncoding, ts: ArrayLike<number>): BitWriter {
  const w = new BitWriter(16 + ts.length * 3);
  w.write(encoding, 8);
  w.writeUvarint(ts.length);
  if (ts.length > 0) w.writeVarint(ts[0] as number);
  return w;
}

/** Whether every value can take the integer encodings (safe, exact, not -0). */
function integral(vs: ArrayLike<number>): boolean {
  for (let i = 0; i < vs.length; i++) {
    const v = vs[i] as number;
    if (!Number.isInteger(v) || v > INT_LIMIT || v < -INT_LIMIT || Object.is(v, -0)) return false;
  }
  return true;
}

/** Encodes with one given encoding (tests and benchmarks compare them; `encodeChunk` picks the smallest). */
export function encodeChunkWith(encoding: ChunkEncoding, timestamps: ArrayLike<number>, values: ArrayLike<number>): Uint8Array {
  if (timestamps.length !== values.length) throw new RangeError('timestamps and values differ in length');
  const w = header(encoding, timestamps);
  if (timestamps.length > 0) {
    if (encoding === ENCODING_XOR) encodeXorValues(w, timestamps, values);
    else encodeIntValues(w, timestamps, values, encoding === ENCODING_INT_DOD);
  }
  return w.finish();
}

/**
 * Encodes samples (ascending, distinct integer ms timestamps) into the smallest of the encodings that can hold
 * them exactly.
 */
export function encodeChunk(timestamps: ArrayLike<number>, values: ArrayLike<number>): Uint8Array {
  let best = encodeChunkWith(ENCODING_XOR, timestamps, values);
  if (timestamps.length > 1 && integral(values)) {
    for (const enc of [ENCODING_INT_DELTA, ENCODING_INT_DOD] as const) {
      const candidate = encodeChunkWith(enc, timestamps, values);
      if (candidate.length < best.length) best = candidate;
    }
  }
  return best;
}

/** Number of samples in a chunk, without decoding them (the uvarint after the encoding byte). */
export function chunkLength(chunk: Uint8Array): number {
  let out = 0;
  let mul = 1;
  for (let i = 1; i < 9; i++) {
    if (i >= chunk.length) throw new TruncatedError();
    const b = chunk[i] as number;
    out += (b & 0x7f) * mul;
    if (b < 0x80) return out;
    mul *= 0x80;
  }
  throw new TruncatedError();
}

/**
 * The chunk's bytes with PAD zero bytes after them, so the decode loop reads whole 32-bit words without a bounds
 * check per read; running past the real end is caught once per sample (no sample is PAD bytes long).
 */
let padded = new Uint8Array(4096);
let paddedView = new DataView(padded.buffer);
const PAD = 40;

/**
 * The 32 bits of `buf` (`padded`, seen through `view`) from bit `pos` on, MSB first: one big-endian word load
 * and one byte, where five byte loads cost a third more.
 */
function peek(buf: Uint8Array, view: DataView, pos: number): number {
  const b = pos >>> 3;
  const off = pos & 7;
  const w = view.getUint32(b);
  return off === 0 ? w : ((w << off) | ((buf[b + 4] as number) >>> (8 - off))) >>> 0;
}

/** Where the last readUvarintAt stopped (bit position). */
let varintEnd = 0;

/** A BitWriter.writeUvarint value at bit `pos` (eight groups at most, as BitReader.readUvarint). */
function readUvarintAt(buf: Uint8Array, view: DataView, pos: number): number {
  let out = 0;
  let mul = 1;
  let p = pos;
  for (let i = 0; i < 8; i++) {
    const b = peek(buf, view, p) >>> 24;
    p += 8;
    out += (b & 0x7f) * mul;
    if (b < 0x80) {
      varintEnd = p;
      return out;
    }
    mul *= 0x80;
  }
  throw new TruncatedError();
}

const zigzag = (u: number): number => (u % 2 === 0 ? u / 2 : -(u + 1) / 2);

/** Validates a chunk's header and returns its sample count. */
function checkedLength(chunk: Uint8Array): number {
  if (chunk.length === 0) throw new RangeError('empty chunk');
  const encoding = chunk[0] as number;
  if (encoding !== ENCODING_XOR && encoding !== ENCODING_INT_DOD && encoding !== ENCODING_INT_DELTA) throw new RangeError(`unknown chunk encoding ${encoding}`);
  const n = chunkLength(chunk);
  if (n > chunk.length * 8) throw new RangeError('chunk sample count exceeds its size');
  return n;
}

/** Decodes a chunk written by encodeChunk / encodeChunkWith. Throws on unknown or truncated data. */
export function decodeChunk(chunk: Uint8Array): Samples {
  const n = checkedLength(chunk);
  const timestamps = new Float64Array(n);
  const values = new Float64Array(n);
  decodeChunkInto(chunk, timestamps, values, 0);
  return { timestamps, values };
}

/**
 * Decodes a chunk into `timestamps`/`values` from index `at` on (they need room for chunkLength(chunk) more
 * samples) and returns its sample count: a series' chunks decode one after another into one pair of arrays,
 * with no array per chunk. One loop with every bit read inlined: a BitReader call per field (and readTimestamp,
 * which V8 did not inline) took twice the CPU per sample, a third of the 24 h query_range profile; values of XOR chunks are written as their two
 * 32-bit words, so NaN payloads such as the staleness marker stay bit-exact. Throws on unknown or truncated data.
 */
export function decodeChunkInto(chunk: Uint8Array, timestamps: Float64Array, values: Float64Array, at: number): number {
  const n = checkedLength(chunk);
  if (at < 0 || at + n > timestamps.length || at + n > values.length) throw new RangeError('no room for the chunk\'s samples');
  if (n === 0) return 0;
  const encoding = chunk[0] as number;
  const len = chunk.length;
  if (padded.length < len + PAD) {
    padded = new Uint8Array(2 * (len + PAD));
    paddedView = new DataView(padded.buffer);
  }
  const buf = padded;
  const view = paddedView;
  buf.set(chunk);
  buf.fill(0, len, len + PAD);
  const endBits = len * 8;
  readUvarintAt(buf, view, 8); // n
  let t = zigzag(readUvarintAt(buf, view, varintEnd));
  let pos = varintEnd;
  let delta = 0;
  timestamps[at] = t;
  const xor = encoding === ENCODING_XOR;
  const dod = encoding === ENCODING_INT_DOD;
  // XOR state: the previous value's words; integer state: the previous value and its delta.
  let prevHi = 0;
  let prevLo = 0;
  let leading = 0;
  let trailing = 0;
  let v = 0;
  let vDelta = 0;
  const words = xor ? new Uint32Array(values.buffer, values.byteOffset, values.length * 2) : null;
  if (words !== null) {
    prevHi = peek(buf, view, pos);
    prevLo = peek(buf, view, pos + 32);
    pos += 64;
    words[2 * at + HI] = prevHi;
    words[2 * at + LO] = prevLo;
  } else {
    v = zigzag(readUvarintAt(buf, view, pos));
    pos = varintEnd;
    values[at] = v;
  }
  if (pos > endBits) throw new TruncatedError();
  for (let i = 1; i < n; i++) {
    // Timestamp: the first delta as a varint, then bucketed deltas of deltas (readBucketed, inlined).
    if (i === 1) {
      delta = zigzag(readUvarintAt(buf, view, pos));
      pos = varintEnd;
      t += delta;
    } else {
      const w = peek(buf, view, pos);
      const ones = Math.clz32(~w);
      if (ones === 0) {
        pos += 1;
        t += delta;
      } else if (ones < 5) {
        // The prefix and a bucket of up to 20 bits lie in the word already read; the 32-bit bucket needs another.
        const bits = BUCKETS[ones - 1] as number;
        const u = ones < 4 ? (w << (ones + 1)) >>> (32 - bits) : peek(buf, view, pos + 5);
        pos += ones + 1 + bits;
        delta += u >= (BUCKET_HALF[ones - 1] as number) ? u - (BUCKET_FULL[ones - 1] as number) : u;
        t += delta;
      } else {
        u32[HI] = peek(buf, view, pos + 5);
        u32[LO] = peek(buf, view, pos + 37);
        pos += 69;
        const raw = f64[0] as number;
        delta = raw - t;
        t = raw;
      }
    }
    timestamps[at + i] = t;
    if (words !== null) {
      const w = peek(buf, view, pos);
      if (w >>> 31 === 0) {
        pos += 1;
      } else {
        if (w >>> 30 === 3) {
          leading = (w >>> 25) & 31;
          const s = (w >>> 19) & 63;
          trailing = 64 - leading - (s === 0 ? 64 : s);
          pos += 13;
        } else {
          pos += 2;
        }
        const sig = 64 - leading - trailing;
        let xh: number;
        let xl: number;
        if (sig > 32) {
          xh = peek(buf, view, pos) >>> (64 - sig);
          xl = peek(buf, view, pos + sig - 32);
        } else {
          xh = 0;
          xl = peek(buf, view, pos) >>> (32 - sig);
        }
        pos += sig;
        // Shift left by `trailing`.
        if (trailing >= 32) {
          xh = (xl << (trailing - 32)) >>> 0;
          xl = 0;
        } else if (trailing > 0) {
          xh = ((xh << trailing) | (xl >>> (32 - trailing))) >>> 0;
          xl = (xl << trailing) >>> 0;
        }
        prevHi = (prevHi ^ xh) >>> 0;
        prevLo = (prevLo ^ xl) >>> 0;
      }
      words[2 * (at + i) + HI] = prevHi;
      words[2 * (at + i) + LO] = prevLo;
    } else {
      const w = peek(buf, view, pos);
      const ones = Math.clz32(~w);
      if (ones >= 5) {
        u32[HI] = peek(buf, view, pos + 5);
        u32[LO] = peek(buf, view, pos + 37);
        pos += 69;
        const raw = f64[0] as number;
        vDelta = raw - v;
        v = raw;
      } else {
        let coded = 0;
        if (ones === 0) {
          pos += 1;
        } else {
          const bits = BUCKETS[ones - 1] as number;
          const u = ones < 4 ? (w << (ones + 1)) >>> (32 - bits) : peek(buf, view, pos + 5);
          pos += ones + 1 + bits;
          coded = u >= (BUCKET_HALF[ones - 1] as number) ? u - (BUCKET_FULL[ones - 1] as number) : u;
        }
        vDelta = dod && i >= 2 ? vDelta + coded : coded;
        v += vDelta;
      }
      values[at + i] = v;
    }
    if (pos > endBits) throw new TruncatedError();
  }
  return n;
}
