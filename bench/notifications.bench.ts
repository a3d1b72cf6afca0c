// Notifications benchmark (issue 15.6), one run on this machine: the notifier with 1,000 webhook channels and
// grouping on — the product path: 1,000 routes (one per channel, groupBy cluster, groupWait 0) applied by the
// group router (detector/notify/groups.ts), each group flush claimed and sent by the notifier — against a local
// HTTP receiver in this process and a SQLite store on disk (claims and the audit of every attempt are real
// writes). Every incident is its own group (a cluster of its own), so each one is one group notification.
//   (1) notifications/s: a burst of incidents, each routed to one of the 1,000 channels, from the first
//       observe until the receiver has every request;
//   (2) latency from an incident opening to the receiver's request (p50/p99/max) at a steady rate,
//       goal p99 ≤ 250 ms with groupWait 0.
//
//   node --import tsx bench/notifications.bench.ts      BENCH_NOTIFY_BURST=5000 BENCH_NOTIFY_RATE=200 BENCH_NOTIFY_SECONDS=5
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { Registry } from 'prom-client';
import { createNotifier } from '../detector/notify/notifier.js';
import type { NotifyEffect } from '../detector/machines/effects.js';
import { createGroupRouter, type GroupRouter } from '../detector/notify/groups.js';
import { systemTimers } from '../lib/time/clock.js';
import { createSqliteStore } from '../lib/store/sqlite/store.js';
import type { Channel, Incident, NotificationRoute } from '../lib/store/types.js';
import { reportFigures } from './report.js';

const CHANNELS = 1_000;
const BURST = Number(process.env.BENCH_NOTIFY_BURST ?? 5_000);
const RATE = Number(process.env.BENCH_NOTIFY_RATE ?? 200);
const SECONDS = Number(process.env.BENCH_NOTIFY_SECONDS ?? 5);
const TENANT = 'bench';

const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? 0;
};

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'lw-notify-bench-'));
  const store = await createSqliteStore({ path: join(dir, 'lw.db') });
  const arrived = new Map<string, number>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const at = performance.now();
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { incident: { id: string } };
      arrived.set(body.incident.id, at);
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  const channels: Channel[] = Array.from({ length: CHANNELS }, (_, i) => ({ id: `ch${i}`, tenant: TENANT, name: `ch${i}`, kind: 'webhook', config: { url }, isDefault: false, repeatIntervalSec: 0, rateLimitPerMin: 0, createdAt: 0, updatedAt: 0 }));
  const byId = new Map(channels.map((c) => [c.id, c]));
  const routes: NotificationRoute[] = channels.map((c, i) => ({ id: c.id, tenant: TENANT, name: c.id, channelId: c.id, matchers: [{ name: 'team', op: '=', value: `t${i}` }], groupBy: ['cluster'], groupWaitSec: 0, groupIntervalSec: 60, repeatIntervalSec: 0, createdAt: 0, updatedAt: 0 }));
  const late: { groups?: GroupRouter } = {};
  const notifier = createNotifier({
    store,
    channelsFor: (_t, named) => named.map((id) => byId.get(id)).filter((c): c is Channel => c !== undefined),
    fence: async () => true,
    clock: systemTimers,
    logger: pino({ level: 'silent' }),
    registry: new Registry(),
    telegramApiBaseUrl: 'http://127.0.0.1:1',
    publicBaseUrl: '',
    concurrency: 128,
    groups: () => late.groups,
  });
  const labelsOf = new Map<string, Record<string, string>>();
  const groups = createGroupRouter({
    routesOf: () => routes,
    routedTenants: () => [TENANT],
    targetName: (_t, id) => id,
    targetLabels: (_t, name) => labelsOf.get(name) ?? {},
    epochOf: () => 1,
    partitions: 16,
    clock: systemTimers,
    send: (g) => notifier.sendGroup(g),
    logger: pino({ level: 'silent' }),
  });
  late.groups = groups;
  const openedAt = new Map<string, number>();
  let seq = 0;

  /** An incident opens: the notifier hands it to its route's group (groupWait 0), whose flush claims and sends it. */
  const open = async (n: number): Promise<void> => {
    const now = Date.now();
    const id = `inc${seq++}`;
    const target = `host-${n}`;
    labelsOf.set(target, { team: `t${n % CHANNELS}`, cluster: `c${n}` });
    const inc: Incident = { id, tenant: TENANT, targetId: target, ruleId: 'down', status: 'open', severity: 'critical', title: `${target} down`, openedAt: now, reopenCount: 0, epoch: 1, timeline: [{ at: now, type: 'opened', message: 'down' }], updatedAt: now };
    const effect: NotifyEffect = { type: 'notify', incident: inc, transition: 'opened', transitionSeq: '1', targetName: target, channels: [], suppressedBy: null };
    openedAt.set(id, performance.now());
    await notifier.dispatch(effect, 0, 1);
  };

  const waitFor = async (count: number, ms: number): Promise<void> => {
    const until = Date.now() + ms;
    while (arrived.size < count && Date.now() < until) await new Promise((r) => setTimeout(r, 5));
  };

  // (1) burst
  const t0 = performance.now();
  for (let i = 0; i < BURST; i++) await open(i);
  await waitFor(openedAt.size, 120_000);
  const burstSec = (performance.now() - t0) / 1000;
  const burstRate = arrived.size / burstSec;
  console.log(`burst: ${arrived.size}/${openedAt.size} notifications to ${CHANNELS} channels in ${burstSec.toFixed(2)} s = ${burstRate.toFixed(0)}/s`);

  // (2) steady rate: latency from opening to the receiver's request
  arrived.clear();
  openedAt.clear();
  const total = RATE * SECONDS;
  const start = performance.now();
  for (let i = 0; i < total; i++) {
    const due = start + (i * 1000) / RATE;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    await open(BURST + i);
  }
  await waitFor(openedAt.size, 30_000);
  const lat = [...openedAt].map(([k, t]) => (arrived.get(k) ?? Number.NaN) - t).filter((x) => Number.isFinite(x));
  const p50 = pct(lat, 50);
  const p99 = pct(lat, 99);
  const max = Math.max(...lat);
  console.log(`steady ${RATE}/s for ${SECONDS} s: ${lat.length}/${openedAt.size} delivered; open → receiver p50 ${p50.toFixed(1)} ms, p99 ${p99.toFixed(1)} ms, max ${max.toFixed(1)} ms`);

  groups.close();
  await notifier.close(5_000);
  await new Promise<void>((r) => server.close(() => r()));
  await store.close();
  rmSync(dir, { recursive: true, force: true });
  reportFigures('notifications', [
    { name: 'notifications/s (1,000 channels, grouping on)', value: Math.round(burstRate), unit: '/s' },
    { name: 'open → receiver p50', value: Number(p50.toFixed(1)), unit: 'ms' },
    { name: 'open → receiver p99 (groupWait 0)', value: Number(p99.toFixed(1)), unit: 'ms', goal: '≤ 250 ms', met: p99 <= 250 },
  ]);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
