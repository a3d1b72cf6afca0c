// Runs the persister in a worker thread with its own Redis connection and its own store connection. With the
// embedded SQLite store every write is synchronous: on the main thread it would stall the HTTP edge and the
// WebSocket fan-out for the length of each batch; here it takes the second core instead.
import { parentPort, workerData } from 'node:worker_threads';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { openStore } from '../../lib/store/index.js';
import { streamNames } from '../../lib/streams/partition.js';
import { createRedisStreams } from '../../lib/streams/redis/adapter.js';
import type { RedisTopology } from '../../lib/streams/redis/connect.js';
import { createPersister, PERSISTER_SQLITE_CACHE_MB, type PersisterConfig } from './persister.js';

export interface PersisterWorkerData {
  redis: RedisTopology;
  /** REDIS_MIN_REPLICAS_ACK (the persister appends nothing, but its port is built the same way). */
  minReplicasAck?: number;
  storeUrl: string;
  streamPrefix: string;
  partitions: number;
  logLevel: string;
  service: string;
  config: PersisterConfig;
}

/** Messages from the parent. */
export type ToWorker = { type: 'metrics'; id: number } | { type: 'close' };
/** Messages to the parent. */
export type FromWorker = { type: 'started' } | { type: 'failed'; message: string } | { type: 'metrics'; id: number; text: string } | { type: 'closed' };

async function main(): Promise<void> {
  const data = workerData as PersisterWorkerData;
  const port = parentPort;
  if (!port) throw new Error('persister worker must run in a worker thread');
  const logger = pino({ level: data.logLevel, base: { service: data.service, pid: process.pid, part: 'persister' }, timestamp: pino.stdTimeFunctions.isoTime, formatters: { level: (label) => ({ level: label }) } });
  const registry = new Registry();
  registry.setDefaultLabels({ service: data.service });
  const streams = await createRedisStreams({ topology: data.redis, name: 'lightwatch:persister', minReplicasAck: data.minReplicasAck });
  // A worker thread may block on the write lock (nothing else runs here); the main thread waits only 15 ms.
  const store = await openStore(data.storeUrl, { sqlite: { cacheSizeMb: PERSISTER_SQLITE_CACHE_MB, busyTimeoutMs: 5000 } });
  const persister = createPersister({ streams, names: streamNames(data.streamPrefix, data.partitions), store, logger, registry, config: data.config });
  await persister.start();
  port.on('message', (msg: ToWorker) => {
    if (msg.type === 'metrics') {
      void registry.metrics().then((text) => port.postMessage({ type: 'metrics', id: msg.id, text } satisfies FromWorker));
    } else if (msg.type === 'close') {
      void (async () => {
        await persister.close();
        await store.close();
        await streams.close();
        logger.flush();
        port.postMessage({ type: 'closed' } satisfies FromWorker);
        port.close();
      })();
    }
  });
  port.postMessage({ type: 'started' } satisfies FromWorker);
}

main().catch((err: unknown) => {
  parentPort?.postMessage({ type: 'failed', message: err instanceof Error ? err.message : String(err) } satisfies FromWorker);
});
