// Compressed chunks of one series' samples. Timestamps are delta-of-delta coded in variable-width buckets (a
// 7-bit bucket first: scrape jitter of a few ms costs 9 bits, not Prometheus's 16). Values are coded one of
// three ways and the smallest wins: Gorilla XOR of the float64 bits (any value, NaN payloads such as the
// staleness marker, ±Inf and -0 bit-exact), or, when every value is an integer of magnitude ≤ 2^50 (counters,
// histogram buckets, most gauges of counts), delta or delta-of-delta of the integers in the same buckets.
// Pure; no I/O.
import { BitReader, BitWriter } from './bits.js';

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

/** Reads a bucketed value; null means the escape, after which a raw 64-bit value follows. */
function readBucketed(r: BitReader): number | null {
  const ones = r.readOnes(5);
  if (ones === 0) return 0;
  if (ones === 5) return null;
  const u = r.read(BUCKETS[ones - 1] as number);
  return u >= (BUCKET_HALF[ones - 1] as number) ? u - (BUCKET_FULL[ones - 1] as number) : u;
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

function readRawFloat(r: BitReader): number {
  u32[HI] = r.read(32);
  u32[LO] = r.read(32);
  return f64[0] as number;
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

/** Number of samples in a chunk, without decoding them. */
export function chunkLength(chunk: Uint8Array): number {
  const r = new BitReader(chunk, 1);
  return r.readUvarint();
}

function readTimestamp(r: BitReader, i: number, state: { prev: number; delta: number }): number {
  if (i === 1) {
    state.delta = r.readVarint();
    state.prev += state.delta;
    return state.prev;
  }
  const dod = readBucketed(r);
  if (dod === null) {
    const t = readRawFloat(r);
    state.delta = t - state.prev;
    state.prev = t;
    return t;
  }
  state.delta += dod;
  state.prev += state.delta;
  return state.prev;
}

/** Decodes a chunk written by encodeChunk / encodeChunkWith. Throws on unknown or truncated data. */
export function decodeChunk(chunk: Uint8Array): Samples {
  if (chunk.length === 0) throw new RangeError('empty chunk');
  const encoding = chunk[0] as number;
  if (encoding !== ENCODING_XOR && encoding !== ENCODING_INT_DOD && encoding !== ENCODING_INT_DELTA) throw new RangeError(`unknown chunk encoding ${encoding}`);
  const r = new BitReader(chunk, 1);
  const n = r.readUvarint();
  if (n > chunk.length * 8) throw new RangeError('chunk sample count exceeds its size');
  const timestamps = new Float64Array(n);
  const values = new Float64Array(n);
  if (n === 0) return { timestamps, values };
  const ts = { prev: r.readVarint(), delta: 0 };
  timestamps[0] = ts.prev;
  if (encoding === ENCODING_XOR) {
    values[0] = readRawFloat(r);
    let prevHi = u32[HI] as number;
    let prevLo = u32[LO] as number;
    let leading = 0;
    let trailing = 0;
    for (let i = 1; i < n; i++) {
      timestamps[i] = readTimestamp(r, i, ts);
      if (r.readBit() === 1) {
        if (r.readBit() === 1) {
          leading = r.read(5);
          const sig = r.read(6);
          trailing = 64 - leading - (sig === 0 ? 64 : sig);
        }
        const sig = 64 - leading - trailing;
        let xh: number;
        let xl: number;
        if (sig > 32) {
          xh = r.read(sig - 32);
          xl = r.read(32);
        } else {
          xh = 0;
          xl = r.read(sig);
        }
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
      u32[HI] = prevHi;
      u32[LO] = prevLo;
      values[i] = f64[0] as number;
    }
    return { timestamps, values };
  }
  const dod = encoding === ENCODING_INT_DOD;
  let prev = r.readVarint();
  let delta = 0;
  values[0] = prev;
  for (let i = 1; i < n; i++) {
    timestamps[i] = readTimestamp(r, i, ts);
    const coded = readBucketed(r);
    if (coded === null) {
      const v = readRawFloat(r);
      delta = v - prev;
      prev = v;
    } else {
      delta = dod && i >= 2 ? delta + coded : coded;
      prev += delta;
    }
    values[i] = prev;
  }
  return { timestamps, values };
}
