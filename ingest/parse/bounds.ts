// Work bounds read before the expensive work (issue 17.9): how many labels a remote_write series has and how
// many attributes an OTLP request carries, counted on the protobuf wire (no decoding, no allocation) or on the
// parsed JSON shape, so a request over a bound is refused in milliseconds instead of holding the event loop
// while it is decoded and mapped. Malformed wire data is left to the real decoder, which reports it. Pure.
import { runSteps, type Steps } from '../../lib/lifecycle/steps.js';
import { LightwatchError } from '../../lib/errors/errors.js';
import { isObject } from './values.js';

/** Which length-delimited fields of a message to descend into, and whether each occurrence counts. */
interface WireSpec {
  count?: boolean;
  children?: Record<number, WireSpec>;
}

/** Reads a varint at `pos`: [value, next position], or null when it runs past `end` or is too long. */
function varint(b: Uint8Array, pos: number, end: number): [number, number] | null {
  let value = 0;
  let mul = 1;
  for (let i = 0; i < 10; i++) {
    if (pos >= end) return null;
    const byte = b[pos++] as number;
    value += (byte & 0x7f) * mul;
    if (byte < 0x80) return [value, pos];
    mul *= 128;
  }
  return null;
}

/**
 * Walks the message tree of `spec` without recursion (a nesting bomb cannot overflow the stack) and counts
 * the fields marked `count`, stopping as soon as the count passes `max`. Returns the count (max + 1 at most).
 */
function countWire(b: Uint8Array, spec: WireSpec, max: number): number {
  let count = 0;
  let pos = 0;
  const stack: Array<{ spec: WireSpec; end: number }> = [{ spec, end: b.length }];
  while (stack.length > 0) {
    const top = stack[stack.length - 1] as { spec: WireSpec; end: number };
    if (pos >= top.end) {
      pos = top.end;
      stack.pop();
      continue;
    }
    const tag = varint(b, pos, top.end);
    if (!tag) return count;
    pos = tag[1];
    const wireType = tag[0] % 8;
    if (wireType === 0) {
      const v = varint(b, pos, top.end);
      if (!v) return count;
      pos = v[1];
    } else if (wireType === 1) pos += 8;
    else if (wireType === 5) pos += 4;
    else if (wireType === 2) {
      const len = varint(b, pos, top.end);
      if (!len || len[1] + len[0] > top.end) return count;
      pos = len[1];
      const child = top.spec.children?.[Math.floor(tag[0] / 8)];
      if (child?.count && ++count > max) return count;
      if (child?.children) stack.push({ spec: child, end: pos + len[0] });
      else pos += len[0];
    } else return count; // groups (3, 4) and invalid types: the decoder will say what is wrong
  }
  return count;
}

// OTLP's KeyValue, wherever it occurs: attributes of resources, scopes, records and points, exemplars'
// filtered attributes, and key-value lists nested in values.
const ANY: WireSpec = { children: {} };
const KV: WireSpec = { count: true, children: { 2: ANY } };
(ANY.children as Record<number, WireSpec>)[5] = { children: { 1: ANY } }; // array_value.values
(ANY.children as Record<number, WireSpec>)[6] = { children: { 1: KV } }; // kvlist_value.values
const RESOURCE: WireSpec = { children: { 1: KV } };
const SCOPE: WireSpec = { children: { 3: KV } };
const OTLP_LOGS: WireSpec = {
  children: { 1: { children: { 1: RESOURCE, 2: { children: { 1: SCOPE, 2: { children: { 5: ANY, 6: KV } } } } } } },
};
const EXEMPLAR: WireSpec = { children: { 7: KV } };
const points = (attributes: number): WireSpec => ({ children: { 1: { children: { [attributes]: KV, 5: EXEMPLAR, 11: EXEMPLAR } } } });
const METRIC: WireSpec = { children: { 5: points(7), 7: points(7), 9: points(9), 10: points(1), 11: points(7) } };
const OTLP_METRICS: WireSpec = { children: { 1: { children: { 1: RESOURCE, 2: { children: { 1: SCOPE, 2: METRIC } } } } } };

export function tooManyAttributes(max: number): LightwatchError {
  return new LightwatchError('payload_too_large', `more than ${max} attributes in one request (INGEST_MAX_ATTRIBUTES); split the batch`, {
    reason: 'too_many_attributes',
    details: [{ at: 'body', message: `at most ${max} attributes (resource, scope, record and data point attributes, nested key-value lists included)` }],
  });
}

/** 413 `too_many_attributes` when an OTLP protobuf request carries more than `max` key-values. */
export function checkOtlpProtobufAttributes(body: Uint8Array, signal: 'logs' | 'metrics', max: number): void {
  if (countWire(body, signal === 'logs' ? OTLP_LOGS : OTLP_METRICS, max) > max) throw tooManyAttributes(max);
}

const ATTRIBUTE_KEYS = new Set(['attributes', 'filteredAttributes', 'filtered_attributes']);

/** The same bound on an OTLP/JSON request, counted on the parsed value before it is mapped. */
export function checkOtlpJsonAttributes(req: unknown, max: number): void {
  runSteps(checkOtlpJsonAttributesSteps(req, max));
}

/** checkOtlpJsonAttributes pausing every 1 024 values visited (the largest allowed request has ~300 000). */
export function* checkOtlpJsonAttributesSteps(req: unknown, max: number): Steps<void> {
  let count = 0;
  let visited = 0;
  const stack: unknown[] = [req];
  while (stack.length > 0) {
    if (++visited % 1024 === 0) yield;
    const v = stack.pop();
    if (Array.isArray(v)) {
      for (const x of v) if (typeof x === 'object' && x !== null) stack.push(x);
    } else if (isObject(v)) {
      for (const k in v) {
        const x = v[k];
        if (typeof x !== 'object' || x === null) continue;
        // A key-value list is `{ values: [KeyValue…] }` under kvlistValue: its values count as attributes.
        const kv = ATTRIBUTE_KEYS.has(k) ? x : (k === 'kvlistValue' || k === 'kvlist_value') && isObject(x) ? x.values : undefined;
        if (Array.isArray(kv) && (count += kv.length) > max) throw tooManyAttributes(max);
        stack.push(x);
      }
    }
  }
}

/** What checkRemoteWriteLabels throws for series `series` (remote-write-wire.ts counts them as it reads, too). */
export function tooManyLabels(series: number, max: number): LightwatchError {
  return new LightwatchError('bad_request', `series ${series} has more than ${max} labels (INGEST_MAX_SERIES_LABELS); Prometheus' own limit is a label_limit in the scrape config`, {
    reason: 'too_many_labels',
    details: [{ at: `timeseries[${series}].labels`, message: `at most ${max} labels per series` }],
  });
}

/**
 * 400 `too_many_labels` when a remote_write series carries more than `max` labels (Prometheus refuses such
 * a series and does not retry a 400). Read on the wire: a WriteRequest's field 1 is a TimeSeries, whose
 * field 1 is a Label.
 */
export function checkRemoteWriteLabels(body: Uint8Array, max: number): void {
  let pos = 0;
  let series = 0;
  while (pos < body.length) {
    const tag = varint(body, pos, body.length);
    if (!tag) return;
    pos = tag[1];
    const wireType = tag[0] % 8;
    if (wireType !== 2) {
      if (wireType === 0) {
        const v = varint(body, pos, body.length);
        if (!v) return;
        pos = v[1];
      } else if (wireType === 1) pos += 8;
      else if (wireType === 5) pos += 4;
      else return;
      continue;
    }
    const len = varint(body, pos, body.length);
    if (!len || len[1] + len[0] > body.length) return;
    const start = len[1];
    const end = start + len[0];
    pos = end;
    if (tag[0] !== (1 << 3) + 2) continue;
    if (countWire(body.subarray(start, end), { children: { 1: { count: true } } }, max) > max) throw tooManyLabels(series, max);
    series++;
  }
}
