// A real Prometheus (Debian's `prometheus` 2.42) serving given samples: they are written as OpenMetrics, turned
// into TSDB blocks with `promtool tsdb create-blocks-from openmetrics`, and Prometheus is started on a free
// loopback port over that storage. For comparison tests and benchmarks.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '../../lib/redis/local-server.js';
import type { MemorySeries } from '../../lib/promql/memory-querier.js';
import { openMetricsParts } from '../../lib/promql/testing/generate.js';

const run = promisify(execFile);

export interface RunningPrometheus {
  readonly url: string;
  readonly pid: number;
  /** The TSDB directory (blocks made by promtool). */
  readonly dataDir: string;
  /** Output so far (for failure messages). */
  output(): string;
  stop(): Promise<void>;
}

/** Whether the `prometheus` and `promtool` commands are installed (scripts/system-packages/test.txt). */
export async function prometheusAvailable(): Promise<boolean> {
  try {
    await run('promtool', ['--version']);
    await run('prometheus', ['--version']);
    return true;
  } catch {
    return false;
  }
}

export interface PrometheusOptions {
  startTimeoutMs?: number;
  extraArgs?: string[];
  /** prometheus.yml instead of the default (evaluation and scrape every minute, nothing else). */
  config?: string;
  /** More files beside prometheus.yml (rule files), by name. */
  files?: Record<string, string>;
}

export async function startPrometheus(series: readonly MemorySeries[], opts: PrometheusOptions = {}): Promise<RunningPrometheus & { dir: string; reload(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'lw-prom-'));
  const dataDir = join(dir, 'data');
  const omFile = join(dir, 'data.om');
  // No series: an empty storage (a remote-write receiver, say). In pieces: a day of a thousand series is more
  // text than one string may hold.
  if (series.length > 0) {
    const fd = openSync(omFile, 'w');
    try {
      for (const part of openMetricsParts(series)) writeSync(fd, part);
    } finally {
      closeSync(fd);
    }
    await run('promtool', ['tsdb', 'create-blocks-from', 'openmetrics', omFile, dataDir], { maxBuffer: 64 * 1024 * 1024 });
    rmSync(omFile);
  }
  const config = join(dir, 'prometheus.yml');
  writeFileSync(config, opts.config ?? 'global:\n  evaluation_interval: 1m\n  scrape_interval: 1m\n');
  for (const [name, text] of Object.entries(opts.files ?? {})) writeFileSync(join(dir, name), text);
  const port = await freePort();
  const child: ChildProcess = spawn(
    'prometheus',
    [`--config.file=${config}`, `--storage.tsdb.path=${dataDir}`, `--web.listen-address=127.0.0.1:${port}`, '--storage.tsdb.retention.time=100y', '--log.level=warn', ...(opts.extraArgs ?? [])],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + (opts.startTimeoutMs ?? 30_000);
  for (;;) {
    if (child.exitCode !== null) {
      await stop();
      throw new Error(`prometheus exited with ${child.exitCode}: ${out}`);
    }
    try {
      const res = await fetch(`${url}/-/ready`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`prometheus not ready within the timeout: ${out}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  /** Re-reads the configuration and rule files (SIGHUP), as `kill -HUP` does. */
  const reload = async (): Promise<void> => {
    child.kill('SIGHUP');
  };
  return { url, pid: child.pid as number, dataDir, output: () => out, stop, dir, reload };
}
