// The stream-entry form of a metric batch (lib/tsdb/batch.ts): binary, written into one buffer per entry and
// carried as those bytes (entries written before readers got Buffers carry it as base64, still read). Built for the remote_write path,
// where the JSON form cost the HTTP thread ~1.7 µs per sample to build and encode and each reader as much to
// parse: a series' labels are written as bytes its producer encoded once (labelBytesOf), every timestamp and
// value as a raw float64, so encoding is copies and decoding is views. Pure; no I/O.
//
// Layout (little-endian; varint = unsigned LEB128 below 2^32):
//   u8 version (1) · varint len + tenant · f64 receivedAt · varint len + id · varint series · varint samples
//   per series: varint len + label block · u8 flags · [varint len + target] · [varint len + unit] · varint samples
//   zero padding to a multiple of 8 · f64 timestamps of all series, in series order · f64 values, likewise
// label block: per label, varint len + name, varint len + value (UTF-8), in the labels' own order.
// flags: bits 0-2 the index of the type in METRIC_TYPES; bits 3-4 where the target is: 0 written after the flags,
// 1 the `instance` label, 2 the `job` label; bit 5 a unit follows.
import { METRIC_TYPES, type MetricType } from '../events/event.js';
import type { BatchSeries, MetricBatch } from './batch.js';
import { createLabelBlockMemo, type LabelBlockMemo } from './label-block-memo.js';

const VERSION = 1;
const TARGET_WRITTEN = 0;
const TARGET_INSTANCE = 1 << 3;
const TARGET_JOB = 2 << 3;
const HAS_UNIT = 1 << 5;
const TYPE_CODES = new Map<string, number>(METRIC_TYPES.map((t, i) => [t, i]));

// Columns are read as Float64Array views, in the platform's byte order: every platform Node runs on here is
// little-endian, and the entry format says little-endian, so a big-endian one is refused at load.
if (new Uint8Array(new Float64Array([1]).buffer)[7] !== 0x3f) throw new Error('lib/tsdb/batch-codec.ts assumes a little-endian platform');

const varintSize = (n: number): number => (n < 0x80 ? 1 : n < 0x4000 ? 2 : n < 0x200000 ? 3 : n < 0x10000000 ? 4 : 5);

function writeVarint(b: Uint8Array, pos: number, n: number): number {
  while (n >= 0x80) {
    b[pos++] = (n & 0x7f) | 0x80;
    n >>>= 7;
  }
  b[pos++] = n;
  return pos;
}

/** UTF-8 length of `s` (ASCII counted in JavaScript: the strings here are short and almost always ASCII). */
function utf8Length(s: string): number {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return Buffer.byteLength(s, 'utf8');
  return s.length;
}

/** Writes `s` (`len` = utf8Length(s)) at `pos`; returns the position after it. */
function writeString(b: Buffer, pos: number, s: string, len: number): number {
  if (len === s.length) {
    for (let i = 0; i < len; i++) b[pos + i] = s.charCodeAt(i);
    return pos + len;
  }
  return pos + b.write(s, pos, len, 'utf8');
}

const stringSize = (len: number): number => varintSize(len) + len;

/**
 * A label set as the entry writes it (the label block). A producer that sees the same label set request after
 * request (remote_write's wire memo) keeps this and hands it over as BatchSeries.labelBytes, so it is built once
 * per series, not once per sample.
 */
export function labelBytesOf(labels: Readonly<Record<string, string>>): Buffer {
  let size = 0;
  for (const k in labels) size += stringSize(utf8Length(k)) + stringSize(utf8Length(labels[k] as string));
  const b = Buffer.allocUnsafe(size);
  let pos = 0;
  for (const k in labels) {
    const v = labels[k] as string;
    const kl = utf8Length(k);
    pos = writeString(b, writeVarint(b, pos, kl), k, kl);
    const vl = utf8Length(v);
    pos = writeString(b, writeVarint(b, pos, vl), v, vl);
  }
  return b;
}

function targetMode(s: BatchSeries): number {
  if (s.labels.instance === s.target) return TARGET_INSTANCE;
  if (s.labels.job === s.target) return TARGET_JOB;
  return TARGET_WRITTEN;
}

/** A batch measured for writing: its size in bytes and what the measuring worked out. */
export interface SizedMetricBatch {
  readonly batch: MetricBatch;
  readonly size: number;
  readonly labels: readonly Uint8Array[];
  readonly samples: number;
  /** Where the columns start, from the batch's first byte (a multiple of 8). */
  readonly columns: number;
}

/** Measures a batch for writeMetricBatch (throws TypeError on a series whose timestamps and values differ). */
export function sizeMetricBatch(batch: MetricBatch): SizedMetricBatch {
  const { series } = batch;
  const n = series.length;
  const labels = new Array<Uint8Array>(n);
  let samples = 0;
  for (let s = 0; s < n; s++) samples += (series[s] as BatchSeries).timestamps.length;
  let size = 1 + stringSize(utf8Length(batch.tenant)) + 8 + stringSize(utf8Length(batch.id)) + varintSize(n) + varintSize(samples);
  for (let s = 0; s < n; s++) {
    const x = series[s] as BatchSeries;
    if (x.values.length !== x.timestamps.length) throw new TypeError(`series ${s} of the batch has ${x.timestamps.length} timestamps and ${x.values.length} values`);
    const lb = x.labelBytes ?? labelBytesOf(x.labels);
    labels[s] = lb;
    size += stringSize(lb.length) + 1 + varintSize(x.timestamps.length);
    if (targetMode(x) === TARGET_WRITTEN) size += stringSize(utf8Length(x.target));
    if (x.unit !== undefined) size += stringSize(utf8Length(x.unit));
  }
  const columns = (size + 7) & ~7;
  return { batch, size: columns + 16 * samples, labels, samples, columns };
}

/**
 * Writes a measured batch into b[at, at + sized.size) (see the layout above), so that one buffer can hold several
 * batches: a buffer of its own per batch was a new ArrayBuffer (or a new pool) for most of remote_write's entries.
 */
export function writeMetricBatch(sized: SizedMetricBatch, b: Buffer, at: number): void {
  const { batch, labels, samples } = sized;
  const { series } = batch;
  const n = series.length;
  const tenantLen = utf8Length(batch.tenant);
  const idLen = utf8Length(batch.id);
  let pos = at;
  b[pos++] = VERSION;
  pos = writeString(b, writeVarint(b, pos, tenantLen), batch.tenant, tenantLen);
  b.writeDoubleLE(batch.receivedAt, pos);
  pos += 8;
  pos = writeString(b, writeVarint(b, pos, idLen), batch.id, idLen);
  pos = writeVarint(b, pos, n);
  pos = writeVarint(b, pos, samples);
  for (let s = 0; s < n; s++) {
    const x = series[s] as BatchSeries;
    const lb = labels[s] as Uint8Array;
    pos = writeVarint(b, pos, lb.length);
    if (lb.length > 64) b.set(lb, pos);
    else for (let i = 0; i < lb.length; i++) b[pos + i] = lb[i] as number;
    pos += lb.length;
    const type = TYPE_CODES.get(x.type);
    if (type === undefined) throw new TypeError(`series ${s} of the batch has the unknown type ${String(x.type)}`);
    const mode = targetMode(x);
    b[pos++] = type | mode | (x.unit !== undefined ? HAS_UNIT : 0);
    if (mode === TARGET_WRITTEN) {
      const len = utf8Length(x.target);
      pos = writeString(b, writeVarint(b, pos, len), x.target, len);
    }
    if (x.unit !== undefined) {
      const len = utf8Length(x.unit);
      pos = writeString(b, writeVarint(b, pos, len), x.unit, len);
    }
    pos = writeVarint(b, pos, x.timestamps.length);
  }
  const columns = at + sized.columns;
  b.fill(0, pos, columns);
  // Column writes through a DataView: the batch's place in the buffer need not be a multiple of 8.
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  let t = columns;
  let v = columns + 8 * samples;
  for (let s = 0; s < n; s++) {
    const x = series[s] as BatchSeries;
    const ts = x.timestamps;
    const vs = x.values;
    for (let i = 0; i < ts.length; i++, t += 8, v += 8) {
      view.setFloat64(t, ts[i] as number, true);
      view.setFloat64(v, vs[i] as number, true);
    }
  }
}

/** The entry bytes of a batch (see the layout above): the entry field's value, in a buffer of its own. */
export function encodeMetricBatchBytes(batch: MetricBatch): Buffer {
  const sized = sizeMetricBatch(batch);
  const b = Buffer.allocUnsafe(sized.size);
  writeMetricBatch(sized, b, 0);
  return b;
}

/** Characters of the base64 form of `bytes` bytes: what the entry size bound counts. */
export const base64Length = (bytes: number): number => 4 * Math.ceil(bytes / 3);

/** Base64 of encodeMetricBatchBytes: the value of the older base64 entry field (tests of reading old entries). */
export function encodeMetricBatch(batch: MetricBatch): string {
  return encodeMetricBatchBytes(batch).toString('base64');
}

/** Label sets by their label-block bytes; made on the thread's first decode (an encoding thread needs none). */
let labelMemo: LabelBlockMemo<Readonly<Record<string, string>>> | undefined;

const malformed = (why: string): TypeError => new TypeError(`metric batch entry is malformed: ${why}`);

/**
 * An entry's header and series metadata, walked before any sample is handed out (so a corrupt entry gives none).
 * One per thread, overwritten by each walk (its arrays grow to the largest entry and are reused: arrays, closures
 * and strings made per entry were ~4.4 KB of garbage per remote_write entry, ~70 bytes per sample).
 */
interface Walked {
  tenant: string;
  receivedAt: number;
  id: string;
  /** Series in the entry: the arrays below hold them in [0, series); anything after is a former entry's. */
  series: number;
  labels: Readonly<Record<string, string>>[];
  targets: string[];
  types: MetricType[];
  units: (string | undefined)[];
  counts: number[];
  /** Samples in all; the timestamps column starts at byte `columns`, the values column 8 × samples after it. */
  samples: number;
  columns: number;
}

const walked: Walked = { tenant: '', receivedAt: 0, id: '', series: 0, labels: [], targets: [], types: [], units: [], counts: [], samples: 0, columns: 0 };

/** Where walk (and labelsAt on a memo miss) reads next: module state, so that reading a field makes no closure. */
let at = 0;

function varintAt(b: Buffer, end: number): number {
  let n = 0;
  for (let shift = 0; shift < 35; shift += 7) {
    if (at >= end) throw malformed('truncated');
    const byte = b[at++] as number;
    n += (byte & 0x7f) * 2 ** shift;
    if (byte < 0x80) return n;
  }
  throw malformed('varint too long');
}

function stringAt(b: Buffer, end: number): string {
  const len = varintAt(b, end);
  if (at + len > end) throw malformed('truncated string');
  const s = b.toString('utf8', at, at + len);
  at += len;
  return s;
}

/** The tenant of the last entry walked, and its bytes: entries of a read mostly share one, decoded once. */
let lastTenant = '';
let lastTenantBytes = Buffer.alloc(0);

function tenantAt(b: Buffer, end: number): string {
  const len = varintAt(b, end);
  if (at + len > end) throw malformed('truncated string');
  if (len === lastTenantBytes.length) {
    let i = 0;
    while (i < len && b[at + i] === lastTenantBytes[i]) i++;
    if (i === len) {
      at += len;
      return lastTenant;
    }
  }
  lastTenant = b.toString('utf8', at, at + len);
  lastTenantBytes = Buffer.from(b.subarray(at, at + len));
  at += len;
  return lastTenant;
}

/** Walks the entry bytes b[0, end) (8-aligned) into `walked`; throws TypeError on anything encodeMetricBatch did not write. */
function walk(b: Buffer, view: DataView, end: number): Walked {
  at = 0;
  if (end === 0 || b[at++] !== VERSION) throw malformed(end === 0 ? 'empty' : `unknown version ${b[0]}`);
  const w = walked;
  w.series = 0;
  const tenant = tenantAt(b, end);
  if (at + 8 > end) throw malformed('truncated');
  const receivedAt = b.readDoubleLE(at);
  at += 8;
  const id = stringAt(b, end);
  const n = varintAt(b, end);
  const samples = varintAt(b, end);
  // Each series takes at least 3 bytes, each sample 16: counts beyond that are corrupt, not allocations to make.
  if (n * 3 + samples * 16 > end) throw malformed('counts larger than the entry');
  const { labels: labelsOf, targets, types, units, counts } = w;
  let total = 0;
  for (let s = 0; s < n; s++) {
    const lbLen = varintAt(b, end);
    const lbEnd = at + lbLen;
    if (lbEnd > end) throw malformed(`series ${s} labels truncated`);
    const labels = labelsAt(b, view, at, lbEnd);
    at = lbEnd;
    if (at >= end) throw malformed('truncated');
    const flags = b[at++] as number;
    const type = METRIC_TYPES[flags & 7];
    if (type === undefined || flags > 0x3f) throw malformed(`series ${s} has bad flags ${flags}`);
    const mode = flags & (3 << 3);
    let target: string | undefined;
    if (mode === TARGET_WRITTEN) target = stringAt(b, end);
    else if (mode === TARGET_INSTANCE) target = labels.instance;
    else if (mode === TARGET_JOB) target = labels.job;
    if (target === undefined) throw malformed(`series ${s} names a target label it does not have`);
    labelsOf[s] = labels;
    targets[s] = target;
    types[s] = type;
    units[s] = (flags & HAS_UNIT) !== 0 ? stringAt(b, end) : undefined;
    const count = varintAt(b, end);
    counts[s] = count;
    total += count;
  }
  if (total !== samples) throw malformed(`series hold ${total} samples, the header says ${samples}`);
  const columns = (at + 7) & ~7;
  if (columns + 16 * samples !== end) throw malformed(`${end} bytes where the header makes ${columns + 16 * samples}`);
  w.tenant = tenant;
  w.receivedAt = receivedAt;
  w.id = id;
  w.series = n;
  w.samples = samples;
  w.columns = columns;
  return w;
}

/**
 * Decodes what encodeMetricBatchBytes wrote (`payload` those bytes, or their base64 as older entries carry it);
 * throws TypeError on anything else.
 *
 * For readers that keep per-series work across batches: a series' `labels` object is SHARED and FROZEN — the same
 * object (===) in every batch this thread decodes that carries the same label set (same labels in the same order,
 * as a sender repeats them), from a bounded memo that is dropped when full (then a new object, equal in content).
 * So work derived from the labels alone (a series key, a series id lookup) can be cached in a WeakMap keyed by
 * the labels object. Never mutate it. `timestamps` and `values` are Float64Array views into the decoded entry
 * (bit-exact: NaN payloads such as Prometheus's stale marker, ±Inf and -0 come back as written); a reader that
 * keeps them keeps the entry's bytes alive, and must not write to them. Copy values element by element or as
 * bytes (`slice`, `set` from a Float64Array): `Array.from` and `new Float64Array(array)` may replace a NaN's
 * payload by the canonical NaN, which turns the stale marker into an ordinary NaN.
 */
export function decodeMetricBatch(payload: Buffer | string): MetricBatch {
  let b = typeof payload === 'string' ? Buffer.from(payload, 'base64') : payload;
  // Bytes as read are a view of the reply's buffer: copied, so the views returned neither keep the reply alive
  // nor see it reused, and aligned for them.
  if (b.byteOffset % 8 !== 0 || b === payload) {
    const aligned = Buffer.allocUnsafeSlow(b.length);
    b.copy(aligned);
    b = aligned;
  }
  const w = walk(b, new DataView(b.buffer, b.byteOffset, b.length), b.length);
  const ts = new Float64Array(b.buffer, b.byteOffset + w.columns, w.samples);
  const vs = new Float64Array(b.buffer, b.byteOffset + w.columns + 8 * w.samples, w.samples);
  const series = new Array<BatchSeries>(w.series);
  let from = 0;
  for (let s = 0; s < series.length; s++) {
    const count = w.counts[s] as number;
    const out: BatchSeries = { target: w.targets[s] as string, labels: w.labels[s] as Readonly<Record<string, string>>, type: w.types[s] as MetricType, timestamps: ts.subarray(from, from + count), values: vs.subarray(from, from + count) };
    const unit = w.units[s];
    if (unit !== undefined) out.unit = unit;
    series[s] = out;
    from += count;
  }
  return { tenant: w.tenant, receivedAt: w.receivedAt, id: w.id, series };
}

/** A reader of a batch's series without a BatchSeries per series: readMetricBatch calls it. */
export interface MetricBatchSink {
  /** The entry's header, before its series. */
  header(tenant: string, receivedAt: number, id: string): void;
  /**
   * One series (labels shared and frozen, as decodeMetricBatch's): its samples are ts[from, from + count) and
   * vs likewise, views of a buffer the next readMetricBatch call overwrites, so copy them (element by element,
   * which keeps NaN payloads) before returning, and decode no other batch meanwhile.
   */
  series(labels: Readonly<Record<string, string>>, target: string, type: MetricType, unit: string | undefined, ts: Float64Array, vs: Float64Array, from: number, count: number): void;
}

/** Where readMetricBatch puts the entry's bytes: one 8-aligned buffer per thread, grown as needed. */
let scratch = Buffer.allocUnsafeSlow(64 * 1024);
let scratchView = new DataView(scratch.buffer, scratch.byteOffset, scratch.length);

/**
 * Reads what encodeMetricBatchBytes wrote (bytes, or base64 as decodeMetricBatch) into `sink`, series by series, with nothing allocated per series or per
 * entry but its metadata (the persister: it copies every sample into per-series columns anyway, so views and
 * series objects only became garbage). The whole entry is checked first: a corrupt one throws TypeError before
 * the sink sees anything of it.
 */
export function readMetricBatch(payload: Buffer | string, sink: MetricBatchSink): void {
  const most = typeof payload === 'string' ? Math.ceil(payload.length / 4) * 3 : payload.length;
  if (scratch.length < most) {
    scratch = Buffer.allocUnsafeSlow(2 ** Math.ceil(Math.log2(most)));
    scratchView = new DataView(scratch.buffer, scratch.byteOffset, scratch.length);
  }
  const b = scratch;
  const w = walk(b, scratchView, typeof payload === 'string' ? b.write(payload, 0, 'base64') : payload.copy(b));
  sink.header(w.tenant, w.receivedAt, w.id);
  const ts = new Float64Array(b.buffer, b.byteOffset + w.columns, w.samples);
  const vs = new Float64Array(b.buffer, b.byteOffset + w.columns + 8 * w.samples, w.samples);
  // `walked`'s arrays and the scratch bytes are the thread's only ones, which the next walk overwrites: a sink that
  // decoded another batch meanwhile would change what the rest of this one hands out (hence: it must not).
  const { series: n, labels, targets, types, units, counts } = w;
  let from = 0;
  for (let s = 0; s < n; s++) {
    const count = counts[s] as number;
    sink.series(labels[s] as Readonly<Record<string, string>>, targets[s] as string, types[s] as MetricType, units[s], ts, vs, from, count);
    from += count;
  }
}

/** The shared, frozen labels of the label block b[start, stop) (memoized by its bytes). Moves `at`. */
function labelsAt(b: Buffer, view: DataView, start: number, stop: number): Readonly<Record<string, string>> {
  labelMemo ??= createLabelBlockMemo();
  const known = labelMemo.get(view, start, stop);
  if (known) return known;
  const labels: Record<string, string> = {};
  at = start;
  while (at < stop) {
    const name = labelStringAt(b, stop);
    const value = labelStringAt(b, stop);
    // A literal `__proto__` key would set the prototype instead of adding a label.
    if (name === '__proto__') Object.defineProperty(labels, name, { value, enumerable: true, writable: true, configurable: true });
    else labels[name] = value;
  }
  Object.freeze(labels);
  labelMemo.set(view, start, stop, labels);
  return labels;
}

function labelStringAt(b: Buffer, stop: number): string {
  let len = 0;
  for (let shift = 0; ; shift += 7) {
    if (at >= stop || shift > 28) throw malformed('label block truncated');
    const byte = b[at++] as number;
    len += (byte & 0x7f) * 2 ** shift;
    if (byte < 0x80) break;
  }
  if (at + len > stop) throw malformed('label block truncated');
  const s = b.toString('utf8', at, at + len);
  at += len;
  return s;
}
