// Child process of the persister crash test: a persister on a SQLite file that SIGKILLs itself right after
// its Nth store write, before the XACK: the worst moment to die. Configured by environment variables.
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { createSqliteStore } from '../../../lib/store/sqlite/store.js';
import { streamNames } from '../../../lib/streams/partition.js';
import { createRedisStreams } from '../../../lib/streams/redis/adapter.js';
import { createPersister } from '../persister.js';

const env = (name: string): string => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is required`);
  return v;
};

const streams = await createRedisStreams({ topology: { kind: 'single', url: env('LW_REDIS_URL') }, name: 'lw-crash-persister' });
const store = await createSqliteStore({ path: env('LW_DB_PATH') });
const crashAfter = Number(env('LW_CRASH_AFTER_WRITES'));
let writes = 0;
const persister = createPersister({
  streams,
  names: streamNames(env('LW_PREFIX'), Number(env('LW_PARTITIONS'))),
  store,
  logger: pino({ level: 'silent' }),
  registry: new Registry(),
  config: { consumerName: env('LW_CONSUMER'), batchMaxEvents: Number(env('LW_BATCH')), blockMs: 100, claimIdleMs: 60_000, retryBaseMs: 10, retryMaxMs: 100, streamRetentionMs: 3_600_000 },
  hooks: {
    afterWrite: () => {
      writes++;
      if (writes >= crashAfter) {
        process.stdout.write(`crashing after write ${writes}\n`);
        process.kill(process.pid, 'SIGKILL');
      }
    },
  },
});
await persister.start();
