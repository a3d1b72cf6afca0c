// Label sets by the bytes of their label block (lib/tsdb/batch-codec.ts), for a reader that sees the same series
// entry after entry: a lookup hashes the bytes where they lie and compares them with a kept copy, four at a time,
// so a known series costs no string. It used to be a Map keyed by the block as a latin1 string: a string made,
// hashed and dropped per series per entry. Bounded: cleared when full, as that Map was. Pure.
//
// A sender repeats its series in the same order request after request, so the block looked up after a given
// block is most often the one looked up after it last time: each kept block remembers its successor, and a
// lookup compares with the predecessor's successor first, without hashing (~half of a lookup's cost).

/** A bounded memo from label-block bytes to a value. */
export interface LabelBlockMemo<V> {
  /** The value kept for the bytes [start, stop) of `view`, if any. */
  get(view: DataView, start: number, stop: number): V | undefined;
  /** Keeps `value` for the bytes [start, stop) of `view` (not already kept); may first forget everything (full). */
  set(view: DataView, start: number, stop: number, value: V): void;
  readonly size: number;
}

const PRIME = 0x01000193;

/** FNV-1a style over 32-bit words (little-endian; any offset), then the last bytes one by one; length first. */
function hashOf(v: DataView, start: number, stop: number): number {
  let h = Math.imul(0x811c9dc5 ^ (stop - start), PRIME);
  let i = start;
  for (const last = stop - 4; i <= last; i += 4) {
    h = Math.imul(h ^ v.getInt32(i, true), PRIME);
    h ^= h >>> 15;
  }
  for (; i < stop; i++) h = Math.imul(h ^ v.getUint8(i), PRIME);
  return h | 0;
}

/** Probes before a lookup gives up: a crafted set of colliding blocks costs a bounded number of comparisons. */
const MAX_PROBES = 16;

/**
 * The default bound: the series a remote_write reader and the persister's decoder each keep (the persister's
 * accumulator remembers as many, ingest/persister/metric-accumulator.ts). One memo smaller than the others was
 * a cliff: past its size, a sender cycling through its series misses on every lookup (the memo is cleared before
 * a series comes round again), each miss a new labels object for every holder downstream.
 */
export const LABEL_BLOCK_MEMO_ENTRIES = 200_000;

/**
 * `maxEntries` values and `maxBytes` of kept blocks at most. Open addressing over a power-of-two table of at least
 * twice `maxEntries` slots, so probes stay short.
 */
export function createLabelBlockMemo<V>(maxEntries = LABEL_BLOCK_MEMO_ENTRIES, maxBytes = 32 * 1024 * 1024): LabelBlockMemo<V> {
  let slots = 1024;
  while (slots < 2 * maxEntries) slots *= 2;
  const mask = slots - 1;
  /** Per slot: entry index + 1, 0 empty. */
  const table = new Int32Array(slots);
  let arena = new DataView(new ArrayBuffer(Math.min(maxBytes, 64 * 1024)));
  let used = 0;
  const starts: number[] = [];
  const lengths: number[] = [];
  const hashes: number[] = [];
  const values: V[] = [];
  /** Per entry: the entry found or kept right after it last time (-1: none yet). */
  const successors: number[] = [];
  /** The entry the last lookup found or the last set kept (-1: none, a miss). */
  let last = -1;

  function clear(): void {
    table.fill(0);
    used = 0;
    starts.length = 0;
    lengths.length = 0;
    hashes.length = 0;
    values.length = 0;
    successors.length = 0;
    last = -1;
  }

  function same(j: number, v: DataView, start: number, stop: number): boolean {
    if (lengths[j] !== stop - start) return false;
    const a = arena;
    let o = starts[j] as number;
    let i = start;
    for (const last = stop - 4; i <= last; i += 4, o += 4) if (a.getInt32(o, true) !== v.getInt32(i, true)) return false;
    for (; i < stop; i++, o++) if (a.getUint8(o) !== v.getUint8(i)) return false;
    return true;
  }

  return {
    get(v, start, stop) {
      const prev = last;
      if (prev !== -1) {
        const guess = successors[prev] as number;
        if (guess !== -1 && same(guess, v, start, stop)) {
          last = guess;
          return values[guess];
        }
      }
      const h = hashOf(v, start, stop);
      for (let slot = h & mask, probes = 0; probes < MAX_PROBES; slot = (slot + 1) & mask, probes++) {
        const x = table[slot] as number;
        if (x === 0) break;
        const j = x - 1;
        if (hashes[j] === h && same(j, v, start, stop)) {
          if (prev !== -1) successors[prev] = j;
          last = j;
          return values[j];
        }
      }
      last = -1;
      return undefined;
    },
    set(v, start, stop, value) {
      const len = stop - start;
      if (len > maxBytes) return;
      if (values.length >= maxEntries || used + len > maxBytes) clear();
      const h = hashOf(v, start, stop);
      let slot = h & mask;
      for (let probes = 0; table[slot] !== 0; slot = (slot + 1) & mask) if (++probes >= MAX_PROBES) return;
      if (used + len > arena.byteLength) {
        let size = arena.byteLength * 2;
        while (size < used + len) size *= 2;
        const grown = new Uint8Array(Math.min(size, maxBytes));
        grown.set(new Uint8Array(arena.buffer, 0, used));
        arena = new DataView(grown.buffer);
      }
      new Uint8Array(arena.buffer, used, len).set(new Uint8Array(v.buffer, v.byteOffset + start, len));
      const j = values.length;
      table[slot] = j + 1;
      if (last !== -1) successors[last] = j;
      last = j;
      successors.push(-1);
      starts.push(used);
      lengths.push(len);
      hashes.push(h);
      values.push(value);
      used += len;
    },
    get size() {
      return values.length;
    },
  };
}
