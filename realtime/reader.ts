// The stream reader: one blocking XREADGROUP over every partition stream and the incidents stream, through this
// replica's own consumer group (NOACK: realtime keeps no pending list; clients catch up by cursor instead).
// Entries are handed over in stream order per stream; the loop stops on close() by disconnecting its connection.
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { realtimeGroup, type StreamNames } from '../lib/streams/partition.js';
import { ensureReplicaGroups, realtimeStreams } from './groups.js';

export type StreamEntry = [id: string, fields: string[]];

export interface StreamReaderOptions {
  redisUrl: string;
  names: StreamNames;
  replicaId: string;
  logger: Logger;
  /** Entries per stream per read. */
  count?: number;
  blockMs?: number;
  /** Called with each read that returned entries: (stream's vector index, its entries in order); awaited. */
  onRead(batch: Array<[number, StreamEntry[]]>): Promise<void>;
  /** Called when a read timed out with nothing new (the reader is caught up). */
  onIdle?(): void;
}

export interface StreamReader {
  start(): void;
  healthy(): boolean;
  close(): Promise<void>;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export function createStreamReader(o: StreamReaderOptions): StreamReader {
  const streams = realtimeStreams(o.names);
  const index = new Map(streams.map((key, p) => [key, p]));
  const group = realtimeGroup(o.replicaId);
  const consumer = o.replicaId;
  const count = o.count ?? 64;
  const blockMs = o.blockMs ?? 2000;
  const args: Array<string | number> = ['GROUP', group, consumer, 'COUNT', count, 'BLOCK', blockMs, 'NOACK', 'STREAMS', ...streams, ...streams.map(() => '>')];
  const conn = new Redis(o.redisUrl, { lazyConnect: true, maxRetriesPerRequest: null, connectionName: `lw-realtime-reader-${o.replicaId}` });
  conn.on('error', () => undefined); // failures surface through the read loop's rejected commands
  // The typed command normalizes RESP3 map replies to [key, entries] pairs; its overloads do not take a spread.
  const xreadgroup = conn.xreadgroup.bind(conn) as unknown as (...a: Array<string | number>) => Promise<Array<[string, StreamEntry[]]> | null>;
  let stopped = false;
  let isHealthy = false;
  let loop: Promise<void> | undefined;
  let closing: Promise<void> | undefined;

  async function run(): Promise<void> {
    let backoff = 50;
    while (!stopped) {
      try {
        const reply = await xreadgroup(...args);
        isHealthy = true;
        backoff = 50;
        if (stopped) break;
        if (reply && reply.length > 0) {
          const batch: Array<[number, StreamEntry[]]> = [];
          for (const [key, entries] of reply) {
            const p = index.get(key);
            if (p !== undefined && entries.length > 0) batch.push([p, entries]);
          }
          await o.onRead(batch);
        } else {
          o.onIdle?.();
        }
      } catch (err) {
        if (stopped) break;
        isHealthy = false;
        const message = err instanceof Error ? err.message : String(err);
        if (message.startsWith('NOGROUP')) {
          // Someone removed a group or a stream under us: recreate (at `$`) and go on.
          o.logger.warn({ err: message }, 'realtime consumer group missing; recreating');
          try {
            await ensureReplicaGroups(conn, o.names, o.replicaId);
            continue;
          } catch {
            // fall through to the backoff
          }
        } else {
          o.logger.warn({ err: message, retryInMs: backoff }, 'realtime stream read failed');
        }
        await sleep(backoff);
        backoff = Math.min(backoff * 2, 2000);
      }
    }
  }

  return {
    start() {
      if (loop || stopped) return;
      // The caller has just talked to Redis (groups, positions); the loop clears this on a failed read.
      isHealthy = true;
      loop = run();
    },
    healthy: () => isHealthy && !stopped,
    close() {
      closing ??= (async () => {
        stopped = true;
        // Disconnecting interrupts the blocking read at once instead of waiting out BLOCK.
        conn.disconnect();
        await loop;
      })();
      return closing;
    },
  };
}
