// Conformance cases for incidents (epoch fencing, listing, active lookup, acknowledgement, uptime windows),
// notification claims and detector snapshots.
import { describe, expect, it } from 'vitest';
import type { LightwatchError } from '../../errors/errors.js';
import type { Store } from '../port.js';
import type { ActorSnapshot, Incident, NotificationRecord } from '../types.js';
import { incident, T0 } from './fixtures.js';

type Get = () => Store;

async function rejection(p: Promise<unknown>): Promise<LightwatchError> {
  try {
    await p;
  } catch (err) {
    return err as LightwatchError;
  }
  throw new Error('expected the call to be refused');
}

const notification = (over: Partial<NotificationRecord> = {}): NotificationRecord => ({
  key: 'inc-1:1:chan-1',
  tenant: 'acme',
  incidentId: 'inc-1',
  channelId: 'chan-1',
  transition: 'opened',
  status: 'pending',
  attempts: [],
  epoch: 1,
  createdAt: T0,
  updatedAt: T0,
  ...over,
});

const snapshot = (over: Partial<ActorSnapshot> = {}): ActorSnapshot => ({
  tenant: 'acme',
  targetId: 'target-1',
  partition: 3,
  appliedId: '1700000000000-0:4',
  snapshot: { value: 'up', context: { deadline: T0 + 90_000, misses: 0 } },
  epoch: 1,
  updatedAt: T0,
  ...over,
});

export function incidentCases(store: Get): void {
  describe('incidents', () => {
    it('upserts and reads back an incident with its timeline', async () => {
      const inc = incident({ acknowledgedAt: undefined });
      expect(await store().upsertIncident(inc)).toBe(true);
      expect(await store().getIncident('acme', inc.id)).toEqual(inc);
      const resolved = { ...inc, status: 'resolved' as const, resolvedAt: T0 + 60_000, timeline: [...inc.timeline, { at: T0 + 60_000, type: 'resolved', message: 'heartbeat back' }] };
      expect(await store().upsertIncident(resolved)).toBe(true);
      expect(await store().getIncident('acme', inc.id)).toEqual(resolved);
    });

    it('fences writes by epoch: an older epoch is refused, the same or a newer one is applied', async () => {
      const inc = incident({ epoch: 5 });
      expect(await store().upsertIncident(inc)).toBe(true);
      expect(await store().upsertIncident({ ...inc, title: 'stale writer', epoch: 4 })).toBe(false);
      expect((await store().getIncident('acme', inc.id))?.title).toBe(inc.title);
      expect(await store().upsertIncident({ ...inc, title: 'same owner', epoch: 5 })).toBe(true);
      expect(await store().upsertIncident({ ...inc, title: 'new owner', epoch: 6 })).toBe(true);
      expect(await store().upsertIncident({ ...inc, title: 'old owner again', epoch: 5 })).toBe(false);
      expect(await store().getIncident('acme', inc.id)).toEqual({ ...inc, title: 'new owner', epoch: 6 });
      // Another tenant's incident with the same id is another incident: it neither sees nor moves this one's fence.
      expect(await store().upsertIncident({ ...inc, tenant: 'other', title: 'theirs', epoch: 1 })).toBe(true);
      expect(await store().getIncident('acme', inc.id)).toEqual({ ...inc, title: 'new owner', epoch: 6 });
      expect((await store().getIncident('other', inc.id))?.title).toBe('theirs');
    });

    it('lists newest first with status and target filters and a stable cursor', async () => {
      const incs: Incident[] = [];
      for (let i = 0; i < 23; i++) {
        incs.push(incident({ openedAt: T0 + Math.floor(i / 2) * 1000, status: i % 3 === 0 ? 'resolved' : i % 3 === 1 ? 'open' : 'acknowledged', targetId: i % 2 ? 't-a' : 't-b' }));
      }
      for (const i of incs) await store().upsertIncident(i);
      await store().upsertIncident(incident({ tenant: 'other' }));
      const order = (xs: Incident[]) => [...xs].sort((a, b) => b.openedAt - a.openedAt || (a.id < b.id ? 1 : -1)).map((i) => i.id);
      const walk = async (filter: { status?: Incident['status'][]; targetId?: string }) => {
        const out: string[] = [];
        let cursor: string | undefined;
        for (;;) {
          const page = await store().listIncidents({ tenant: 'acme', limit: 4, ...filter, ...(cursor ? { cursor } : {}) });
          out.push(...page.items.map((i) => i.id));
          if (!page.nextCursor) return out;
          cursor = page.nextCursor;
        }
      };
      expect(await walk({})).toEqual(order(incs));
      expect(await walk({ status: ['open', 'acknowledged'] })).toEqual(order(incs.filter((i) => i.status !== 'resolved')));
      expect(await walk({ targetId: 't-a', status: ['resolved'] })).toEqual(order(incs.filter((i) => i.targetId === 't-a' && i.status === 'resolved')));
      const first = await store().listIncidents({ tenant: 'acme', limit: 2 });
      const err = await rejection(store().listIncidents({ tenant: 'acme', limit: 2, status: ['open'], cursor: first.nextCursor as string }));
      expect(err.reason).toBe('bad_cursor');
      const other = await rejection(store().listIncidents({ tenant: 'other', limit: 2, cursor: first.nextCursor as string }));
      expect(other.reason).toBe('bad_cursor');
      expect((await rejection(store().listIncidents({ tenant: 'acme', limit: 2, status: ['closed' as Incident['status']] }))).code).toBe('bad_request');
      expect((await rejection(store().listIncidents({ tenant: 'acme', limit: 2, targetId: { $ne: '' } as unknown as string }))).code).toBe('bad_request');
    });

    it('lists the incidents active within a time window [from, to), page by page', async () => {
      const early = incident({ openedAt: T0, resolvedAt: T0 + 1_000, status: 'resolved' });
      const long = incident({ openedAt: T0 + 2_000, status: 'open' });
      const inside = incident({ openedAt: T0 + 5_000, resolvedAt: T0 + 6_000, status: 'resolved' });
      const late = incident({ openedAt: T0 + 10_000, status: 'acknowledged' });
      for (const i of [early, long, inside, late]) await store().upsertIncident(i);
      const walk = async (w: { from?: number; to?: number; status?: Incident['status'][] }) => {
        const out: string[] = [];
        let cursor: string | undefined;
        for (;;) {
          const page = await store().listIncidents({ tenant: 'acme', limit: 1, ...w, ...(cursor ? { cursor } : {}) });
          out.push(...page.items.map((i) => i.id));
          if (!page.nextCursor) return out;
          cursor = page.nextCursor;
        }
      };
      expect(await walk({ from: T0 + 1_500, to: T0 + 8_000 })).toEqual([inside.id, long.id]);
      // Resolved exactly at `from` is over by then; opened exactly at `to` is not yet.
      expect(await walk({ from: T0 + 1_000 })).toEqual([late.id, inside.id, long.id]);
      expect(await walk({ to: T0 + 5_000 })).toEqual([long.id, early.id]);
      expect(await walk({ from: T0 + 7_000, status: ['open'] })).toEqual([long.id]);
      const first = await store().listIncidents({ tenant: 'acme', limit: 1, from: T0 });
      expect((await rejection(store().listIncidents({ tenant: 'acme', limit: 1, from: T0 + 1, cursor: first.nextCursor as string }))).reason).toBe('bad_cursor');
      expect((await rejection(store().listIncidents({ tenant: 'acme', limit: 1, from: 'yesterday' as unknown as number }))).code).toBe('bad_request');
    });

    it('resolves through updateIncident: resolvedAt is set and the window filters see it', async () => {
      const inc = incident({ status: 'open', openedAt: T0 });
      await store().upsertIncident(inc);
      const entry = { at: T0 + 9_000, type: 'resolved', message: 'resolved by user:42', actor: 'user:42' };
      const updated = await store().updateIncident('acme', inc.id, { status: 'resolved', resolvedAt: T0 + 9_000, updatedAt: T0 + 9_000 }, entry);
      expect(updated).toMatchObject({ status: 'resolved', resolvedAt: T0 + 9_000, timeline: [...inc.timeline, entry] });
      expect(await store().findActiveIncident('acme', inc.targetId, inc.ruleId)).toBeNull();
      expect((await store().listIncidents({ tenant: 'acme', limit: 5, from: T0 + 9_000 })).items).toEqual([]);
      expect((await store().listIncidents({ tenant: 'acme', limit: 5, from: T0 + 8_999 })).items.map((i) => i.id)).toEqual([inc.id]);
    });

    it('finds the active incident of a (target, rule), not a resolved one', async () => {
      const resolved = incident({ status: 'resolved', resolvedAt: T0 + 10, openedAt: T0 });
      const open = incident({ status: 'acknowledged', openedAt: T0 + 100 });
      await store().upsertIncident(resolved);
      expect(await store().findActiveIncident('acme', 'target-1', 'rule-1')).toBeNull();
      await store().upsertIncident(open);
      expect(await store().findActiveIncident('acme', 'target-1', 'rule-1')).toEqual(open);
      expect(await store().findActiveIncident('acme', 'target-1', 'rule-2')).toBeNull();
      expect(await store().findActiveIncident('other', 'target-1', 'rule-1')).toBeNull();
    });

    it('acknowledges: applies the patch, appends to the timeline, keeps the epoch; null for another tenant', async () => {
      const inc = incident({ epoch: 7 });
      await store().upsertIncident(inc);
      const entry = { at: T0 + 5_000, type: 'acknowledged', message: 'on it', actor: 'user:42' };
      expect(await store().updateIncident('other', inc.id, { status: 'acknowledged' }, entry)).toBeNull();
      const updated = await store().updateIncident('acme', inc.id, { status: 'acknowledged', acknowledgedAt: T0 + 5_000, acknowledgedBy: 'user:42', updatedAt: T0 + 5_000 }, entry);
      const expected = { ...inc, status: 'acknowledged', acknowledgedAt: T0 + 5_000, acknowledgedBy: 'user:42', updatedAt: T0 + 5_000, timeline: [...inc.timeline, entry] };
      expect(updated).toEqual(expected);
      expect(await store().getIncident('acme', inc.id)).toEqual(expected);
      expect(await store().getIncident('other', inc.id)).toBeNull();
      expect(await store().updateIncident('acme', 'missing', {}, entry)).toBeNull();
    });

    it('returns the incidents of a target overlapping a window', async () => {
      const day = 86_400_000;
      const before = incident({ openedAt: T0 - 2 * day, resolvedAt: T0 - day, status: 'resolved' });
      const straddles = incident({ openedAt: T0 - day / 2, resolvedAt: T0 + day / 2, status: 'resolved' });
      const inside = incident({ openedAt: T0 + day, resolvedAt: T0 + day + 60_000, status: 'resolved' });
      const stillOpen = incident({ openedAt: T0 + 2 * day, status: 'open' });
      const after = incident({ openedAt: T0 + 10 * day, status: 'open' });
      const otherTarget = incident({ targetId: 'target-2', openedAt: T0 + day });
      const otherTenant = incident({ tenant: 'other', openedAt: T0 + day });
      for (const i of [before, straddles, inside, stillOpen, after, otherTarget, otherTenant]) await store().upsertIncident(i);
      const got = await store().incidentsInWindow('acme', 'target-1', T0, T0 + 3 * day);
      expect(got.map((i) => i.id)).toEqual([straddles.id, inside.id, stillOpen.id]);
      expect(await store().incidentsInWindow('nobody', 'target-1', T0, T0 + 3 * day)).toEqual([]);
    });
  });

  describe('incident spans', () => {
    it('returns every target\'s incidents overlapping a window, without timelines, oldest first', async () => {
      const day = 86_400_000;
      const tenant = `spans-${T0}-${Math.random().toString(36).slice(2, 8)}`;
      const before = incident({ tenant, openedAt: T0 - 2 * day, resolvedAt: T0 - day, status: 'resolved' });
      const straddles = incident({ tenant, targetId: 'target-2', openedAt: T0 - day / 2, resolvedAt: T0 + day / 2, status: 'resolved' });
      const open = incident({ tenant, openedAt: T0 + day, status: 'open' });
      const otherTenant = incident({ tenant: `${tenant}-x`, openedAt: T0 + day });
      for (const i of [before, straddles, open, otherTenant]) await store().upsertIncident(i);
      const got = await store().incidentSpans(tenant, T0, T0 + 3 * day);
      expect(got.map((i) => i.id)).toEqual([straddles.id, open.id]);
      expect(got[0]).toEqual({ id: straddles.id, targetId: 'target-2', ruleId: straddles.ruleId, status: 'resolved', severity: straddles.severity, title: straddles.title, openedAt: straddles.openedAt, resolvedAt: straddles.resolvedAt });
      expect(got[1]).not.toHaveProperty('resolvedAt');
      expect(got[1]).not.toHaveProperty('timeline');
    });
  });

  describe('notifications', () => {
    it('claims a notification once; records attempts; lists within the tenant', async () => {
      const rec = notification();
      expect(await store().claimNotification(rec)).toBe(true);
      expect(await store().claimNotification(rec)).toBe(false);
      expect(await store().claimNotification({ ...rec, tenant: 'other' })).toBe(false);
      await store().recordNotificationAttempt(rec.key, { at: T0 + 1, ok: false, status: 502, error: 'bad gateway', durationMs: 30 }, 'pending');
      await store().recordNotificationAttempt(rec.key, { at: T0 + 2, ok: true, status: 200, durationMs: 20 }, 'sent');
      const list = await store().listNotifications('acme', 'inc-1');
      expect(list).toHaveLength(1);
      expect(list[0]?.status).toBe('sent');
      expect(list[0]?.attempts.map((a) => a.ok)).toEqual([false, true]);
      expect(list[0]?.updatedAt).toBe(T0 + 2);
      expect(await store().listNotifications('other', 'inc-1')).toEqual([]);
      await store().recordNotificationAttempt('no-such-key', { at: T0, ok: true, durationMs: 1 }, 'sent');
      const second = notification({ key: 'inc-1:2:chan-1', transition: 'resolved', createdAt: T0 + 10 });
      expect(await store().claimNotification(second)).toBe(true);
      expect((await store().listNotifications('acme', 'inc-1')).map((n) => n.key)).toEqual([rec.key, second.key]);
    });
  });

  describe('pending notification claims', () => {
    const notice = { key: 'k', transition: 'opened', incident: { id: 'inc-1' }, incidents: [], labels: { a: '1' }, annotations: {}, links: { incident: '' }, at: T0 } as unknown as NotificationRecord['notice'];

    it('lists the claims of a partition still pending below an epoch, every tenant, by key, page by page', async () => {
      const a = notification({ key: 'a:1:c', partition: 3, epoch: 1, notice });
      const b = notification({ key: 'b:1:c', tenant: 'other', incidentId: 'inc-2', partition: 3, epoch: 2 });
      const current = notification({ key: 'c:1:c', partition: 3, epoch: 3 });
      const sent = notification({ key: 'd:1:c', partition: 3, status: 'sent' });
      const muted = notification({ key: 'e:1:c', partition: 3, status: 'suppressed' });
      const elsewhere = notification({ key: 'f:1:c', partition: 4 });
      const unplaced = notification({ key: 'g:1:c' });
      for (const r of [current, b, sent, a, muted, elsewhere, unplaced]) expect(await store().claimNotification(r)).toBe(true);
      expect(await store().pendingNotifications(3, 3, 10)).toEqual([a, b]);
      expect(await store().pendingNotifications(3, 2, 10)).toEqual([a]);
      expect(await store().pendingNotifications(3, 3, 1)).toEqual([a]);
      expect(await store().pendingNotifications(3, 3, 10, a.key)).toEqual([b]);
      expect(await store().pendingNotifications(4, 9, 10)).toEqual([elsewhere]);
      expect(await store().pendingNotifications(5, 9, 10)).toEqual([]);
      // Sent meanwhile: no longer owed.
      await store().recordNotificationAttempt(a.key, { at: T0 + 1, ok: true, status: 200, durationMs: 5 }, 'sent');
      expect((await store().pendingNotifications(3, 3, 10)).map((r) => r.key)).toEqual([b.key]);
    });

    it('takes a claim over only as it was read and for a higher epoch: of owners racing for it, one gets it', async () => {
      const rec = notification({ partition: 3, epoch: 1, notice });
      await store().claimNotification(rec);
      expect(await store().takeOverNotification(rec, 1)).toBe(false);
      expect(await store().takeOverNotification({ ...rec, tenant: 'other' }, 2)).toBe(false);
      expect(await store().takeOverNotification({ ...rec, key: 'no-such-key' }, 2)).toBe(false);
      expect(await store().takeOverNotification(rec, 2)).toBe(true);
      // Read before the take-over: its epoch is no longer the stored one.
      expect(await store().takeOverNotification(rec, 3)).toBe(false);
      const [taken] = await store().pendingNotifications(3, 9, 10);
      expect(taken).toEqual({ ...rec, epoch: 2 });
      expect(await store().pendingNotifications(3, 2, 10)).toEqual([]);
      const wins = await Promise.all([store().takeOverNotification(taken!, 3), store().takeOverNotification(taken!, 4)]);
      expect(wins.filter(Boolean)).toHaveLength(1);
      // An attempt recorded after the read (its holder is still at work), or a claim no longer pending: refused.
      const [now] = await store().pendingNotifications(3, 9, 10);
      await store().recordNotificationAttempt(rec.key, { at: T0 + 1, ok: false, status: 502, durationMs: 5 }, 'pending');
      expect(await store().takeOverNotification(now!, 7)).toBe(false);
      const [again] = await store().pendingNotifications(3, 9, 10);
      await store().recordNotificationAttempt(rec.key, { at: T0 + 2, ok: true, status: 200, durationMs: 5 }, 'sent');
      expect(await store().takeOverNotification({ ...again!, status: 'pending' }, 8)).toBe(false);
      expect((await store().listNotifications('acme', 'inc-1'))[0]).toMatchObject({ status: 'sent', epoch: now!.epoch, notice });
    });

    it('marks a request started only for the pending claim\'s own epoch; a marked claim is taken over only as marked, and recording the attempt clears the mark', async () => {
      const rec = notification({ partition: 3, epoch: 1, notice });
      await store().claimNotification(rec);
      expect(await store().startNotificationAttempt(rec.key, 2, T0 + 1)).toBe(false);
      expect(await store().startNotificationAttempt('no-such-key', 1, T0 + 1)).toBe(false);
      expect(await store().startNotificationAttempt(rec.key, 1, T0 + 1)).toBe(true);
      const [marked] = await store().pendingNotifications(3, 9, 10);
      expect(marked).toMatchObject({ sendingSince: T0 + 1, epoch: 1 });
      // Read before the request started: a request may be out, so the take-over is refused.
      expect(await store().takeOverNotification(rec, 2)).toBe(false);
      await store().recordNotificationAttempt(rec.key, { at: T0 + 2, ok: false, status: 502, durationMs: 5 }, 'pending');
      const [ended] = await store().pendingNotifications(3, 9, 10);
      expect(ended?.sendingSince).toBeUndefined();
      // Read while the request was out: refused too (an attempt was recorded since).
      expect(await store().takeOverNotification(marked!, 2)).toBe(false);
      expect(await store().takeOverNotification(ended!, 2)).toBe(true);
      // The earlier holder, taken over, may start no request; the new one may.
      expect(await store().startNotificationAttempt(rec.key, 1, T0 + 3)).toBe(false);
      expect(await store().startNotificationAttempt(rec.key, 2, T0 + 3)).toBe(true);
      await store().recordNotificationAttempt(rec.key, { at: T0 + 4, ok: true, status: 200, durationMs: 5 }, 'sent');
      expect(await store().startNotificationAttempt(rec.key, 2, T0 + 5)).toBe(false);
      const [done] = await store().listNotifications('acme', 'inc-1');
      expect(done).toMatchObject({ status: 'sent', epoch: 2 });
      expect(done?.sendingSince).toBeUndefined();
    });
  });

  describe('snapshots', () => {
    it('saves and loads by partition, replacing per (tenant, target), ignoring older epochs', async () => {
      const a = snapshot();
      const b = snapshot({ targetId: 'target-2' });
      const c = snapshot({ tenant: 'other', partition: 4 });
      await store().saveSnapshots([a, b, c]);
      expect(await store().loadSnapshots(3)).toEqual([a, b]);
      expect(await store().loadSnapshots(4)).toEqual([c]);
      expect(await store().loadSnapshots(5)).toEqual([]);
      const newer = { ...a, appliedId: '1700000000001-0:0', epoch: 2 };
      const stale = { ...b, appliedId: '0-0:0', epoch: 0 };
      await store().saveSnapshots([newer, stale]);
      expect(await store().loadSnapshots(3)).toEqual([newer, b]);
      const moved = { ...newer, partition: 9, epoch: 3 };
      await store().saveSnapshots([moved]);
      expect(await store().loadSnapshots(9)).toEqual([moved]);
      expect(await store().loadSnapshots(3)).toEqual([b]);
      await store().saveSnapshots([]);
    });
  });
}
