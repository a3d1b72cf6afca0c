// UTF-8 validation that names the offending byte, shared by ingest's parsers and the gateway's /api bodies so
// both refuse invalid UTF-8 the same way (400 `invalid_utf8`) instead of one storing U+FFFD. Pure.
import { isUtf8 } from 'node:buffer';
import { badRequest, type LightwatchError } from '../errors/errors.js';

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
