// OTLP building blocks shared by logs and metrics, read from the OTLP/JSON shape (the protobuf JSON mapping:
// camelCase, int64 as strings, enums as numbers or names; snake_case accepted too). Protobuf requests are
// decoded and turned into this same shape (`toJSON`), so one mapping serves both encodings. Pure.
import type { JsonValue } from '../../../lib/events/event.js';
import type { Steps } from '../../../lib/lifecycle/steps.js';
import { isObject, scalarString, setField } from '../values.js';
import type { JsonObject } from '../values.js';

/** Field of an OTLP JSON object under its camelCase or snake_case name. */
export function field(o: JsonObject, camel: string, snake: string): unknown {
  const v = o[camel];
  return v === undefined ? o[snake] : v;
}

export function arrayField(o: JsonObject, camel: string, snake: string): unknown[] {
  const v = field(o, camel, snake);
  return Array.isArray(v) ? v : [];
}

export function objectField(o: JsonObject, camel: string, snake: string): JsonObject | undefined {
  const v = field(o, camel, snake);
  return isObject(v) ? v : undefined;
}

const MAX_VALUE_DEPTH = 16;

/** An AnyValue as plain JSON: kvlist → object, array → array, bytes → base64 string, empty → null. */
export function anyValue(v: unknown, depth = 0): JsonValue {
  if (!isObject(v) || depth > MAX_VALUE_DEPTH) return null;
  for (const k in v) {
    const x = v[k];
    switch (k) {
      case 'stringValue':
      case 'string_value':
        return typeof x === 'string' ? x : (scalarString(x) ?? null);
      case 'boolValue':
      case 'bool_value':
        return x === true || x === 'true';
      case 'intValue':
      case 'int_value': {
        const n = typeof x === 'number' ? x : typeof x === 'string' ? Number(x) : NaN;
        // Beyond 2^53 a JS number would silently change the value: keep the digits.
        return Number.isSafeInteger(n) ? n : typeof x === 'string' ? x : null;
      }
      case 'doubleValue':
      case 'double_value': {
        const n = typeof x === 'number' ? x : typeof x === 'string' ? Number(x) : NaN;
        return Number.isFinite(n) ? n : typeof x === 'string' ? x : null;
      }
      case 'arrayValue':
      case 'array_value':
        return isObject(x) && Array.isArray(x.values) ? x.values.map((e) => anyValue(e, depth + 1)) : [];
      case 'kvlistValue':
      case 'kvlist_value':
        return isObject(x) ? keyValues(Array.isArray(x.values) ? x.values : [], depth + 1) : {};
      case 'bytesValue':
      case 'bytes_value':
        return typeof x === 'string' ? x : null;
    }
  }
  return null;
}

/** A KeyValue list as an object (later keys win, as OTLP says keys are unique anyway). */
export function keyValues(list: unknown[], depth = 0): Record<string, JsonValue> {
  const out: Record<string, JsonValue> = {};
  for (const kv of list) {
    if (isObject(kv) && typeof kv.key === 'string') setField(out, kv.key, anyValue(kv.value, depth));
  }
  return out;
}

/** Attributes between the pause points of `keyValuesSteps`. */
const ATTRIBUTES_PER_STEP = 1024;

/** `keyValues` of a top-level attribute list, pausing every 1 024 attributes (one record may carry 100 000). */
export function* keyValuesSteps(list: unknown[]): Steps<Record<string, JsonValue>> {
  const out: Record<string, JsonValue> = {};
  for (let i = 0; i < list.length; i++) {
    const kv = list[i];
    if (isObject(kv) && typeof kv.key === 'string') setField(out, kv.key, anyValue(kv.value, 0));
    if (i % ATTRIBUTES_PER_STEP === ATTRIBUTES_PER_STEP - 1) yield;
  }
  return out;
}

/** A JSON value as a label value: scalars as text, structures as compact JSON. */
export function labelValue(v: JsonValue): string | undefined {
  if (v === null) return undefined;
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

/** Resource attributes worth a label on every event (low cardinality, used to filter); the rest are fields. */
const RESOURCE_LABELS = [
  'service.namespace',
  'service.version',
  'deployment.environment',
  'deployment.environment.name',
  'host.name',
  'k8s.namespace.name',
  'k8s.deployment.name',
  'k8s.pod.name',
  'container.name',
  'cloud.region',
];

export interface ResourceInfo {
  target?: string;
  labels: Record<string, string>;
  /** All resource attributes but service.name, kept as fields. */
  attributes: Record<string, JsonValue>;
}

/** `service.name` (else `host.name`) is the target; a few attributes become labels. */
export function resourceInfo(resource: JsonObject | undefined, defaultTarget: string | undefined): ResourceInfo {
  const attributes = resource ? keyValues(arrayField(resource, 'attributes', 'attributes')) : {};
  const labels: Record<string, string> = {};
  for (const k of RESOURCE_LABELS) {
    const v = attributes[k];
    const s = v === undefined ? undefined : labelValue(v);
    if (s !== undefined && s !== '') labels[k] = s;
  }
  const service = attributes['service.name'];
  const host = attributes['host.name'];
  // `unknown_service:...` is what SDKs report when nobody set a service name.
  const serviceName = typeof service === 'string' && service !== '' && !service.startsWith('unknown_service') ? service : undefined;
  const target = serviceName ?? (typeof host === 'string' && host !== '' ? host : undefined) ?? (typeof service === 'string' && service !== '' ? service : undefined) ?? defaultTarget;
  delete attributes['service.name'];
  return target === undefined ? { labels, attributes } : { target, labels, attributes };
}

/** A fixed64 nanosecond time (string or number); undefined for 0 / absent ("unknown" in OTLP). */
export function nanoTime(v: unknown): string | number | undefined {
  if (typeof v === 'string') return v === '' || v === '0' ? undefined : v;
  if (typeof v === 'number') return v > 0 ? v : undefined;
  return undefined;
}

/** Trace/span ids are hex in OTLP/JSON and base64 after protobuf `toJSON`; both end up hex. */
export function idHex(v: unknown, base64: boolean): string | undefined {
  if (typeof v !== 'string' || v === '') return undefined;
  if (!base64) return v.toLowerCase();
  const hex = Buffer.from(v, 'base64').toString('hex');
  return /^0*$/.test(hex) ? undefined : hex;
}
