// Resume cursors: the vector of per-stream positions (entry id + events delivered from that entry) of every
// partition stream plus the incidents stream, encoded as base64url of varints. One stream id cannot say where a
// client stands in 16 independent streams; the whole vector can, so a resume is gap-free in all of them.
// Pure; no I/O.

/** `idx` value meaning "every event of this entry" (a group's last-delivered id, or the empty start `0-0`). */
export const WHOLE = Number.MAX_SAFE_INTEGER;

const VERSION = 1;
/** Entry-id milliseconds above this (year 10889) are refused, which keeps zigzag deltas exact in doubles. */
export const MAX_ID_MS = 2 ** 48;
const MAX_CURSOR_CHARS = 8192;
const BASE64URL = /^[A-Za-z0-9_-]+$/;

export class CursorError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CursorError';
  }
}

/**
 * Positions of `size` streams. Position = (ms, seq, idx): the entry id `ms-seq` and how many of its events have
 * been passed (1-based count, or WHOLE). Ordered lexicographically, so "later in the stream" is "greater".
 */
export class Vector {
  readonly ms: Float64Array;
  readonly seq: Float64Array;
  readonly idx: Float64Array;

  constructor(readonly size: number) {
    this.ms = new Float64Array(size);
    this.seq = new Float64Array(size);
    this.idx = new Float64Array(size).fill(WHOLE);
  }

  clone(): Vector {
    const v = new Vector(this.size);
    v.ms.set(this.ms);
    v.seq.set(this.seq);
    v.idx.set(this.idx);
    return v;
  }

  copyFrom(other: Vector): void {
    this.ms.set(other.ms);
    this.seq.set(other.seq);
    this.idx.set(other.idx);
  }

  set(p: number, ms: number, seq: number, idx: number): void {
    this.ms[p] = ms;
    this.seq[p] = seq;
    this.idx[p] = idx;
  }

  /** Compares the given position with this vector's position `p`: > 0 when the given one is later. */
  compareAt(p: number, ms: number, seq: number, idx: number): number {
    const dm = ms - (this.ms[p] as number);
    if (dm !== 0) return dm;
    const ds = seq - (this.seq[p] as number);
    if (ds !== 0) return ds;
    return idx - (this.idx[p] as number);
  }

  /** True when every position of this vector is at or after the same position of `other`. */
  covers(other: Vector): boolean {
    for (let p = 0; p < this.size; p++) {
      if (this.compareAt(p, other.ms[p] as number, other.seq[p] as number, other.idx[p] as number) > 0) return false;
    }
    return true;
  }

  /** Raises each position to `other`'s where that one is later. */
  raiseTo(other: Vector): void {
    for (let p = 0; p < this.size; p++) {
      if (this.compareAt(p, other.ms[p] as number, other.seq[p] as number, other.idx[p] as number) > 0) {
        this.set(p, other.ms[p] as number, other.seq[p] as number, other.idx[p] as number);
      }
    }
  }

  /** Stream id of position `p` (`ms-seq`). */
  idAt(p: number): string {
    return `${this.ms[p]}-${this.seq[p]}`;
  }

  encode(): string {
    return encodeVector(this);
  }
}

/** Parses a Redis stream id `ms-seq` into numbers; throws on anything else. */
export function parseStreamId(id: string): [number, number] {
  const dash = id.indexOf('-');
  const ms = Number(dash < 0 ? id : id.slice(0, dash));
  const seq = dash < 0 ? 0 : Number(id.slice(dash + 1));
  if (!Number.isSafeInteger(ms) || !Number.isSafeInteger(seq) || ms < 0 || seq < 0 || ms >= MAX_ID_MS) {
    throw new CursorError(`not a stream id: ${id.slice(0, 40)}`);
  }
  return [ms, seq];
}

/** Compares two stream ids given as (ms, seq). */
export function compareIds(ams: number, aseq: number, bms: number, bseq: number): number {
  return ams !== bms ? ams - bms : aseq - bseq;
}

// Varints: 7 bits per byte, little-endian groups; arithmetic rather than bit operators so values up to 2^53 work.
let scratch = new Uint8Array(256);

function ensure(capacity: number): void {
  if (scratch.length < capacity) scratch = new Uint8Array(capacity * 2);
}

function writeVarint(buf: Uint8Array, at: number, value: number): number {
  let v = value;
  while (v >= 0x80) {
    buf[at++] = (v % 0x80) + 0x80;
    v = Math.floor(v / 0x80);
  }
  buf[at++] = v;
  return at;
}

function zigzag(v: number): number {
  return v >= 0 ? v * 2 : -v * 2 - 1;
}

function unzigzag(v: number): number {
  return v % 2 === 0 ? v / 2 : -(v + 1) / 2;
}

export function encodeVector(v: Vector): string {
  ensure(2 + v.size * 30);
  const buf = scratch;
  let at = 0;
  buf[at++] = VERSION;
  at = writeVarint(buf, at, v.size);
  let prevMs = 0;
  for (let p = 0; p < v.size; p++) {
    const ms = v.ms[p] as number;
    // Entry ids of busy partitions lie close in time, so the delta from the previous partition is short.
    at = writeVarint(buf, at, zigzag(ms - prevMs));
    prevMs = ms;
    at = writeVarint(buf, at, v.seq[p] as number);
    const idx = v.idx[p] as number;
    at = writeVarint(buf, at, idx === WHOLE ? 0 : idx);
  }
  return Buffer.from(buf.buffer, buf.byteOffset, at).toString('base64url');
}

/** Decodes a cursor made for `size` streams; throws CursorError saying what is wrong. */
export function decodeVector(cursor: string, size: number): Vector {
  if (cursor.length === 0) throw new CursorError('cursor is empty');
  if (cursor.length > MAX_CURSOR_CHARS || !BASE64URL.test(cursor)) throw new CursorError('cursor is not a cursor this server issued');
  const bytes = Buffer.from(cursor, 'base64url');
  let at = 0;
  const readVarint = (): number => {
    let value = 0;
    let scale = 1;
    for (let i = 0; i < 8; i++) {
      if (at >= bytes.length) throw new CursorError('cursor is truncated');
      const b = bytes[at++] as number;
      value += (b % 0x80) * scale;
      if (b < 0x80) {
        if (!Number.isSafeInteger(value)) break;
        return value;
      }
      scale *= 0x80;
    }
    throw new CursorError('cursor holds an out-of-range number');
  };
  if (bytes[at++] !== VERSION) throw new CursorError('cursor version is not supported');
  const count = readVarint();
  if (count !== size) {
    throw new CursorError(`cursor covers ${count} streams, this deployment has ${size} (partition count changed?)`);
  }
  const v = new Vector(size);
  let prevMs = 0;
  for (let p = 0; p < size; p++) {
    const ms = prevMs + unzigzag(readVarint());
    if (!Number.isSafeInteger(ms) || ms < 0 || ms >= MAX_ID_MS) throw new CursorError('cursor holds an invalid stream id');
    prevMs = ms;
    const seq = readVarint();
    const idx = readVarint();
    v.set(p, ms, seq, idx === 0 ? WHOLE : idx);
  }
  if (at !== bytes.length) throw new CursorError('cursor has trailing bytes');
  return v;
}

/** Lowers each position of `v` to `other`'s where that one is earlier (the point both have passed). */
export function lowerTo(v: Vector, other: Vector): void {
  for (let p = 0; p < v.size; p++) {
    if (v.compareAt(p, other.ms[p] as number, other.seq[p] as number, other.idx[p] as number) < 0) {
      v.set(p, other.ms[p] as number, other.seq[p] as number, other.idx[p] as number);
    }
  }
}
