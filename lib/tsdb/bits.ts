// Bit-level writer and reader for the chunk encodings: MSB-first within each byte, at most 32 bits per
// call (64-bit quantities are written as two halves). Pure; no I/O.

/** Appends bits to a growable byte buffer. */
export class BitWriter {
  private buf: Uint8Array;
  /** Bits written so far. */
  private pos = 0;

  constructor(initialBytes = 64) {
    this.buf = new Uint8Array(Math.max(8, initialBytes));
  }

  get bitLength(): number {
    return this.pos;
  }

  private ensure(bits: number): void {
    const need = (this.pos + bits + 7) >>> 3;
    if (need <= this.buf.length) return;
    const next = new Uint8Array(Math.max(need, this.buf.length * 2));
    next.set(this.buf);
    this.buf = next;
  }

  /** Writes the low `n` bits (0..32) of `value`, most significant first. */
  write(value: number, n: number): void {
    if (n === 0) return;
    this.ensure(n);
    let v = n === 32 ? value >>> 0 : (value & ((1 << n) - 1)) >>> 0;
    let left = n;
    while (left > 0) {
      const byte = this.pos >>> 3;
      const free = 8 - (this.pos & 7);
      const take = Math.min(free, left);
      const shift = left - take;
      const bits = (v >>> shift) & ((1 << take) - 1);
      this.buf[byte] = (this.buf[byte] as number) | (bits << (free - take));
      this.pos += take;
      left -= take;
      v = shift === 0 ? 0 : v & ((2 ** shift) - 1);
    }
  }

  writeBit(bit: boolean | number): void {
    this.write(bit ? 1 : 0, 1);
  }

  /** Unsigned LEB128-style varint of a non-negative safe integer, in whole bytes' worth of bits. */
  writeUvarint(value: number): void {
    let v = value;
    while (v >= 0x80) {
      this.write((v % 0x80) | 0x80, 8);
      v = Math.floor(v / 0x80);
    }
    this.write(v, 8);
  }

  /** Zig-zag varint of a safe integer. */
  writeVarint(value: number): void {
    this.writeUvarint(value < 0 ? -2 * value - 1 : 2 * value);
  }

  /** The bytes written (the last one zero-padded). */
  finish(): Uint8Array {
    return this.buf.slice(0, (this.pos + 7) >>> 3);
  }
}

/** Thrown when a reader runs past the end of its bytes: the chunk is corrupt or truncated. */
export class TruncatedError extends Error {
  constructor() {
    super('chunk data ends early');
    this.name = 'TruncatedError';
  }
}

/** Reads what a BitWriter wrote. */
export class BitReader {
  private pos: number;
  private readonly end: number;

  constructor(
    private readonly buf: Uint8Array,
    startByte = 0,
  ) {
    this.pos = startByte * 8;
    this.end = buf.length * 8;
  }

  /**
   * The 32 bits from the read position on, MSB first; bytes past the end read as zero. One load of up to five
   * bytes instead of a loop per byte: chunk decoding reads a few bits millions of times per query.
   */
  private peek32(): number {
    const buf = this.buf;
    const b = this.pos >>> 3;
    const off = this.pos & 7;
    const len = buf.length;
    const w =
      ((b < len ? (buf[b] as number) : 0) << 24) |
      ((b + 1 < len ? (buf[b + 1] as number) : 0) << 16) |
      ((b + 2 < len ? (buf[b + 2] as number) : 0) << 8) |
      (b + 3 < len ? (buf[b + 3] as number) : 0);
    if (off === 0) return w >>> 0;
    return ((w << off) | ((b + 4 < len ? (buf[b + 4] as number) : 0) >>> (8 - off))) >>> 0;
  }

  /** Reads `n` (0..32) bits as an unsigned number. */
  read(n: number): number {
    if (n === 0) return 0;
    if (this.pos + n > this.end) throw new TruncatedError();
    const w = this.peek32();
    this.pos += n;
    return n === 32 ? w : w >>> (32 - n);
  }

  /**
   * Counts set bits up to `max` (1..31), consuming them and the zero that ends them when fewer than `max`:
   * the same as reading bits one at a time while they are 1, at most `max` of them.
   */
  readOnes(max: number): number {
    if (this.pos + max <= this.end) {
      const ones = Math.min(Math.clz32(~this.peek32()), max);
      this.pos += ones < max ? ones + 1 : ones;
      return ones;
    }
    let ones = 0;
    while (ones < max && this.readBit() === 1) ones++;
    return ones;
  }

  readBit(): number {
    if (this.pos >= this.end) throw new TruncatedError();
    const byte = this.buf[this.pos >>> 3] as number;
    const bit = (byte >>> (7 - (this.pos & 7))) & 1;
    this.pos++;
    return bit;
  }

  readUvarint(): number {
    let out = 0;
    let mul = 1;
    for (let i = 0; i < 8; i++) {
      const b = this.read(8);
      out += (b & 0x7f) * mul;
      if (b < 0x80) return out;
      mul *= 0x80;
    }
    throw new TruncatedError();
  }

  readVarint(): number {
    const u = this.readUvarint();
    return u % 2 === 0 ? u / 2 : -(u + 1) / 2;
  }
}
