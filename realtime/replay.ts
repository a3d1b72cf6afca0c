// Replay reads: one page of a stream after a position, read in one MULTI with XINFO STREAM so that "was anything
// after this position trimmed?" and "what comes after it" are answered atomically; a trim between the two could
// otherwise drop entries without anyone noticing. The verdict logic is pure and tested apart.
import type { Redis } from 'ioredis';
import type { StreamEntry } from './reader.js';
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
  /** Highest id ever deleted (trimmed or XDEL'd); [0, 0] when none. */
  maxDeleted: [number, number];
  lastGenerated: [number, number];
  entries: StreamEntry[];
}

export type PageVerdict = 'ok' | 'gap' | 'ahead';

/** Whether a page read after `from` can be trusted: `gap` when entries after `from` were deleted. */
export function pageVerdict(from: Position, page: StreamPage): PageVerdict {
  const atStart = from.ms === 0 && from.seq === 0;
  if (!page.exists) return atStart ? 'ok' : 'gap';
  if (compareIds(from.ms, from.seq, page.lastGenerated[0], page.lastGenerated[1]) > 0) return 'ahead';
  const c = compareIds(page.maxDeleted[0], page.maxDeleted[1], from.ms, from.seq);
  // A partly passed entry must itself still be there; a whole one may be gone.
  if (c > 0 || (c === 0 && from.idx !== WHOLE && !atStart)) return 'gap';
  return 'ok';
}

/** XRANGE start for the entries at or after a position: inclusive when the entry was only partly passed. */
export function rangeStart(from: Position): string {
  return from.idx === WHOLE ? `(${from.ms}-${from.seq}` : `${from.ms}-${from.seq}`;
}

function infoField(flat: unknown[], name: string): unknown {
  for (let i = 0; i + 1 < flat.length; i += 2) if (flat[i] === name) return flat[i + 1];
  return undefined;
}

export async function readPage(redis: Redis, key: string, from: Position, count: number): Promise<StreamPage> {
  const replies = await redis.multi().xinfo('STREAM', key).xrange(key, rangeStart(from), '+', 'COUNT', count).exec();
  if (!replies || replies.length < 2) throw new Error(`replay read of ${key} was aborted`);
  const [infoReply, rangeReply] = replies as [[Error | null, unknown], [Error | null, unknown]];
  if (infoReply[0]) {
    if (/no such key/i.test(infoReply[0].message)) return { exists: false, maxDeleted: [0, 0], lastGenerated: [0, 0], entries: [] };
    throw infoReply[0];
  }
  if (rangeReply[0]) throw rangeReply[0];
  const info = infoReply[1] as unknown[];
  const maxDeleted = infoField(info, 'max-deleted-entry-id');
  const lastGenerated = infoField(info, 'last-generated-id');
  if (typeof maxDeleted !== 'string' || typeof lastGenerated !== 'string') {
    // Redis before 7.0 does not report deletions, so a resume could not tell a gap from no gap.
    throw new Error('XINFO STREAM lacks max-deleted-entry-id: realtime resume needs Redis 7.0 or later');
  }
  return {
    exists: true,
    maxDeleted: parseStreamId(maxDeleted),
    lastGenerated: parseStreamId(lastGenerated),
    entries: rangeReply[1] as StreamEntry[],
  };
}
