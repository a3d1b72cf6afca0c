// The one contract suite every streams adapter passes: in memory, one Redis, a Redis Cluster, a Sentinel set.
// Each test works under its own key prefix, with one hash tag per "partition" as production keys have, so that
// on a Cluster the streams of one test sit on different slots and masters.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Closed, NoGroup, isStreamsError } from './errors.js';
import type { FieldValue, StreamRead, Streams } from './port.js';

export interface ConformanceTarget {
  open(): Promise<Streams>;
  /** Removes what a test left under `prefix` (shared servers); absent for servers started for the suite. */
  cleanup?(prefix: string): Promise<void>;
}

const fields = (i: number): string[] => ['e', `payload-${i}`, 't', 'tenant'];

async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}

/** Reads with `reader` until `want` entries came or `rounds` reads passed. */
async function readUntil(read: () => Promise<StreamRead[]>, want: number, rounds = 20): Promise<Map<string, string[]>> {
  const got = new Map<string, string[]>();
  let n = 0;
  for (let i = 0; i < rounds && n < want; i++) {
    for (const [stream, entries] of await read()) {
      const list = got.get(stream) ?? [];
      list.push(...entries.map((e) => e[0]));
      got.set(stream, list);
      n += entries.length;
    }
  }
  return got;
}

/** The first non-empty answer of `read` (at most `rounds` reads). */
async function readOnce(read: () => Promise<StreamRead[]>, rounds = 20): Promise<StreamRead[]> {
  for (let i = 0; i < rounds; i++) {
    const got = await read();
    if (got.length > 0) return got;
  }
  return [];
}

export function runStreamsConformance(name: string, target: ConformanceTarget): void {
  describe(name, () => {
    let s: Streams;
    const prefixes: string[] = [];
    const keys = (n: number): string[] => {
      const prefix = `lwconf:${randomBytes(5).toString('hex')}`;
      prefixes.push(prefix);
      return Array.from({ length: n }, (_, p) => `${prefix}:{p${p}}:events`);
    };
    const key = (what: string): string => `${keys(1)[0] as string}:${what}`;

    beforeAll(async () => {
      s = await target.open();
    });
    afterAll(async () => {
      for (const p of prefixes) await target.cleanup?.(p);
      await s?.close();
    });

    it('appends a batch across streams with ids in order per stream, readable at once', async () => {
      const ks = keys(4);
      const ids = await s.append(ks.flatMap((k) => [0, 1, 2].map((i) => ({ stream: k, fields: fields(i) }))));
      expect(ids).toHaveLength(12);
      for (let k = 0; k < 4; k++) {
        const mine = ids.slice(3 * k, 3 * k + 3);
        const entries = await s.rangeAfter(ks[k] as string, '0-0', 10);
        expect(entries.map((e) => e[0])).toEqual(mine);
        expect(entries[2]?.[1]).toEqual(fields(2));
      }
    });

    it('one append interleaving streams, field counts, maxLen and a key repeated in the call answers ids in input order', async () => {
      const ks = keys(3);
      const [a, b, c] = ks as [string, string, string];
      const batch = [
        { stream: a, fields: ['e', 'a0'] },
        { stream: b, fields: ['e', 'b0', 't', 'tenant', 'c', '1'], key: 'k1' },
        { stream: a, fields: ['e', 'a1', 't', 'tenant'], maxLen: 1000 },
        { stream: c, fields: ['e', Buffer.from('c0')] },
        { stream: b, fields: ['e', 'b0', 't', 'tenant', 'c', '1'], key: 'k1' },
        { stream: b, fields: ['e', 'b1'] },
      ];
      const ids = await s.append(batch);
      expect(ids).toHaveLength(6);
      expect(ids[4]).toBe(ids[1]);
      const read = await Promise.all(ks.map((k) => s.rangeAfter(k, '0-0', 10)));
      expect(read[0]).toEqual([[ids[0], ['e', 'a0']], [ids[2], ['e', 'a1', 't', 'tenant']]]);
      expect(read[1]).toEqual([[ids[1], ['e', 'b0', 't', 'tenant', 'c', '1']], [ids[5], ['e', 'b1']]]);
      expect(read[2]).toEqual([[ids[3], ['e', 'c0']]]);
    });

    it('writes Buffers as their bytes', async () => {
      const [k] = keys(1) as [string];
      await s.append([{ stream: k, fields: ['e', Buffer.from('[{"é":1}]', 'utf8')] }]);
      expect((await s.rangeAfter(k, '0-0', 1))[0]?.[1]).toEqual(['e', '[{"é":1}]']);
    });

    it('gives the value of a binary field (a metric batch\'s bytes) as a Buffer of its bytes through every read, any other as text', async () => {
      const [k] = keys(1) as [string];
      // Bytes that are no UTF-8 and that RESP and Lua must carry as they are: NUL, CR LF, 0x80-0xff.
      const bytes = Buffer.from([0x01, 0x00, 0xff, 0xfe, 0x0d, 0x0a, 0x80, 0xc3, 0x28, ...Array.from({ length: 300 }, (_, i) => i & 0xff)]);
      const written = ['B', bytes, 't', 'tenant', 'e', Buffer.from('é')];
      const want = ['B', bytes, 't', 'tenant', 'e', 'é'];
      await s.ensureGroup([k], 'bin', '0');
      await s.ensureGroup([k], 'binthin', '0');
      const [id] = await s.append([{ stream: k, fields: written }]);
      const check = (entries: ReadonlyArray<[string, FieldValue[]]> | undefined): void => {
        expect(entries?.map((e) => e[0])).toEqual([id]);
        const fields = entries?.[0]?.[1] ?? [];
        expect(fields).toEqual(want);
        expect(Buffer.isBuffer(fields[1])).toBe(true);
      };
      check(await s.rangeAfter(k, '0-0', 10));
      check((await s.page(k, '-', 10)).entries);
      check((await s.readGroup({ group: 'bin', consumer: 'dead', streams: [k], count: 10 }))[0]?.[1]);
      check((await s.readGroup({ group: 'bin', consumer: 'dead', streams: [k], count: 10, from: '0' }))[0]?.[1]);
      check((await s.autoclaim(k, 'bin', 'heir', 0, '0-0', 10)).entries);
      const reader = s.reader('bin');
      try {
        // A thin read (payloadTenants) that keeps it whole, as a tenant it serves.
        check((await readOnce(() => reader.read({ group: 'binthin', consumer: 'c', streams: [k], count: 10, blockMs: 1_000, payloadTenants: ['tenant'] })))[0]?.[1]);
        await s.append([{ stream: k, fields: written }]);
        const plain = await readOnce(() => reader.read({ group: 'binthin', consumer: 'c', streams: [k], count: 10, blockMs: 1_000 }));
        expect(plain[0]?.[1][0]?.[1]).toEqual(want);
      } finally {
        await reader.close();
      }
    });

    it('the same batch appended twice (a resend) appears once, answered with the first id', async () => {
      const ks = keys(3);
      const batch = ks.map((k, i) => ({ stream: k, fields: fields(i), key: `batch-${i}` }));
      const first = await s.append(batch);
      const again = await s.append(batch);
      expect(again).toEqual(first);
      // Half of a batch resent with new entries: the known ones are skipped, the new ones written.
      const mixed = await s.append([batch[0] as (typeof batch)[number], { stream: ks[0] as string, fields: fields(9), key: 'batch-9' }]);
      expect(mixed[0]).toBe(first[0]);
      expect(mixed[1]).not.toBe(first[0]);
      // The key is per stream: the same key on another stream is another entry.
      const [other] = keys(1) as [string];
      const [otherId] = await s.append([{ stream: other, fields: fields(0), key: 'batch-0' }]);
      expect((await s.rangeAfter(other, '0-0', 10)).map((e) => e[0])).toEqual([otherId]);
      const seen = await Promise.all(ks.map((k) => s.rangeAfter(k, '0-0', 10)));
      expect(seen.map((entries) => entries.length)).toEqual([2, 1, 1]);
      expect(seen[0]?.map((e) => e[1])).toEqual([fields(0), fields(9)]);
    });

    it('counters: a take admits until a window is full, then refuses naming it with the time left, charging nothing', async () => {
      const base = `${keys(1)[0] as string}:{login}`;
      const [a, b] = [`${base}:a`, `${base}:b`];
      const take = (chargeB: boolean) =>
        s.counters.take([
          { key: a, limit: 3, windowMs: 60_000, charge: true },
          { key: b, limit: 2, windowMs: 30_000, charge: chargeB },
        ]);
      expect(await take(true)).toEqual({ ok: true });
      expect(await take(false)).toEqual({ ok: true });
      await s.counters.add(b, 30_000);
      const full = await take(true);
      expect(full).toMatchObject({ ok: false, index: 1 });
      expect(full.ok === false && full.retryAfterMs > 0 && full.retryAfterMs <= 30_000).toBe(true);
      // The refusal charged nothing: `a` holds 2 of 3, so one take of `a` alone still goes through, then none.
      expect(await s.counters.take([{ key: a, limit: 3, windowMs: 60_000, charge: true }])).toEqual({ ok: true });
      const refused = await s.counters.take([{ key: a, limit: 3, windowMs: 60_000, charge: true }]);
      expect(refused).toMatchObject({ ok: false, index: 0 });
      expect(refused.ok === false && refused.retryAfterMs > 30_000 && refused.retryAfterMs <= 60_000).toBe(true);
      expect(await s.counters.take([])).toEqual({ ok: true });
    });

    it('counters: marks are set, refreshed and read', async () => {
      const mark = `${keys(1)[0] as string}:{login}:known`;
      expect(await s.counters.isMarked(mark)).toBe(false);
      await s.counters.mark(mark, 60_000);
      await s.counters.mark(mark, 60_000);
      expect(await s.counters.isMarked(mark)).toBe(true);
    });

    it('caps a stream approximately with maxLen', async () => {
      const [k] = keys(1) as [string];
      await s.append(Array.from({ length: 300 }, (_, i) => ({ stream: k, fields: fields(i), maxLen: 10 })));
      const left = await s.rangeAfter(k, '0-0', 1000);
      expect(left.length).toBeLessThan(300);
      expect(left.length).toBeGreaterThanOrEqual(10);
    });

    it('creates groups once, from the start or from now, and reports their state', async () => {
      const ks = keys(2);
      await s.append([{ stream: ks[0] as string, fields: fields(0) }]);
      await s.ensureGroup(ks, 'g0', '0');
      await s.ensureGroup(ks, 'g0', '0'); // exists: kept, no error
      await s.ensureGroup(ks, 'gnow', '$');
      const [a, b] = await s.groupState(ks, 'g0');
      expect(a).toMatchObject({ pending: 0, lag: 1, lastDeliveredId: '0-0', minPendingId: null });
      expect(b).toMatchObject({ pending: 0, lag: 0 });
      expect((await s.groupState(ks, 'gnow'))[0]).toMatchObject({ lag: 0 });
      expect(await s.groupState(ks, 'missing')).toEqual([null, null]);
      expect(await s.groupState(keys(1), 'g0')).toEqual([null]);
    });

    it('delivers new entries once per group, keeps them pending until acknowledged, and re-reads own pending with 0', async () => {
      const ks = keys(3);
      await s.ensureGroup(ks, 'g', '0');
      const ids = await s.append(ks.map((k, i) => ({ stream: k, fields: fields(i) })));
      const first = await s.readGroup({ group: 'g', consumer: 'c1', streams: ks, count: 10 });
      expect(first.flatMap(([, e]) => e.map((x) => x[0])).sort()).toEqual([...ids].sort());
      expect(await s.readGroup({ group: 'g', consumer: 'c1', streams: ks, count: 10 })).toEqual([]);
      const own = await s.readGroup({ group: 'g', consumer: 'c1', streams: ks, count: 10, from: '0' });
      expect(own.flatMap(([, e]) => e)).toHaveLength(3);
      expect(await s.readGroup({ group: 'g', consumer: 'c2', streams: ks, count: 10, from: '0' })).toEqual([]);
      const [st] = await s.groupState([ks[0] as string], 'g');
      expect(st).toMatchObject({ pending: 1, minPendingId: ids[0], lastDeliveredId: ids[0], lag: 0 });
      expect(await s.ack(ks[0] as string, 'g', [ids[0] as string])).toBe(1);
      expect(await s.ack(ks[0] as string, 'g', [ids[0] as string])).toBe(0);
      expect((await s.groupState([ks[0] as string], 'g'))[0]).toMatchObject({ pending: 0, minPendingId: null });
    });

    it('reads without a pending list when noAck', async () => {
      const ks = keys(2);
      await s.ensureGroup(ks, 'na', '$');
      await s.append(ks.map((k, i) => ({ stream: k, fields: fields(i) })));
      const got = await s.readGroup({ group: 'na', consumer: 'c', streams: ks, count: 10, noAck: true });
      expect(got.flatMap(([, e]) => e)).toHaveLength(2);
      expect((await s.groupState(ks, 'na')).map((g) => g?.pending)).toEqual([0, 0]);
    });

    it('refuses reads and acks of a missing group with NoGroup', async () => {
      const ks = keys(2);
      const err = await rejection(s.readGroup({ group: 'nope', consumer: 'c', streams: ks, count: 1 }));
      expect(err).toBeInstanceOf(NoGroup);
      expect(isStreamsError(err) && err.retryable).toBe(false);
      await s.append([{ stream: ks[0] as string, fields: fields(0) }]);
      expect(await rejection(s.autoclaim(ks[0] as string, 'nope', 'c', 0, '0-0', 10))).toBeInstanceOf(NoGroup);
    });

    it('a blocking reader wakes on an append, reads every stream across slots, and close() interrupts it', async () => {
      const ks = keys(6);
      await s.ensureGroup(ks, 'b', '$');
      const reader = s.reader('conformance');
      try {
        const request = { group: 'b', consumer: 'c', streams: ks, count: 100, blockMs: 5_000 };
        const started = Date.now();
        const waiting = reader.read(request);
        await new Promise((r) => setTimeout(r, 50));
        await s.append([{ stream: ks[4] as string, fields: fields(1) }]);
        const got = await waiting;
        expect(Date.now() - started).toBeLessThan(4_000);
        expect(got.map(([k]) => k)).toEqual([ks[4]]);
        const ids = await s.append(ks.map((k, i) => ({ stream: k, fields: fields(i) })));
        const all = await readUntil(() => reader.read(request), ids.length);
        expect([...all.values()].flat().sort()).toEqual([...ids].sort());
        const blocked = rejection(reader.read({ ...request, blockMs: 30_000 }));
        await new Promise((r) => setTimeout(r, 50));
        const t0 = Date.now();
        await reader.close();
        expect(await blocked).toBeInstanceOf(Closed);
        expect(Date.now() - t0).toBeLessThan(2_000);
        await reader.close(); // idempotent
        await reader.settled();
      } finally {
        await reader.close();
      }
    });

    it('a read with payloadTenants empties the payload of other tenants\' unmarked entries (and with batchTenants of metric batches), and the group moves past them as past whole ones', async () => {
      const ks = keys(2);
      await s.ensureGroup(ks, 'thin', '0');
      const [k0, k1] = ks as [string, string];
      // 'B' a metric batch's bytes (a Buffer as read), 'b' its older base64 form, 'm' its JSON form.
      const written: FieldValue[][] = [
        ['e', 'A1', 't', 'A'],
        ['e', 'B1', 't', 'B'],
        ['B', Buffer.from([0xff, 0, 0x0d, 0x0a]), 't', 'B', 'a', '1'],
        ['b', 'B3', 't', 'B', 'c', '1'],
        ['e', 'X'],
        ['m', 'B4', 't', 'B'],
        ['B', Buffer.from('A2'), 't', 'A'],
        ['B', Buffer.from('C1'), 't', 'C'],
        ['e', 'C2', 't', 'C'],
      ];
      await s.append(written.map((f) => ({ stream: k0, fields: f })));
      await s.append([{ stream: k1, fields: ['b', 'B5', 't', 'B'] }]);
      const reader = s.reader('thin');
      try {
        const request = { group: 'thin', consumer: 'c', streams: ks, count: 20, blockMs: 1_000, payloadTenants: ['A', 'C'], batchTenants: ['A'] };
        const fieldsOf = new Map<string, FieldValue[][]>();
        const got = await readUntil(async () => {
          const read = await reader.read(request);
          for (const [k, entries] of read) fieldsOf.set(k, [...(fieldsOf.get(k) ?? []), ...entries.map((e) => e[1])]);
          return read;
        }, 10);
        expect([...got.values()].flat()).toHaveLength(10);
        expect(fieldsOf.get(k0)).toEqual([written[0], ['e', '', 't', 'B'], written[2], written[3], written[4], ['m', '', 't', 'B'], written[6], ['B', Buffer.alloc(0), 't', 'C'], written[8]]);
        expect(fieldsOf.get(k1)).toEqual([['b', '', 't', 'B']]);
        // Pending as read; their own re-read (from 0) and a range read give them whole.
        expect((await s.groupState(ks, 'thin')).map((g) => g?.pending)).toEqual([9, 1]);
        const own = await s.readGroup({ group: 'thin', consumer: 'c', streams: [k1], count: 10, from: '0' });
        expect(own[0]?.[1][0]?.[1]).toEqual(['b', 'B5', 't', 'B']);
        expect((await s.rangeAfter(k0, '0-0', 20)).map((e) => e[1])).toEqual(written);
        expect(await reader.read({ ...request, blockMs: 50 })).toEqual([]);
      } finally {
        await reader.close();
      }
    });

    it('a blocking read times out empty after blockMs', async () => {
      const ks = keys(2);
      await s.ensureGroup(ks, 'idle', '$');
      const reader = s.reader('idle');
      try {
        expect(await reader.read({ group: 'idle', consumer: 'c', streams: ks, count: 10, blockMs: 100 })).toEqual([]);
      } finally {
        await reader.close();
      }
    });

    it('autoclaims entries idle on another consumer, in pages', async () => {
      const [k] = keys(1) as [string];
      await s.ensureGroup([k], 'ac', '0');
      const ids = await s.append(Array.from({ length: 5 }, (_, i) => ({ stream: k, fields: fields(i) })));
      await s.readGroup({ group: 'ac', consumer: 'dead', streams: [k], count: 10 });
      expect((await s.autoclaim(k, 'ac', 'heir', 60_000, '0-0', 10)).entries).toEqual([]);
      const page1 = await s.autoclaim(k, 'ac', 'heir', 0, '0-0', 3);
      expect(page1.entries.map((e) => e[0])).toEqual(ids.slice(0, 3));
      expect(page1.next).not.toBe('0-0');
      const page2 = await s.autoclaim(k, 'ac', 'heir', 0, page1.next, 3);
      expect(page2.entries.map((e) => e[0])).toEqual(ids.slice(3));
      expect(page2.next).toBe('0-0');
      const own = await s.readGroup({ group: 'ac', consumer: 'heir', streams: [k], count: 10, from: '0' });
      expect(own[0]?.[1].map((e) => e[0])).toEqual(ids);
    });

    it('trims below an id, never at or above it', async () => {
      const [k] = keys(1) as [string];
      const ids = await s.append(Array.from({ length: 500 }, (_, i) => ({ stream: k, fields: fields(i) })));
      const cut = ids[400] as string;
      await s.trimBelow([[k, cut]]);
      const left = await s.rangeAfter(k, '0-0', 1000);
      expect(left.length).toBeLessThan(500);
      expect(left.map((e) => e[0])).toEqual(expect.arrayContaining(ids.slice(400)));
    });

    it('reads a replay page with the facts that tell a gap', async () => {
      const [k] = keys(1) as [string];
      expect(await s.page(k, '-', 10)).toMatchObject({ exists: false, entries: [] });
      const ids = await s.append(Array.from({ length: 5 }, (_, i) => ({ stream: k, fields: fields(i) })));
      const page = await s.page(k, `(${ids[1] as string}`, 2);
      expect(page).toMatchObject({ exists: true, length: 5, entriesAdded: 5, firstId: ids[0], maxDeletedId: '0-0', lastGeneratedId: ids[4] });
      expect(page.entries.map((e) => e[0])).toEqual(ids.slice(2, 4));
      expect((await s.page(k, ids[1] as string, 1)).entries.map((e) => e[0])).toEqual([ids[1]]);
    });

    it('removes groups, counting only those that existed', async () => {
      const ks = keys(2);
      await s.ensureGroup([ks[0] as string], 'gone', '$');
      expect(await s.destroyGroup(ks, 'gone')).toBe(1);
      expect(await s.destroyGroup(ks, 'gone')).toBe(0);
    });

    it('holds leases with fencing epochs', async () => {
      const lease = key('lease');
      const epoch = key('epoch');
      const e1 = await s.leases.acquire(lease, epoch, 'a', 10_000);
      expect(e1).toBeGreaterThanOrEqual(1);
      expect(await s.leases.acquire(lease, epoch, 'b', 10_000)).toBe(0);
      expect(await s.leases.holds(lease, epoch, 'a', e1)).toBe(true);
      expect(await s.leases.holds(lease, epoch, 'b', e1)).toBe(false);
      expect(await s.leases.renew([lease, key('other')], 'a', 10_000)).toEqual([true, false]);
      expect(await s.leases.release(lease, 'b')).toBe(false);
      expect(await s.leases.release(lease, 'a')).toBe(true);
      const e2 = await s.leases.acquire(lease, epoch, 'b', 10_000);
      expect(e2).toBe(e1 + 1);
      expect(await s.leases.holds(lease, epoch, 'a', e1)).toBe(false);
    });

    it('lets a lease lapse after its time', async () => {
      const lease = key('lease');
      const epoch = key('epoch');
      expect(await s.leases.acquire(lease, epoch, 'a', 60)).toBe(1);
      await new Promise((r) => setTimeout(r, 120));
      expect(await s.leases.acquire(lease, epoch, 'b', 10_000)).toBe(2);
    });

    it('keeps a TTL\'d member set and a plain lock', async () => {
      const set = key('members');
      expect(await s.leases.members(set, 'x', 10_000)).toEqual(['x']);
      expect(await s.leases.members(set, 'y', 10_000)).toEqual(['x', 'y']);
      expect(await s.leases.members(set, 'z', -1)).toEqual(['x', 'y']);
      expect(await s.leases.members(set, 'x', 0)).toEqual(['y']);
      const lock = key('lock');
      expect(await s.leases.lock(lock, 'a', 10_000)).toBe(true);
      expect(await s.leases.lock(lock, 'b', 10_000)).toBe(false);
    });

    it('keeps idempotency records: begin, renew, release, abort, complete', async () => {
      const k = key('idem');
      expect(await s.idempotency.begin(k, 'fp', 1_000, 500, 60_000, 'h1')).toEqual({ state: 'new', receivedAt: 1_000 });
      expect(await s.idempotency.begin(k, 'fp', 1_100, 500, 60_000, 'h2')).toEqual({ state: 'existing', value: 'P|fp|1000|1500|h1' });
      expect(await s.idempotency.renew(k, 'fp', 'h2', 1_200, 500)).toBe(false);
      expect(await s.idempotency.renew(k, 'fp', 'h1', 1_200, 500)).toBe(true);
      // The lease has lapsed at 1800: a retry of the same request takes over with the first receivedAt.
      expect(await s.idempotency.begin(k, 'fp', 1_800, 500, 60_000, 'h3')).toEqual({ state: 'new', receivedAt: 1_000 });
      await s.idempotency.release(k, 'fp');
      expect(await s.idempotency.begin(k, 'fp', 1_801, 500, 60_000, 'h4')).toEqual({ state: 'new', receivedAt: 1_000 });
      await s.idempotency.complete(k, 'D|fp|{"accepted":1}', 60_000);
      await s.idempotency.abort(k, 'fp'); // never removes an answer
      expect(await s.idempotency.begin(k, 'fp', 1_900, 500, 60_000, 'h5')).toEqual({ state: 'existing', value: 'D|fp|{"accepted":1}' });
      const other = key('idem2');
      await s.idempotency.begin(other, 'fp', 1_000, 500, 60_000, 'h1');
      await s.idempotency.abort(other, 'fp');
      expect((await s.idempotency.begin(other, 'fp', 1_001, 500, 60_000, 'h2')).state).toBe('new');
    });

    it('delivers notifications to subscribers until they unsubscribe', async () => {
      const channel = key('changes');
      const got: string[] = [];
      const unsubscribe = await s.notifications.subscribe(channel, (m) => got.push(m));
      await s.notifications.publish(channel, 'one');
      for (let i = 0; i < 100 && got.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
      expect(got).toEqual(['one']);
      await unsubscribe();
      await s.notifications.publish(channel, 'two');
      await new Promise((r) => setTimeout(r, 50));
      expect(got).toEqual(['one']);
    });

    it('answers ping, reports ready, and refuses calls with Closed once closed', async () => {
      await s.ping();
      expect(s.ready()).toBe(true);
      const other = await target.open();
      await other.close();
      await other.close();
      expect(other.ready()).toBe(false);
      expect(await rejection(other.append([{ stream: key('x'), fields: fields(0) }]))).toBeInstanceOf(Closed);
    });
  });
}
