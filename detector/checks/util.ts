// Small helpers the probes share: escapes in configured payloads, URL host swapping for the network guard,
// and running clean-up when an attempt is abandoned.
import { hostOf } from '../../lib/net/guard.js';

/** `\n`, `\r`, `\t` and `\\` in a configured payload, as people write them in JSON. */
export function unescapePayload(s: string): string {
  return s.replace(/\\([nrt\\])/g, (_m, c: string) => (c === 'n' ? '\n' : c === 'r' ? '\r' : c === 't' ? '\t' : '\\'));
}

/** `url` with its host replaced by `address` (an IP the guard checked); unchanged when they are equal. */
export function withHost(url: string, address: string): string {
  const u = new URL(url);
  const host = hostOf(u);
  if (host === address) return url;
  u.hostname = address.includes(':') ? `[${address}]` : address;
  return u.toString();
}

/** Runs `cleanup` once when `signal` aborts (or at once if it has); returns a function that cancels that. */
export function onAbort(signal: AbortSignal, cleanup: () => void): () => void {
  if (signal.aborted) {
    cleanup();
    return () => undefined;
  }
  signal.addEventListener('abort', cleanup, { once: true });
  return () => signal.removeEventListener('abort', cleanup);
}
