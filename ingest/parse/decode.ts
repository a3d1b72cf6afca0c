// Request body decoding before any parser sees it: Content-Encoding (identity, gzip, deflate, snappy block)
// with the inflated size bounded, and UTF-8 validation that names the offending byte. Pure; no I/O.
import { gunzipSync, inflateSync } from 'node:zlib';
import { badRequest, LightwatchError } from '../../lib/errors/errors.js';

export { assertUtf8, decodeUtf8, firstInvalidUtf8 } from '../../lib/text/utf8.js';

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

/** The declared decompressed length of a snappy block and the bytes its varint header takes; throws bad_snappy. */
function snappyHeader(src: Uint8Array): { length: number; headerBytes: number } {
  let pos = 0;
  let length = 0;
  for (let shift = 0; ; shift += 7) {
    if (pos >= src.length) throw badSnappy('truncated length header', pos);
    if (shift > 28) throw badSnappy('length header longer than 5 bytes', pos);
    const b = src[pos++] as number;
    length += (b & 0x7f) * 2 ** shift;
    if (b < 0x80) return { length, headerBytes: pos };
  }
}

/**
 * The length a snappy block declares it decompresses to, or undefined when its header is malformed. Exact:
 * snappyUncompress refuses a block whose output differs from it, so it can size work before decoding.
 */
export function snappyDeclaredLength(src: Uint8Array): number | undefined {
  try {
    return snappyHeader(src).length;
  } catch {
    return undefined;
  }
}

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
  const { length: len, headerBytes } = snappyHeader(src);
  if (len > maxBytes) throw tooLarge('the snappy-decompressed body', len, maxBytes);
  const out = Buffer.allocUnsafe(len);
  const op = snappyBlocks(src, headerBytes, out);
  if (op !== len) throw badSnappy(`output is ${op} bytes but the header declares ${len}`, src.length);
  return out;
}

/**
 * Decodes the elements of a snappy block from src[pos] into `out` (its declared length); returns the bytes
 * written. Apart from its caller: V8 optimizes this loop while the first body is still being decoded (on-stack
 * replacement), before any code after the loop has run, and code after the loop without type feedback then
 * deoptimized the decoder at the end of every body (~1000 deopts per 1000 remote_write requests).
 */
function snappyBlocks(src: Uint8Array, pos: number, out: Buffer): number {
  const len = out.length;
  const view = new DataView(out.buffer, out.byteOffset, len);
  const srcView = new DataView(src.buffer, src.byteOffset, src.length);
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
        lit = src[pos] as number;
        if (extra > 1) lit |= (src[pos + 1] as number) << 8;
        if (extra > 2) lit |= (src[pos + 2] as number) << 16;
        if (extra > 3) lit += (src[pos + 3] as number) * 0x1000000;
        pos += extra;
      }
      lit += 1;
      if (pos + lit > n) throw badSnappy('literal runs past the end of the input', at);
      if (op + lit > len) throw badSnappy('output longer than its declared length', at);
      if (lit > 16) {
        out.set(src.subarray(pos, pos + lit), op);
        pos += lit;
        op += lit;
      } else {
        // Four bytes at a time, then the rest (both bounds were checked above).
        const stop = op + lit;
        for (; op + 4 <= stop; op += 4, pos += 4) view.setInt32(op, srcView.getInt32(pos, true), true);
        while (op < stop) out[op++] = src[pos++] as number;
      }
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
    // Forward, so a source that overlaps the destination (a run, how snappy encodes repeats) reads bytes this
    // copy wrote. Four bytes at a time when the source is at least four bytes behind (every four read were
    // written before), then byte by byte: the copies are short (~20 bytes in remote_write), and running
    // positions with these loops beat copyWithin, even for the longer copies.
    let from = op - offset;
    const stop = op + copyLen;
    if (offset >= 4) for (; op + 4 <= stop; op += 4, from += 4) view.setInt32(op, view.getInt32(from, true), true);
    while (op < stop) out[op++] = out[from++] as number;
  }
  return op;
}


function truncate(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max)}…`;
}
