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
 * Attaches the body reader now and buffers up to `maxBytes` (checking Content-Length first when given, so a
 * huge upload is refused without buffering it; the rest of an over-limit body is discarded as it arrives).
 * uWS calls the reader for every request, with an empty last chunk when there is no body. An aborted
 * request never completes: callers check `state.aborted`.
 */
export function startBody(res: HttpResponse, maxBytes: number, contentLength?: string): PendingBody {
  const body = new Promise<Buffer>((resolve, reject) => {
    const declared = contentLength === undefined ? NaN : Number(contentLength);
    let failed = Number.isFinite(declared) && declared > maxBytes;
    if (failed) reject(tooLarge(maxBytes, declared));
    const chunks: Buffer[] = [];
    let size = 0;
    res.onData((chunk, isLast) => {
      if (failed) return;
      size += chunk.byteLength;
      if (size > maxBytes) {
        failed = true;
        chunks.length = 0;
        reject(tooLarge(maxBytes));
        return;
      }
      // uWS reuses the chunk's memory after this callback: copy it.
      if (chunk.byteLength > 0) chunks.push(Buffer.from(new Uint8Array(chunk)));
      if (isLast) resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size));
    });
  });
  // A handler that answers before reading the body (401, 404) never awaits it: that is not an error.
  body.catch(() => undefined);
  return body;
}
