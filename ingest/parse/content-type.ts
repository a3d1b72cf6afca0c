// Content-Type handling: which media types each ingest endpoint accepts, read liberally the way real clients
// send them (charset parameters, vendor types, missing headers, curl's form default). Pure.
import { LightwatchError } from '../../lib/errors/errors.js';

export interface MediaType {
  /** Lower-case `type/subtype`, '' when the header is absent. */
  type: string;
  params: Record<string, string>;
}

export function parseContentType(header: string): MediaType {
  const parts = header.split(';');
  const type = (parts[0] ?? '').trim().toLowerCase();
  const params: Record<string, string> = {};
  for (let i = 1; i < parts.length; i++) {
    const p = parts[i] as string;
    const eq = p.indexOf('=');
    if (eq === -1) continue;
    const key = p.slice(0, eq).trim().toLowerCase();
    if (key === '__proto__') continue;
    params[key] = p.slice(eq + 1).trim().replace(/^"(.*)"$/, '$1');
  }
  return { type, params };
}

/** What a body is, as far as parsing goes. `sniff` = no usable header: decide from the first bytes. */
export type BodyKind = 'json' | 'ndjson' | 'text' | 'protobuf' | 'sniff';

const JSON_TYPES = new Set(['application/json', 'text/json', 'application/vnd.elasticsearch+json']);
const NDJSON_TYPES = new Set(['application/x-ndjson', 'application/ndjson', 'application/jsonl', 'application/jsonlines', 'application/x-jsonlines', 'application/vnd.elasticsearch+x-ndjson']);
const PROTOBUF_TYPES = new Set(['application/x-protobuf', 'application/protobuf', 'application/vnd.google.protobuf']);
/** Sent by clients that did not choose (curl -d, some HTTP libraries): treated like no header. */
const UNCHOSEN_TYPES = new Set(['', 'application/x-www-form-urlencoded', 'application/octet-stream']);

export function bodyKindOf(mt: MediaType): BodyKind | undefined {
  if (UNCHOSEN_TYPES.has(mt.type)) return 'sniff';
  if (JSON_TYPES.has(mt.type)) return 'json';
  if (NDJSON_TYPES.has(mt.type)) return 'ndjson';
  if (PROTOBUF_TYPES.has(mt.type)) return 'protobuf';
  if (mt.type === 'text/plain') return 'text';
  return undefined;
}

/**
 * 415 unless the charset (if any) is UTF-8 or its ASCII subset: every text parser reads UTF-8.
 */
export function assertUtf8Charset(mt: MediaType): void {
  const cs = mt.params.charset?.toLowerCase();
  if (cs === undefined || cs === 'utf-8' || cs === 'utf8' || cs === 'us-ascii' || cs === 'ascii') return;
  throw new LightwatchError('unsupported_media_type', `charset "${cs.slice(0, 40)}" is not supported; send UTF-8`, {
    reason: 'unsupported_charset',
    details: [{ at: 'Content-Type', message: 'charset=utf-8' }],
  });
}

export function unsupportedMediaType(endpoint: string, got: string, accepted: readonly string[]): LightwatchError {
  const what = got === '' ? 'a missing Content-Type' : `Content-Type "${got.slice(0, 80)}"`;
  return new LightwatchError('unsupported_media_type', `${endpoint} does not accept ${what}; send one of ${accepted.join(', ')}`, {
    reason: 'unsupported_media_type',
    details: [{ at: 'Content-Type', message: `one of ${accepted.join(', ')}` }],
  });
}
