// What the idempotent append costs (lib/streams/redis/scripts.ts APPEND_ONCE_LUA: GET of the append key, XADD,
// SET PX, in one script) against the plain pipelined XADD it replaced, on a redis-server of its own (AOF
// everysec). Rounds alternate plain and idempotent so both see the same machine load; besides events/s (which
// on a loaded 2-core machine mostly measures the neighbours) it reports CPU time per 1000 events of the Redis
// process and of this process, which waiting for the CPU does not inflate, and the memory one remembered
// append key holds.
//
//   node --import tsx bench/append-once.bench.ts
//   BENCH_ROUNDS=3 BENCH_REQUESTS=400 BENCH_EVENTS_PER_ENTRY=62 BENCH_IN_FLIGHT=8
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { startLocalRedis } from '../lib/redis/local-server.js';
import { createRedisStreams } from '../lib/streams/redis/adapter.js';
import { reportFigures } from './report.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 400);
const IN_FLIGHT = Number(process.env.BENCH_IN_FLIGHT ?? 8);
const PARTITIONS = 16;
const EVENT = JSON.stringify({ id: '01J0000000000000000000000', tenant: 'bench', kind: 'log', target: 'web-1', ts: 0, body: { level: 'info', message: 'x'.repeat(300) } });
const payload = (events: number): Buffer => Buffer.from(`[${Array.from({ length: events }, () => EVENT).join(',')}]`);

interface Sample {
  eventsPerSec: number;
  redisCpuPer1k: number;
  clientCpuPer1k: number;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

async function redisCpuMs(r: Redis): Promise<number> {
  const info = await r.info('cpu');
  const num = (k: string): number => Number(new RegExp(`^${k}:([0-9.]+)`, 'm').exec(info)?.[1] ?? NaN);
  return (num('used_cpu_sys') + num('used_cpu_user')) * 1000;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'lw-append-once-'));
  const server = await startLocalRedis({ dir, appendOnly: true });
  const admin = new Redis(server.url);
  const plainClient = new Redis(server.url, { enableAutoPipelining: false });
  const streams = await createRedisStreams({ topology: { kind: 'single', url: server.url }, name: 'bench-append-once' });
  const stream = (p: number): string => `bench:{p${p}}:events`;
  const results: string[] = [];
  const figures: Parameters<typeof reportFigures>[1] = [];
  try {
    for (const eventsPerEntry of [Number(process.env.BENCH_EVENTS_PER_ENTRY ?? 62), 1]) {
      const fields = ['e', payload(eventsPerEntry)] as const;
      const entries = Array.from({ length: PARTITIONS }, (_, p) => ({ stream: stream(p), fields: [...fields], maxLen: 100_000 }));
      const variants = {
        plain: async () => {
          const pl = plainClient.pipeline();
          for (const e of entries) pl.xadd(e.stream, 'MAXLEN', '~', String(e.maxLen), '*', ...e.fields);
          await pl.exec();
        },
        once: async () => {
          await streams.append(entries);
        },
      };
      const samples: Record<keyof typeof variants, Sample[]> = { plain: [], once: [] };
      for (let round = 0; round < ROUNDS; round++) {
        for (const name of Object.keys(variants) as Array<keyof typeof variants>) {
          const run = variants[name];
          for (let i = 0; i < 20; i++) await run(); // warm-up
          const cpu0 = await redisCpuMs(admin);
          const client0 = process.cpuUsage();
          const t0 = performance.now();
          let next = 0;
          await Promise.all(
            Array.from({ length: IN_FLIGHT }, async () => {
              while (next++ < REQUESTS) await run();
            }),
          );
          const wall = performance.now() - t0;
          const client = process.cpuUsage(client0);
          const redisCpu = (await redisCpuMs(admin)) - cpu0;
          const events = REQUESTS * PARTITIONS * eventsPerEntry;
          samples[name].push({ eventsPerSec: events / (wall / 1000), redisCpuPer1k: (redisCpu / events) * 1000, clientCpuPer1k: ((client.user + client.system) / 1000 / events) * 1000 });
        }
      }
      const m = (name: keyof typeof variants, k: keyof Sample): number => median(samples[name].map((s) => s[k]));
      const label = `${eventsPerEntry} event${eventsPerEntry === 1 ? '' : 's'} per entry`;
      for (const name of ['plain', 'once'] as const) {
        results.push(
          `  ${label.padEnd(22)} ${name === 'plain' ? 'plain XADD      ' : 'idempotent (Lua)'} ${Math.round(m(name, 'eventsPerSec')).toLocaleString('en-US').padStart(10)} events/s   Redis CPU ${m(name, 'redisCpuPer1k').toFixed(3)} ms/1000 events   client CPU ${m(name, 'clientCpuPer1k').toFixed(3)} ms/1000 events`,
        );
      }
      const ratio = (k: keyof Sample): number => m('once', k) / m('plain', k);
      results.push(`  ${label.padEnd(22)} idempotent/plain: events/s ×${ratio('eventsPerSec').toFixed(2)}, Redis CPU ×${ratio('redisCpuPer1k').toFixed(2)}, client CPU ×${ratio('clientCpuPer1k').toFixed(2)}`);
      figures.push(
        { name: `${label}: idempotent/plain events/s`, value: ratio('eventsPerSec'), unit: '×' },
        { name: `${label}: idempotent/plain Redis CPU per event`, value: ratio('redisCpuPer1k'), unit: '×' },
        { name: `${label}: idempotent Redis CPU`, value: m('once', 'redisCpuPer1k'), unit: 'ms/1000 events' },
      );
    }
    // Memory of the remembered append keys: used_memory with them, then without them.
    const keys = await admin.keys('*:appended:*');
    const before = Number(/^used_memory:(\d+)/m.exec(await admin.info('memory'))?.[1]);
    for (let i = 0; i < keys.length; i += 1000) await admin.del(...keys.slice(i, i + 1000));
    const after = Number(/^used_memory:(\d+)/m.exec(await admin.info('memory'))?.[1]);
    const perKey = (before - after) / Math.max(1, keys.length);
    results.push(`  append keys remembered: ${keys.length.toLocaleString('en-US')}, about ${Math.round(perKey)} bytes each (kept for the 5 min dedup window)`);
    figures.push({ name: 'memory per remembered append key', value: perKey, unit: 'bytes' });
  } finally {
    await streams.close();
    plainClient.disconnect();
    admin.disconnect();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  console.log(`idempotent append vs plain XADD: ${PARTITIONS} entries per request, ${IN_FLIGHT} requests in flight, ${REQUESTS} requests per round, medians of ${ROUNDS} alternating rounds`);
  for (const line of results) console.log(line);
  reportFigures('append-once', figures);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
