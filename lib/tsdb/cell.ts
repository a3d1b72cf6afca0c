// How a sample value is kept in a store cell. Databases lose some doubles (SQLite stores NaN as NULL and -0 as 0;
// BSON doubles may canonicalize NaN payloads), so finite values go as numbers and the others as their 8
// little-endian bytes, with Prometheus's staleness marker written with its exact bits. Both adapters use this.

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);
const bytes = new Uint8Array(f64.buffer);

/** The value itself when a database keeps it exactly, else its 8 bytes (a fresh Buffer). */
export function valueCell(v: number): number | Buffer {
  if (Number.isFinite(v) && !Object.is(v, -0)) return v;
  f64[0] = v;
  // The staleness marker keeps Prometheus's exact bits (V8 may have set its quiet bit). Little-endian host.
  if (u32[0] === 2 && ((u32[1] as number) | 0x00080000) === 0x7ff80000) u32[1] = 0x7ff00000;
  return Buffer.from(bytes);
}

/** Reads back what valueCell wrote: a number, or 8 bytes; anything else is NaN. */
export function cellValue(c: number | Uint8Array | null | undefined): number {
  if (typeof c === 'number') return c;
  if (c instanceof Uint8Array && c.length === 8) return new DataView(c.buffer, c.byteOffset, 8).getFloat64(0, true);
  return NaN;
}
