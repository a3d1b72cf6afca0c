// Request body decoding before any parser sees it: Content-Encoding (identity, gzip, deflate, snappy block)
// with the inflated size bounded, and UTF-8 validation that names the offending byte. Pure; no I/O.
import { gunzipSync, inflateSync } from 'node:zlib';
import { isUtf8 } from 'node:buffer';
import { badRequest, LightwatchError } from '../../lib/errors/errors.js';

/** Encodings decodeBody understands (after lower-casing; `x-gzip` is gzip). */
export const CONTENT_ENCODINGS = ['identity', 'gzip', 'x-gzip', 'deflate', 'snappy'] as const;

const tooLarge = (what: string, size: number | string, maxBytes: number): LightwatchError =>
  new LightwatchError('payload_too_large', `${what} is ${size} bytes, more than the ${maxBytes} allowed`, {
    reason: 'body_too_large',
    details: [{ at: 'body', message: `at most ${maxBytes} bytes after decompression` }],
  });

/**
 * Undoes the Content-Encoding of a request body. The result is never larger than `maxBytes`: gzip is
 * inflated with a hard output limit and snappy's declared length is checked before any allocation, so a
 * decompression bomb costs at most `maxBytes` of memory. Throws 413 `body_too_large`, 400 `bad_gzip` /
 * `bad_snappy`, 415 `unsupported_encoding`.
 */
export function decodeBody(body: Buffer, contentEncoding: string, maxBytes: number): Buffer {
  // A list such as "gzip, identity" names encodings in the order they were applied; undo them backwards.
  const encodings = contentEncoding.includes(',') ? contentEncoding.split(',').reverse() : [contentEncoding];
  let out = body;
  for (const raw of encodings) {
    const enc = raw.trim().toLowerCase();
    switch (enc) {
      case '':
      case 'identity':
        if (out.length > maxBytes) throw tooLarge('body', out.length, maxBytes);
        break;
      case 'gzip':
      case 'x-gzip':
        out = inflate(out, maxBytes, 'gzip');
        break;
      case 'deflate':
        out = inflate(out, maxBytes, 'deflate');
        break;
      case 'snappy':
        out = snappyUncompress(out, maxBytes);
        break;
      default:
        throw new LightwatchError('unsupported_media_type', `unsupported Content-Encoding "${truncate(enc, 40)}"; use one of ${CONTENT_ENCODINGS.join(', ')}`, {
          reason: 'unsupported_encoding',
          details: [{ at: 'Content-Encoding', message: `one of ${CONTENT_ENCODINGS.join(', ')}` }],
        });
    }
  }
  return out;
}

function inflate(body: Buffer, maxBytes: number, kind: 'gzip' | 'deflate'): Buffer {
  try {
    return kind === 'gzip' ? gunzipSync(body, { maxOutputLength: maxBytes }) : inflateSync(body, { maxOutputLength: maxBytes });
  } catch (err) {
    if ((err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE' || err instanceof RangeError) {
      throw tooLarge(`the ${kind}-decompressed body`, `over ${maxBytes}`, maxBytes);
    }
    const why = err instanceof Error ? err.message : 'corrupt data';
    throw badRequest(`body is not valid ${kind} data: ${why}`, [{ at: 'body', message: why }], kind === 'gzip' ? 'bad_gzip' : 'bad_deflate');
  }
}

const badSnappy = (message: string, offset: number): LightwatchError =>
  badRequest(`body is not valid snappy (block format): ${message} at byte ${offset}`, [{ at: `byte ${offset}`, message }], 'bad_snappy');

/** First bytes of the snappy *framed* (stream) format, which remote_write and Loki do not use. */
const FRAMED_MAGIC = Buffer.from([0xff, 0x06, 0x00, 0x00, 0x73, 0x4e, 0x61, 0x50, 0x70, 0x59]);

/**
 * Snappy block-format decompression (what Prometheus remote_write and Loki's protobuf push send).
 * Written here rather than taken from snappyjs because this one is strict: it rejects a stream whose
 * output length differs from its declared length, copies that reach outside the output, and truncated
 * tags (snappyjs silently zero-fills or drops such bytes), and it checks the declared length against
 * `maxBytes` before allocating.
 */
export function snappyUncompress(src: Uint8Array, maxBytes: number): Buffer {
  if (src.length >= FRAMED_MAGIC.length && FRAMED_MAGIC.equals(src.subarray(0, FRAMED_MAGIC.length))) {
    throw badSnappy('this is the snappy framed (stream) format; send the block format', 0);
  }
  let pos = 0;
  let len = 0;
  for (let shift = 0; ; shift += 7) {
    if (pos >= src.length) throw badSnappy('truncated length header', pos);
    if (shift > 28) throw badSnappy('length header longer than 5 bytes', pos);
    const b = src[pos++] as number;
    len += (b & 0x7f) * 2 ** shift;
    if (b < 0x80) break;
  }
  if (len > maxBytes) throw tooLarge('the snappy-decompressed body', len, maxBytes);
  const out = Buffer.allocUnsafe(len);
  let op = 0;
  const n = src.length;
  while (pos < n) {
    const tag = src[pos] as number;
    const at = pos++;
    const type = tag & 3;
    if (type === 0) {
      let lit = tag >>> 2;
      if (lit >= 60) {
        const extra = lit - 59;
        if (pos + extra > n) throw badSnappy('truncated literal length', at);
        lit = 0;
        for (let i = 0; i < extra; i++) lit += (src[pos + i] as number) * 2 ** (8 * i);
        pos += extra;
      }
      lit += 1;
      if (pos + lit > n) throw badSnappy('literal runs past the end of the input', at);
      if (op + lit > len) throw badSnappy('output longer than its declared length', at);
      if (lit > 32) out.set(src.subarray(pos, pos + lit), op);
      else for (let i = 0; i < lit; i++) out[op + i] = src[pos + i] as number;
      pos += lit;
      op += lit;
      continue;
    }
    let copyLen: number;
    let offset: number;
    if (type === 1) {
      if (pos + 1 > n) throw badSnappy('truncated copy', at);
      copyLen = ((tag >>> 2) & 7) + 4;
      offset = ((tag >>> 5) << 8) | (src[pos] as number);
      pos += 1;
    } else if (type === 2) {
      if (pos + 2 > n) throw badSnappy('truncated copy', at);
      copyLen = (tag >>> 2) + 1;
      offset = (src[pos] as number) | ((src[pos + 1] as number) << 8);
      pos += 2;
    } else {
      if (pos + 4 > n) throw badSnappy('truncated copy', at);
      copyLen = (tag >>> 2) + 1;
      offset = ((src[pos] as number) | ((src[pos + 1] as number) << 8) | ((src[pos + 2] as number) << 16)) + (src[pos + 3] as number) * 2 ** 24;
      pos += 4;
    }
    if (offset === 0 || offset > op) throw badSnappy(`copy offset ${offset} outside the ${op} bytes written so far`, at);
    if (op + copyLen > len) throw badSnappy('output longer than its declared length', at);
    // Byte by byte: the source may overlap the destination (a run), which is how snappy encodes repeats.
    for (let i = 0; i < copyLen; i++) out[op + i] = out[op - offset + i] as number;
    op += copyLen;
  }
  if (op !== len) throw badSnappy(`output is ${op} bytes but the header declares ${len}`, n);
  return out;
}

const fatalUtf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The body as a string, or 400 `invalid_utf8` naming the first bad byte. A leading BOM is dropped (some
 * Windows agents send one). Validation is SIMD (`isUtf8`); the slow offset search only runs on failure.
 */
export function decodeUtf8(buf: Uint8Array, what = 'body'): string {
  if (!isUtf8(buf)) throw invalidUtf8(buf, what);
  try {
    return fatalUtf8.decode(buf);
  } catch {
    throw invalidUtf8(buf, what);
  }
}

/** Throws 400 `invalid_utf8` (with the byte offset) unless `buf` is valid UTF-8. */
export function assertUtf8(buf: Uint8Array, what = 'body'): void {
  if (!isUtf8(buf)) throw invalidUtf8(buf, what);
}

function invalidUtf8(buf: Uint8Array, what: string): LightwatchError {
  const offset = firstInvalidUtf8(buf);
  return badRequest(`${what} is not valid UTF-8: invalid byte 0x${(buf[offset] ?? 0).toString(16).padStart(2, '0')} at byte offset ${offset}`, [{ at: `byte ${offset}`, message: 'invalid UTF-8 sequence' }], 'invalid_utf8');
}

/** Offset of the first byte that starts an invalid UTF-8 sequence (buf.length when valid). */
export function firstInvalidUtf8(buf: Uint8Array): number {
  const n = buf.length;
  let i = 0;
  while (i < n) {
    const b = buf[i] as number;
    if (b < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let min: number;
    let cp: number;
    if (b >= 0xc2 && b <= 0xdf) {
      need = 1;
      min = 0x80;
      cp = b & 0x1f;
    } else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      min = 0x800;
      cp = b & 0x0f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      min = 0x10000;
      cp = b & 0x07;
    } else {
      return i;
    }
    if (i + need >= n) return i;
    for (let k = 1; k <= need; k++) {
      const c = buf[i + k] as number;
      if ((c & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (c & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += need + 1;
  }
  return n;
}

function truncate(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max)}…`;
}
