// Replay reads: one page of a stream after a position, read with the stream's facts in one atomic step (the
// streams port's page: MULTI with XINFO STREAM) so that "was anything after this position trimmed?" and "what
// comes after it" are answered together; a trim between the two could otherwise drop entries without anyone
// noticing. The verdict logic is pure and tested apart.
import type { StreamEntry, Streams } from '../lib/streams/port.js';
import { WHOLE, compareIds, parseStreamId } from './cursor.js';

export interface Position {
  ms: number;
  seq: number;
  /** Events of entry ms-seq already passed (1-based), or WHOLE. */
  idx: number;
}

export interface StreamPage {
  /** False when the stream key does not exist. */
  exists: boolean;
  length: number;
  /** Entries ever added (trimmed and deleted ones included). */
  entriesAdded: number;
  /** Id of the first entry still there; [0, 0] when empty. */
  firstId: [number, number];
  /** Highest id deleted by XDEL ([0, 0] when none); trimming does not move it. */
  maxDeleted: [number, number];
  lastGenerated: [number, number];
  entries: StreamEntry[];
}

export type PageVerdict = 'ok' | 'gap' | 'ahead';

/**
 * Whether a page read after `from` can be trusted, or entries after `from` were removed (`gap`). Trimming removes
 * a prefix of the stream, so once the first remaining entry is past `from`, the entry at `from` is gone and the
 * ones after it may be too; without their ordinals that cannot be told apart, so it counts as a gap (a needless
 * reset only when the trim stopped exactly at the client's position). XDEL is told by max-deleted-entry-id.
 */
export function pageVerdict(from: Position, page: StreamPage): PageVerdict {
  const atStart = from.ms === 0 && from.seq === 0;
  if (!page.exists) return atStart ? 'ok' : 'gap';
  if (compareIds(from.ms, from.seq, page.lastGenerated[0], page.lastGenerated[1]) > 0) return 'ahead';
  // Nothing was ever removed from this stream.
  if (page.entriesAdded === page.length && page.maxDeleted[0] === 0 && page.maxDeleted[1] === 0) return 'ok';
  if (atStart) return 'gap';
  const deleted = compareIds(page.maxDeleted[0], page.maxDeleted[1], from.ms, from.seq);
  // A partly passed entry must itself still be there; a whole one may be gone.
  if (deleted > 0 || (deleted === 0 && from.idx !== WHOLE)) return 'gap';
  if (page.length === 0) return compareIds(page.lastGenerated[0], page.lastGenerated[1], from.ms, from.seq) > 0 ? 'gap' : 'ok';
  const first = compareIds(page.firstId[0], page.firstId[1], from.ms, from.seq);
  return first > 0 ? 'gap' : 'ok';
}

/** XRANGE start for the entries at or after a position: inclusive when the entry was only partly passed. */
export function rangeStart(from: Position): string {
  return from.idx === WHOLE ? `(${from.ms}-${from.seq}` : `${from.ms}-${from.seq}`;
}

export async function readPage(streams: Streams, key: string, from: Position, count: number): Promise<StreamPage> {
  const page = await streams.page(key, rangeStart(from), count);
  return {
    exists: page.exists,
    length: page.length,
    entriesAdded: page.entriesAdded,
    firstId: parseStreamId(page.firstId),
    maxDeleted: parseStreamId(page.maxDeletedId),
    lastGenerated: parseStreamId(page.lastGeneratedId),
    entries: page.entries,
  };
}
