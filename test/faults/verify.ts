// What the fault tests check after each fault, and how they measure it: the run's events read back from the
// store through /api/logs (paged with the cursor to the end), the ground truth of what is in the partition
// streams, the persist group's progress past a mark (backlog drained), the notifications the webhook
// receiver got, and the printed table.
import type { RedisClient } from '../../lib/streams/redis/connect.js';
import type { StreamEntry } from '../../lib/streams/port.js';
import { streamEntries } from '../support/stream-entries.js';
import { eventsOfEntry } from '../../lib/streams/codec.js';
import { GROUP_PERSIST, type StreamNames } from '../../lib/streams/partition.js';
import type { Cluster, Notification } from '../support/cluster.js';
import type { LoadSummary } from './load.js';
import type { ResumingClient } from './ws-client.js';
import { sleep } from '../../lib/lifecycle/sleep.js';


export async function until(cond: () => Promise<boolean> | boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`${what}: not reached within ${timeoutMs} ms`);
    await sleep(100);
  }
}

// The store ------------------------------------------------------------------------------------------------

export interface StoredLog {
  id: string;
  target: string;
  seq: number;
}

interface LogPage {
  items: Array<{ id: string; target: string; body: { fields?: { seq?: unknown } } }>;
  nextCursor: string | null;
}

/** Every stored log of `run`, oldest first, through GET /api/logs paged with the cursor to the end. */
export async function readRun(cluster: Cluster, run: string): Promise<StoredLog[]> {
  const out: StoredLog[] = [];
  let cursor: string | null = null;
  do {
    const q: string = `/api/logs?label.run=${encodeURIComponent(run)}&order=asc&limit=1000${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
    const r = await cluster.api<LogPage>('GET', q);
    if (r.status !== 200) throw new Error(`GET ${q} answered ${r.status}: ${JSON.stringify(r.body).slice(0, 300)}`);
    for (const e of r.body.items) out.push({ id: e.id, target: e.target, seq: Number(e.body.fields?.seq ?? -1) });
    cursor = r.body.nextCursor;
  } while (cursor);
  return out;
}

export interface StoreTally {
  stored: number;
  /** Stored logs whose seq is stored more than once (under other ids). */
  duplicates: number;
  /** Seqs of accepted batches that are not stored. */
  lost: number;
  /** Stored seqs never sent (must be 0). */
  unknown: number;
  /** Stored seqs of batches that got no 2xx (allowed: an attempt may have appended before failing). */
  storedUnaccepted: number;
  lostSeqs: number[];
  duplicateSeqs: number[];
}

export function tally(load: LoadSummary, stored: readonly StoredLog[]): StoreTally {
  const count = new Map<number, number>();
  for (const s of stored) count.set(s.seq, (count.get(s.seq) ?? 0) + 1);
  const duplicateSeqs = [...count].filter(([, n]) => n > 1).map(([seq]) => seq);
  const lostSeqs = [...load.acceptedSeqs].filter((s) => !count.has(s));
  return {
    stored: stored.length,
    duplicates: stored.length - count.size,
    lost: lostSeqs.length,
    unknown: [...count.keys()].filter((s) => !load.sentSeqs.has(s)).length,
    storedUnaccepted: [...count.keys()].filter((s) => load.sentSeqs.has(s) && !load.acceptedSeqs.has(s)).length,
    lostSeqs: lostSeqs.slice(0, 20),
    duplicateSeqs: duplicateSeqs.slice(0, 20),
  };
}

// The streams and the persist group ----------------------------------------------------------------------------

/** The ids of `run`'s logs per target, in stream order: what every WebSocket client must have received. */
export async function streamTruth(redis: RedisClient, names: StreamNames, run: string): Promise<Map<string, string[]>> {
  const byTarget = new Map<string, string[]>();
  for (const stream of names.allEvents()) {
    let from = '-';
    for (;;) {
      const rows = await streamEntries(redis, stream, from, '+', 1000);
      for (const [, fields] of rows) {
        for (const e of eventsOfEntry(fields)) {
          if (e.kind !== 'log' || e.labels.run !== run) continue;
          const list = byTarget.get(e.target) ?? [];
          list.push(e.id);
          byTarget.set(e.target, list);
        }
      }
      if (rows.length < 1000) break;
      from = `(${(rows.at(-1) as StreamEntry)[0]}`;
    }
  }
  return byTarget;
}

/** Differences between what a client received (per target, in order) and the streams' content. */
export function deliveryProblems(client: ResumingClient, truth: ReadonlyMap<string, readonly string[]>): string[] {
  const got = new Map<string, string[]>();
  for (const e of client.events) {
    const list = got.get(e.target) ?? [];
    list.push(e.id);
    got.set(e.target, list);
  }
  const problems: string[] = [];
  for (const [target, want] of truth) {
    const have = got.get(target) ?? [];
    if (have.length !== want.length || have.some((id, i) => id !== want[i])) {
      const i = have.findIndex((id, k) => id !== want[k]);
      const at = i < 0 ? Math.min(have.length, want.length) : i;
      const missing = want.filter((id) => !have.includes(id)).length;
      problems.push(`${client.label} ${target}: got ${have.length} events, the stream holds ${want.length} (${missing} missing); first difference at #${at} (got ${have[at]}, want ${want[at]}); connections ${JSON.stringify(client.connections.map((c) => [c.replica, c.at]))}; drops ${JSON.stringify(client.drops.map((d) => [d.replica, d.at, d.code]))}; notices ${JSON.stringify(client.notices.map((n) => [n.replica, n.at, (n.message as { type?: string }).type]))}`);
    }
  }
  for (const target of got.keys()) if (!truth.has(target)) problems.push(`${target}: events of a target not in the run`);
  return problems;
}

export async function waitForDelivery(client: ResumingClient, truth: ReadonlyMap<string, readonly string[]>, timeoutMs: number): Promise<void> {
  let want = 0;
  for (const ids of truth.values()) want += ids.length;
  await client.until(() => client.events.length >= want, timeoutMs, `${want} events`);
}

/** The last entry id of every partition stream ('0-0' when empty): a mark to wait for the persister to pass. */
export async function streamMark(redis: RedisClient, names: StreamNames): Promise<string[]> {
  // One command per stream (on a Redis Cluster the streams live in different slots, where a pipeline cannot span them).
  const results = await Promise.all(names.allEvents().map((s) => redis.xrevrange(s, '+', '-', 'COUNT', 1)));
  return results.map((rows) => {
    const last = rows[0];
    return last ? last[0] : '0-0';
  });
}

function idLte(a: string, b: string): boolean {
  const [am, as] = a.split('-').map(Number) as [number, number];
  const [bm, bs] = b.split('-').map(Number) as [number, number];
  return am < bm || (am === bm && as <= bs);
}

/** True once the persist group has delivered every entry up to `mark` and none of them is pending. */
export async function persistedPast(redis: RedisClient, names: StreamNames, mark: readonly string[]): Promise<boolean> {
  const streams = names.allEvents();
  const settle = <T>(p: Promise<T>): Promise<[Error | null, T | null]> => p.then((v) => [null, v] as [null, T], (err: Error) => [err, null]);
  const results = await Promise.all(streams.map((s) => Promise.all([settle(redis.xinfo('GROUPS', s)), settle(redis.xpending(s, GROUP_PERSIST))])));
  for (let p = 0; p < streams.length; p++) {
    const m = mark[p] ?? '0-0';
    if (m === '0-0') continue;
    const [[gErr, groups], [pErr, pending]] = results[p] ?? [[null, null], [null, null]];
    if (gErr || pErr) return false;
    const group = (groups as unknown[][]).map((g) => {
      const o: Record<string, unknown> = {};
      for (let i = 0; i + 1 < g.length; i += 2) o[String(g[i])] = g[i + 1];
      return o;
    }).find((g) => g.name === GROUP_PERSIST);
    if (!group || !idLte(m, String(group['last-delivered-id']))) return false;
    const [count, minId] = pending as [number, string | null];
    if (Number(count) > 0 && minId !== null && idLte(minId, m)) return false;
  }
  return true;
}

/** Resolves with the time the persist group passed `mark`. */
export async function waitPersisted(redis: RedisClient, names: StreamNames, mark: readonly string[], timeoutMs: number): Promise<number> {
  await until(() => persistedPast(redis, names, mark).catch(() => false), timeoutMs, 'persist backlog drained');
  return Date.now();
}

// Notifications -------------------------------------------------------------------------------------------------

export function notificationsOf(cluster: Cluster, target: string): Notification[] {
  return cluster.webhook.received.filter((n) => n.target === target);
}

/** `incident/transition` keys the receiver got more than once (over the whole cluster's life). */
export function repeatedNotifications(cluster: Cluster): string[] {
  const seen = new Map<string, number>();
  for (const n of cluster.webhook.received) {
    const key = `${n.incidentId}/${n.transition}`;
    seen.set(key, (seen.get(key) ?? 0) + 1);
  }
  return [...seen].filter(([, c]) => c > 1).map(([k, c]) => `${k} ×${c}`);
}

export interface IncidentSummary {
  id: string;
  status: string;
  reopenCount: number;
}

export async function incidentsOf(cluster: Cluster, target: string): Promise<IncidentSummary[]> {
  const r = await cluster.api<{ items: IncidentSummary[] }>('GET', `/api/incidents?target=${encodeURIComponent(target)}&limit=100`);
  if (r.status !== 200) throw new Error(`GET /api/incidents answered ${r.status}`);
  return r.body.items;
}

// The table --------------------------------------------------------------------------------------------------------

export interface FaultRow {
  fault: string;
  /** Offered events/s. */
  load: number;
  sent: number;
  accepted: number;
  stored: number;
  duplicates: number;
  lost: number;
  /** Fault injected → every process ready, every batch answered 2xx, and the backlog at the fault's end persisted. */
  recoveryMs: number;
  note?: string;
}

export function formatTable(rows: readonly FaultRow[]): string {
  const head = ['fault', 'load ev/s', 'sent', 'accepted', 'stored', 'dup', 'lost', 'recovery s', 'note'];
  const cells = rows.map((r) => [r.fault, String(r.load), String(r.sent), String(r.accepted), String(r.stored), String(r.duplicates), String(r.lost), (r.recoveryMs / 1000).toFixed(1), r.note ?? '']);
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => (c[i] as string).length)));
  const line = (c: string[]): string => c.map((x, i) => (i === 0 || i === c.length - 1 ? x.padEnd(widths[i] as number) : x.padStart(widths[i] as number))).join('  ');
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.map(line)].join('\n');
}
