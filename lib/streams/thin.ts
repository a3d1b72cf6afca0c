// Thin entries (ReadGroupRequest.payloadTenants) of a tenant a reader took on between its read and handling it
// are read again whole by id, so the reader handles what a read of whole entries would have given it.
import { tenantOfEntry, thinKind } from './codec.js';
import type { StreamEntry, StreamRead, Streams } from './port.js';

/** The largest sequence number of a stream id: the id just below `ms-0` is `(ms-1)-MAX_SEQ`. */
const MAX_SEQ = '18446744073709551615';

/** The stream id just below `id` (`ms-seq`): a range read after it starts at `id`. */
export function idBefore(id: string): string {
  const dash = id.indexOf('-');
  const ms = id.slice(0, dash);
  const seq = id.slice(dash + 1);
  if (seq !== '0') return `${ms}-${BigInt(seq) - 1n}`;
  return `${BigInt(ms) - 1n}-${MAX_SEQ}`;
}

/** `entry` of `stream` read again, whole; the entry as it was when the stream no longer holds it (trimmed). */
export async function rereadWhole(streams: Streams, stream: string, entry: StreamEntry): Promise<StreamEntry> {
  const [got] = await streams.rangeAfter(stream, idBefore(entry[0]), 1);
  return got !== undefined && got[0] === entry[0] ? got : entry;
}

/** Which of a tenant's entries a reader wants whole: its events, its metric batches. */
export type Wants = (tenant: string, kind: 'batch' | 'events') => boolean;

/** Whether `entry` is thin and one `wants` whole. */
export function thinAndWanted(entry: StreamEntry, wants: Wants): boolean {
  const kind = thinKind(entry[1]);
  if (kind === undefined) return false;
  const tenant = tenantOfEntry(entry[1]);
  return tenant !== undefined && wants(tenant, kind);
}

/**
 * Starts re-reading whole, in place, the thin entries of `batch` that `wants` now (each once: one the
 * stream no longer holds stays thin); undefined, synchronously, when there is none. Loop until undefined:
 * `wants` may take on a tenant while re-reads are under way, and the batch is then as whole reads would have
 * given it with no await between the last check and the caller's handling.
 */
export function rereadWanted(streams: Streams, batch: StreamRead[], wants: Wants, tried = new Set<string>()): Promise<void> | undefined {
  const rereads: Array<Promise<void>> = [];
  for (const [stream, entries] of batch) {
    for (let i = 0; i < entries.length; i++) {
      const e = entries[i] as StreamEntry;
      const key = `${stream}\u0000${e[0]}`;
      if (tried.has(key) || !thinAndWanted(e, wants)) continue;
      tried.add(key);
      rereads.push(
        rereadWhole(streams, stream, e).then((whole) => {
          entries[i] = whole;
        }),
      );
    }
  }
  return rereads.length === 0 ? undefined : Promise.all(rereads).then(() => undefined);
}
