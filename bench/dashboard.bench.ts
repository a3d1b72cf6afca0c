// Dashboard speed in headless Chromium (issue 12) against the real all-in-one with 10,000 targets in mixed
// states and 90 days of incidents (seeded into its SQLite store between a first and a second start):
//   - the board shows every target's state within 1 s of navigation (navigation start → the counts and the
//     first rows of the table are on screen);
//   - filtering and scrolling keep every long task (PerformanceObserver 'longtask') under 50 ms;
//   - 1,000 state changes per second (incident events on the incidents stream, which realtime serves on /ws)
//     on the board and 5,000 log lines per second (POST /ingest/logs) on the live tail, both at once: no long
//     task over 50 ms, and flat page memory (JS heap after a forced GC, sampled over the run);
//   - the board's first-load JavaScript, gzipped (goal ≤ 150 KB).
// Figures and ratios to the goals are printed (bench/report.ts). The issue asks for 5 minutes of load:
//
//   nice -n 10 node --import tsx bench/dashboard.bench.ts                    (BENCH_SECONDS=60 by default)
//   BENCH_SECONDS=300 BENCH_TARGETS=10000 nice -n 10 node --import tsx bench/dashboard.bench.ts
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { Redis } from 'ioredis';
import type { Page } from 'playwright-core';
import type { CanonicalEvent } from '../lib/events/event.js';
import { createIdGenerator } from '../lib/events/ids.js';
import { sleep } from '../lib/lifecycle/sleep.js';
import { startLocalRedis } from '../lib/redis/local-server.js';
import { openStore } from '../lib/store/index.js';
import type { Incident, Target } from '../lib/store/types.js';
import { encodeBatch, FIELD_EVENTS } from '../lib/streams/codec.js';
import { streamNames } from '../lib/streams/partition.js';
import { chromiumMissing, launchBrowser } from '../test/support/browser.js';
import { startSystem } from '../test/support/system.js';
import { reportFigures, type Figure } from './report.js';

const TARGETS = Number(process.env.BENCH_TARGETS ?? 10_000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 60);
const CHANGES_PER_S = Number(process.env.BENCH_CHANGES ?? 1_000);
const LOGS_PER_S = Number(process.env.BENCH_LOGS ?? 5_000);
const TICK_MS = 100;
const DAY = 86_400_000;
const ROOT = fileURLToPath(new URL('..', import.meta.url));

const ids = createIdGenerator();

/** Every tenth target in each state the board knows; the rest up, with resolved incidents over 90 days. */
async function seed(dataDir: string, now: number): Promise<string[]> {
  const store = await openStore(join(dataDir, 'lightwatch.db'));
  const names: string[] = [];
  const incidents: Incident[] = [];
  const incident = (targetId: string, openedAt: number, resolvedAt?: number): Incident => ({
    id: ids.next(openedAt),
    tenant: 'default',
    targetId,
    ruleId: 'builtin:heartbeat',
    status: resolvedAt === undefined ? 'open' : 'resolved',
    severity: 'critical',
    title: 'no ping',
    openedAt,
    ...(resolvedAt === undefined ? {} : { resolvedAt }),
    reopenCount: 0,
    epoch: 1,
    timeline: [{ at: openedAt, type: 'opened', message: 'no ping' }],
    updatedAt: resolvedAt ?? openedAt,
  });
  const pings: CanonicalEvent[] = [];
  for (let i = 0; i < TARGETS; i++) {
    const name = `svc-${String(i).padStart(5, '0')}`;
    names.push(name);
    const kind = i % 10;
    const t: Target = {
      id: ids.next(now - 91 * DAY),
      tenant: 'default',
      name,
      kind: kind === 3 || kind === 5 ? 'heartbeat' : 'log',
      labels: { team: `team-${i % 20}`, env: kind === 2 ? 'dev' : 'prod', ...(kind === 4 ? { zone: 'm' } : {}) },
      channels: [],
      paused: kind === 0,
      createdAt: now - 91 * DAY,
      updatedAt: now - 91 * DAY,
      ...(kind === 3 ? { heartbeat: { intervalSec: 86_400 * 30, graceSec: 60 } } : {}),
      ...(kind === 5 ? { heartbeat: { intervalSec: 3_600, graceSec: 86_400 } } : {}),
    };
    if (kind === 3) t.createdAt = t.updatedAt = now - 1000;
    await store.targets.create(t);
    if (kind === 5) pings.push({ id: ids.next(now - 2 * 3_600_000), tenant: 'default', kind: 'heartbeat', target: name, ts: now - 2 * 3_600_000, receivedAt: now - 2 * 3_600_000, labels: {}, body: { status: 'ok' } });
    for (let k = 0; k < 3; k++) {
      const opened = now - 90 * DAY + Math.floor(((i * 7919 + k * 104_729) % 8_900) / 100) * DAY + (i % 24) * 3_600_000;
      incidents.push(incident(t.id, opened, opened + 10 * 60_000 + (i % 50) * 60_000));
    }
    if (kind === 1 || kind === 2) incidents.push(incident(t.id, now - (1 + (i % 48)) * 3_600_000));
  }
  for (const inc of incidents) await store.upsertIncident(inc);
  await store.appendEvents(pings.map((p) => ({ ...p })));
  await store.silences.create({ id: ids.next(now), tenant: 'default', matchers: [{ name: 'env', value: 'dev', op: '=' }], startsAt: now - DAY, endsAt: now + 30 * DAY, comment: 'bench', creator: 'bench', createdAt: now });
  await store.maintenance.create({ id: ids.next(now), tenant: 'default', name: 'zone m', targetIds: [], selector: { zone: 'm' }, startsAt: now - DAY, endsAt: now + 30 * DAY, comment: 'bench', createdAt: now });
  await store.close();
  process.stderr.write(`seeded ${TARGETS} targets, ${incidents.length} incidents\n`);
  return names;
}

/** Records long tasks from before the app's first script runs. */
const LONGTASK_INIT = `
  window.__longtasks = [];
  new PerformanceObserver((list) => { for (const e of list.getEntries()) window.__longtasks.push({ start: e.startTime, ms: e.duration }); })
    .observe({ type: 'longtask', buffered: true });
`;

type Longtask = { start: number; ms: number };
const longtasks = (page: Page, since = 0): Promise<Longtask[]> => page.evaluate(`window.__longtasks.filter((t) => t.start >= ${since})`);
const perfNow = (page: Page): Promise<number> => page.evaluate(() => performance.now());
const maxMs = (xs: Longtask[]): number => xs.reduce((m, t) => Math.max(m, t.ms), 0);

async function heapMb(page: Page): Promise<number> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('HeapProfiler.collectGarbage');
  const { usedSize } = (await cdp.send('Runtime.getHeapUsage')) as { usedSize: number };
  await cdp.detach();
  return usedSize / 1_048_576;
}

function firstLoadJsGzipKb(): number {
  const dist = join(ROOT, 'web/dist');
  const html = readFileSync(join(dist, 'index.html'), 'utf8');
  const scripts = [...html.matchAll(/(?:src|href)="\/(assets\/[^"]+\.js)"/g)].map((m) => m[1] as string);
  const files = scripts.length > 0 ? scripts : readdirSync(join(dist, 'assets')).filter((f) => f.endsWith('.js')).map((f) => `assets/${f}`);
  return files.reduce((n, f) => n + gzipSync(readFileSync(join(dist, f)), { level: 9 }).length, 0) / 1024;
}

interface CpuProfile {
  nodes: Array<{ id: number; callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number } }>;
  samples: number[];
  timeDeltas: number[];
}

function printProfile(p: CpuProfile): void {
  const self = new Map<number, number>();
  p.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (p.timeDeltas[i] ?? 0)));
  const byFn = new Map<string, number>();
  for (const n of p.nodes) {
    const f = n.callFrame;
    const key = `${f.functionName || '(anonymous)'} ${f.url.split('/').pop() ?? ''}:${f.lineNumber + 1}:${f.columnNumber + 1}`;
    byFn.set(key, (byFn.get(key) ?? 0) + (self.get(n.id) ?? 0));
  }
  const top = [...byFn.entries()].sort((a, b) => b[1] - a[1]).slice(0, 25);
  for (const [k, us] of top) process.stderr.write(`  ${(us / 1000).toFixed(0).padStart(7)} ms  ${k}\n`);
}

async function main(): Promise<void> {
  const missing = chromiumMissing();
  if (missing) throw new Error(missing);
  const dir = mkdtempSync(join(tmpdir(), 'lw-dash-bench-'));
  const redis = await startLocalRedis({ dir: join(dir, 'redis') });
  const dataDir = join(dir, 'data');
  const apiKey = `lw_bench_${Date.now().toString(36)}`;
  const figures: Figure[] = [];
  const goal = (name: string, value: number, unit: string, limit: number, text: string): void => {
    figures.push({ name, value: Math.round(value * 100) / 100, unit, goal: text, met: value <= limit });
    process.stderr.write(`${name}: ${value.toFixed(1)} ${unit} (goal ${text}; ${(value / limit).toFixed(2)}× the limit)\n`);
  };
  const info = (name: string, value: number, unit: string): void => {
    figures.push({ name, value: Math.round(value * 100) / 100, unit });
    process.stderr.write(`${name}: ${value.toFixed(1)} ${unit}\n`);
  };

  // First start creates tenant default and the bootstrap key; the seed goes in while the system is down.
  const first = await startSystem({ dataDir, keepData: true, apiKey, redisUrl: redis.url, startTimeoutMs: 60_000 });
  await first.stop();
  const t0 = Date.now();
  const names = await seed(dataDir, Date.now());
  info('seed time', (Date.now() - t0) / 1000, 's');
  const sys = await startSystem({ dataDir, keepData: true, apiKey, redisUrl: redis.url, startTimeoutMs: 120_000 });
  const browser = await launchBrowser();
  const pub = new Redis(redis.url);
  let stopLoad = false;
  try {
    info('board first-load JS (gzip)', firstLoadJsGzipKb(), 'KB');
    figures.at(-1)!.goal = '≤ 150 KB';
    figures.at(-1)!.met = figures.at(-1)!.value <= 150;

    const context = await browser.newContext({ viewport: { width: 1360, height: 900 } });
    await context.addInitScript(`localStorage.setItem('lightwatch.session', ${JSON.stringify(JSON.stringify({ token: apiKey, kind: 'key', label: 'bench' }))});`);
    await context.addInitScript(LONGTASK_INIT);
    const board = await context.newPage();
    board.setDefaultTimeout(60_000);
    let boardLoads = 0;
    const boardApiMs: number[] = [];
    board.on('request', (r) => {
      if (r.url().includes('/api/board')) boardLoads++;
    });
    board.on('requestfinished', (r) => {
      if (!r.url().includes('/api/board')) return;
      const t = r.timing();
      boardApiMs.push(t.responseEnd - t.requestStart);
    });

    // Warm the server's caches once (the figure is the second, as a person reopening the board sees it).
    await board.goto(`${sys.url}/`);
    await board.getByText(`of ${TARGETS} targets`).waitFor();
    const loads: number[] = [];
    for (let i = 0; i < 3; i++) {
      await board.goto(`${sys.url}/`);
      await board.getByRole('link', { name: /^svc-/ }).first().waitFor();
      await board.getByText(`of ${TARGETS} targets`).waitFor();
      // From navigation start to now, in the page's own clock.
      loads.push(await board.evaluate(() => performance.now()));
    }
    loads.sort((a, b) => a - b);
    goal('board: every state shown after navigation (median of 3)', loads[1] as number, 'ms', 1000, '≤ 1000 ms');
    info('of which GET /api/board (request to last byte, median)', [...boardApiMs].sort((a, b) => a - b)[Math.floor(boardApiMs.length / 2)] ?? 0, 'ms');
    const counts = await board.getByRole('group', { name: 'Counts per state' }).innerText();
    process.stderr.write(`counts: ${counts.replace(/\s+/g, ' ')}\n`);
    info('board load long task max', maxMs(await longtasks(board)), 'ms');

    // Filtering and scrolling.
    let since = await perfNow(board);
    const filter = board.getByLabel('Filter');
    const step = async (what: string, act: () => Promise<unknown>): Promise<void> => {
      const from = await perfNow(board);
      await act();
      await board.waitForTimeout(150);
      process.stderr.write(`  ${what}: longest task ${maxMs(await longtasks(board, from))} ms\n`);
    };
    for (const text of ['s', 'sv', 'svc-0', 'svc-01', 'team=team-3', 'env=dev', '']) await step(`filter "${text}"`, () => filter.fill(text));
    await step('sort by name', () => board.getByRole('combobox', { name: 'Sort' }).selectOption('name'));
    await step('group by team', () => board.getByRole('combobox', { name: 'Group by' }).selectOption('team'));
    await step('no grouping', () => board.getByRole('combobox', { name: 'Group by' }).selectOption(''));
    await step('sort by state', () => board.getByRole('combobox', { name: 'Sort' }).selectOption('state'));
    const box = await board.locator('.board-scroll').boundingBox();
    if (box) await board.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    for (let i = 0; i < 60; i++) {
      await board.mouse.wheel(0, i < 40 ? 2_000 : -3_000);
      await board.waitForTimeout(16);
    }
    await board.waitForTimeout(300);
    goal('board: filter, sort, group and scroll — longest task', maxMs(await longtasks(board, since)), 'ms', 50, '< 50 ms');

    // Sustained live load on the board (state changes) and the live tail (logs), at once.
    const tail = await context.newPage();
    tail.setDefaultTimeout(60_000);
    await tail.goto(`${sys.url}/live`);
    await tail.getByText('Live', { exact: true }).waitFor();
    await board.getByText('Live', { exact: true }).waitFor();
    const stream = streamNames(sys.streamPrefix, 16).incidents();
    let sentChanges = 0;
    let sentLogs = 0;
    const open = new Set<string>();
    const changes = (async () => {
      const perTick = Math.round((CHANGES_PER_S * TICK_MS) / 1000);
      let next = Date.now();
      while (!stopLoad) {
        const batch: CanonicalEvent[] = [];
        for (let i = 0; i < perTick; i++) {
          const name = names[Math.floor(Math.random() * names.length)] as string;
          const wasOpen = open.has(name);
          if (wasOpen) open.delete(name);
          else open.add(name);
          const ts = Date.now();
          batch.push({ id: ids.next(ts), tenant: 'default', kind: 'incident', target: name, ts, receivedAt: ts, labels: {}, body: { incidentId: `bench-${name}`, ruleId: 'builtin:heartbeat', state: wasOpen ? 'resolved' : 'open', transition: wasOpen ? 'resolved' : 'opened', title: 'bench flap', epoch: 1 } });
        }
        const p = pub.pipeline();
        for (const ev of batch) p.xadd(stream, 'MAXLEN', '~', '100000', '*', FIELD_EVENTS, encodeBatch([ev]));
        await p.exec();
        sentChanges += batch.length;
        next += TICK_MS;
        await sleep(Math.max(0, next - Date.now()));
      }
    })();
    const logs = (async () => {
      const perTick = Math.round((LOGS_PER_S * TICK_MS) / 1000);
      let next = Date.now();
      let n = 0;
      while (!stopLoad) {
        const lines = Array.from({ length: perTick }, () => ({ target: `app-${n % 50}`, level: n % 10 === 0 ? 'error' : 'info', message: `bench line ${n++} GET /api/orders 200 12ms` }));
        const r = await fetch(`${sys.url}/ingest/logs`, { method: 'POST', headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' }, body: JSON.stringify(lines) });
        if (r.status < 300) sentLogs += perTick;
        else process.stderr.write(`ingest answered ${r.status}\n`);
        await r.arrayBuffer();
        next += TICK_MS;
        await sleep(Math.max(0, next - Date.now()));
      }
    })();
    await sleep(5_000); // warm-up
    const loadsBefore = boardLoads;
    // BENCH_PROFILE=1: the board's CPU profile over the run, its top functions by self time on stderr.
    const profiler = process.env.BENCH_PROFILE ? await board.context().newCDPSession(board) : null;
    if (profiler) {
      await profiler.send('Profiler.enable');
      await profiler.send('Profiler.start');
    }
    since = await perfNow(board);
    const tailSince = await perfNow(tail);
    const heap: Array<{ board: number; tail: number }> = [];
    const started = Date.now();
    const sentAtStart = { changes: sentChanges, logs: sentLogs };
    // A forced GC is itself a long task of the page: the windows of our samples are left out of the figures.
    const gcWindows: Array<{ page: Page; from: number; to: number }> = [];
    const sample = async (): Promise<void> => {
      const row = { board: 0, tail: 0 };
      for (const [which, page] of [['board', board], ['tail', tail]] as const) {
        const from = await perfNow(page);
        row[which] = await heapMb(page);
        gcWindows.push({ page, from, to: (await perfNow(page)) + 5 });
      }
      heap.push(row);
    };
    const outsideGc = (page: Page, tasks: Longtask[]): Longtask[] => tasks.filter((t) => !gcWindows.some((w) => w.page === page && t.start + t.ms >= w.from && t.start <= w.to));
    while (Date.now() - started < SECONDS * 1000) {
      await sample();
      await sleep(Math.max(5_000, (SECONDS * 1000) / 10));
    }
    await sample();
    const elapsed = (Date.now() - started) / 1000;
    const rates = { changes: (sentChanges - sentAtStart.changes) / elapsed, logs: (sentLogs - sentAtStart.logs) / elapsed };
    const boardTasks = outsideGc(board, await longtasks(board, since));
    const tailTasks = outsideGc(tail, await longtasks(tail, tailSince));
    stopLoad = true;
    await Promise.all([changes, logs]);
    info('board reloads (lagged/reset) during the run', boardLoads - loadsBefore, 'loads');
    // Long tasks are wall time: on a shared machine the other processes' CPU shows up in them.
    info('machine load average (1 min) at the end of the run', loadavg()[0] ?? 0, `(${cpus().length} cores)`);
    if (profiler) printProfile(((await profiler.send('Profiler.stop')) as { profile: CpuProfile }).profile);
    info('state changes sent', rates.changes, '/s');
    info('log lines accepted', rates.logs, '/s');
    const shownNew = await tail.evaluate<number>('document.body.innerText.match(/bench line (\\d+)/g)?.length ?? 0');
    info('live tail rows in the DOM at the end', shownNew, 'rows');
    goal(`board under ${CHANGES_PER_S} changes/s — longest task`, maxMs(boardTasks), 'ms', 50, '< 50 ms');
    info('board long tasks over the run', boardTasks.length, 'tasks');
    goal(`live tail under ${LOGS_PER_S} lines/s — longest task`, maxMs(tailTasks), 'ms', 50, '< 50 ms');
    info('live tail long tasks over the run', tailTasks.length, 'tasks');
    const third = Math.max(1, Math.floor(heap.length / 3));
    const avg = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
    for (const which of ['board', 'tail'] as const) {
      const series = heap.map((h) => h[which]);
      const early = avg(series.slice(0, third));
      const late = avg(series.slice(-third));
      process.stderr.write(`${which} heap MB: ${series.map((x) => x.toFixed(1)).join(' ')}\n`);
      info(`${which} heap after GC, start of run`, early, 'MB');
      // Flat: the last third within 10% (or 2 MB) of the first.
      const growth = late - early;
      figures.push({ name: `${which} heap growth over ${SECONDS}s`, value: Math.round(growth * 100) / 100, unit: 'MB', goal: '≤ max(2 MB, 10%)', met: growth <= Math.max(2, early * 0.1) });
      process.stderr.write(`${which} heap growth: ${growth.toFixed(2)} MB\n`);
    }
    await context.close();
  } finally {
    stopLoad = true;
    await browser.close().catch(() => undefined);
    pub.disconnect();
    await sys.stop();
    await redis.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  reportFigures('dashboard', figures);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
