// The request body, read from the moment the handler starts. uWebSockets.js drops body chunks that arrive
// before a reader is attached, so a reader attached after an await (authentication, a slow key lookup) can
// wait forever: `startBody` must run synchronously in the handler, and the handler awaits the result later.
import type { HttpResponse } from 'uWebSockets.js';
import { LightwatchError } from '../errors/errors.js';

/** The whole body once it has arrived; rejects with 413 past the limit. Never an unhandled rejection. */
export type PendingBody = Promise<Buffer>;

function tooLarge(maxBytes: number, declared?: number): LightwatchError {
  const what = declared === undefined ? 'request body is' : `request body of ${declared} bytes is`;
  return new LightwatchError('payload_too_large', `${what} over the limit of ${maxBytes} bytes`, { details: [{ at: 'body', message: `limit ${maxBytes} bytes` }] });
}

/**
 * A declared Content-Length up to this is allocated at once; a larger body is kept as its chunks arrive, so that
 * connections that declare large bodies and send nothing hold no memory for them.
 */
export const PREALLOCATE_MAX_BYTES = 1 << 20;

/**
 * Attaches the body reader now and buffers up to `maxBytes` (checking Content-Length first when given, so a
 * huge upload is refused without buffering it; the rest of an over-limit body is discarded as it arrives).
 * uWS calls the reader for every request, with an empty last chunk when there is no body. An aborted
 * request never completes: callers check `state.aborted`.
 *
 * Each chunk is copied once (uWS reuses its memory after the callback): into one buffer of the declared
 * Content-Length when there is one of at most PREALLOCATE_MAX_BYTES, so a body of several chunks is not copied a
 * second time to join them.
 * A body that outgrows its declaration (which uWS's own framing should not let happen) is joined as chunks.
 */
export function startBody(res: HttpResponse, maxBytes: number, contentLength?: string): PendingBody {
  const body = new Promise<Buffer>((resolve, reject) => {
    const declared = contentLength === undefined ? NaN : Number(contentLength);
    let failed = Number.isFinite(declared) && declared > maxBytes;
    if (failed) reject(tooLarge(maxBytes, declared));
    let whole: Buffer | undefined = !failed && Number.isSafeInteger(declared) && declared > 0 && declared <= PREALLOCATE_MAX_BYTES ? Buffer.allocUnsafe(declared) : undefined;
    const chunks: Buffer[] = [];
    let size = 0;
    res.onData((chunk, isLast) => {
      if (failed) return;
      const n = chunk.byteLength;
      if (size + n > maxBytes) {
        failed = true;
        whole = undefined;
        chunks.length = 0;
        reject(tooLarge(maxBytes));
        return;
      }
      if (n > 0) {
        if (whole !== undefined && size + n > whole.length) {
          chunks.push(whole.subarray(0, size));
          whole = undefined;
        }
        if (whole !== undefined) whole.set(new Uint8Array(chunk), size);
        else chunks.push(Buffer.from(new Uint8Array(chunk)));
      }
      size += n;
      if (!isLast) return;
      if (whole !== undefined) resolve(size === whole.length ? whole : whole.subarray(0, size));
      else resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size));
    });
  });
  // A handler that answers before reading the body (401, 404) never awaits it: that is not an error.
  body.catch(() => undefined);
  return body;
}
