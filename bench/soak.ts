// Soak mode (`npm run bench -- --soak 10m`): steady ingest load against a real all-in-one process and its own
// Redis for the given duration, sampling every process's RSS and the pipeline's lag over time, so a leak or a
// growing backlog shows as a trend rather than a single figure.
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLocalRedis } from '../lib/redis/local-server.js';
import { startSystem } from '../test/support/system.js';

const RATE = Number(process.env.SOAK_RATE ?? 5_000);
const BATCH = 200;

export function parseDuration(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  if (!m) throw new Error(`--soak takes a duration like 30s, 10m or 1h, got ${JSON.stringify(text)}`);
  const n = Number(m[1]);
  return n * ({ ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] ?? 's'] ?? 1000);
}

/**
 * Resident memory of a process, MiB (Linux /proc). `field` RssAnon is the heap and other private memory, where
 * a leak shows; VmRSS also counts file-backed pages, which include SQLite's memory-mapped database (it grows
 * with the file up to mmap_size and the kernel can drop those pages at any time).
 */
function rssMiB(pid: number, field: 'VmRSS' | 'RssAnon' = 'VmRSS'): number {
  try {
    const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}

function gauge(metrics: string, name: string): number {
  const m = new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.eE+-]+)$`, 'm').exec(metrics);
  return m ? Number(m[1]) : NaN;
}

export async function runSoak(durationText: string): Promise<void> {
  const durationMs = parseDuration(durationText);
  const dir = mkdtempSync(join(tmpdir(), 'lw-soak-'));
  const redis = await startLocalRedis({ dir, appendOnly: true });
  const sys = await startSystem({ redisUrl: redis.url });
  const started = Date.now();
  let sent = 0;
  let failed = 0;
  let stopLoad = false;
  const load = (async () => {
    const interval = (BATCH / RATE) * 1000;
    let next = performance.now();
    let seq = 0;
    while (!stopLoad) {
      const body = JSON.stringify(Array.from({ length: BATCH }, () => ({ target: `soak-${seq % 50}`, level: seq % 20 === 0 ? 'error' : 'info', message: `soak event ${seq++} with a realistic amount of text in it for sizing` })));
      const res = await fetch(`${sys.url}/ingest/logs`, { method: 'POST', headers: { authorization: `Bearer ${sys.apiKey}`, 'content-type': 'application/json' }, body }).catch(() => undefined);
      if (res?.status === 202) sent += BATCH;
      else failed += 1;
      await res?.arrayBuffer();
      next += interval;
      const wait = next - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
  })();
  console.log(`soak: ${RATE} events/s for ${durationText}; sampling every 10 s`);
  console.log(['elapsed', 'sent', 'failed req', 'lightwatch RSS MiB', 'of it anon MiB', 'redis RSS MiB', 'mean persist lag s', 'backlog entries', 'realtime lag s'].join('\t'));
  try {
    while (Date.now() - started < durationMs) {
      await new Promise((r) => setTimeout(r, Math.min(10_000, durationMs - (Date.now() - started))));
      const metrics = await (await fetch(`${sys.url}/metrics`)).text();
      console.log(
        [
          `${Math.round((Date.now() - started) / 1000)}s`,
          sent,
          failed,
          rssMiB(sys.process.pid ?? 0).toFixed(0),
          rssMiB(sys.process.pid ?? 0, 'RssAnon').toFixed(0),
          rssMiB(redis.pid).toFixed(0),
          (gauge(metrics, 'lightwatch_persist_lag_seconds_sum') / Math.max(1, gauge(metrics, 'lightwatch_persist_lag_seconds_count'))).toFixed(3),
          gauge(metrics, 'lightwatch_persist_backlog_entries'),
          gauge(metrics, 'lightwatch_realtime_read_lag_seconds'),
        ].join('\t'),
      );
    }
  } finally {
    stopLoad = true;
    await load;
    await sys.stop();
    await redis.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
