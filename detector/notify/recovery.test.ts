// Claims left pending by a sender that lost its partition (or died) between claim and send: the partition's
// next holder sends them, once, on the manual clock — at once when no request of the earlier holder can be out,
// after the grace period when one may be (marked out in the store) — and an incident's later notices wait for
// them, so a resolution never goes out before the opened notice it follows. Real SQLite and a real HTTP receiver.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import pino from 'pino';
import { Registry } from 'prom-client';
import { createSqliteStore } from '../../lib/store/sqlite/store.js';
import type { Store } from '../../lib/store/port.js';
import type { Channel, Incident, NotificationRecord } from '../../lib/store/types.js';
import { createManualClock, type ManualClock } from '../../lib/time/manual-clock.js';
import type { NotifyEffect } from '../machines/effects.js';
import { startReceiver, TENANT, until, webhookChannel, type Receiver } from '../testing/harness.js';
import { createNotifier, type Notifier, type NotifierOptions } from './notifier.js';

const GRACE = 5_000;
const P = 2;
const incident: Incident = { id: 'inc1', tenant: TENANT, targetId: 'tg-web', ruleId: 'cpu', status: 'open', severity: 'critical', title: 'cpu on web', openedAt: 1000, reopenCount: 0, epoch: 0, timeline: [{ at: 1000, type: 'opened', message: 'x' }], updatedAt: 1000 };
const effect = (over: Partial<NotifyEffect> = {}): NotifyEffect => ({ type: 'notify', incident, transition: 'opened', transitionSeq: '1', targetName: 'web', channels: [], suppressedBy: null, ...over });
const KEY = 'inc1:1:ch-hook';

/** A promise and its resolver: holds a fence answer until the test lets it go. */
function gate<T>(): { promise: Promise<T>; open(v: T): void } {
  let open!: (v: T) => void;
  const promise = new Promise<T>((r) => (open = r));
  return { promise, open };
}

describe('unsent claims recovered by the partition\'s next holder', () => {
  let store: Store;
  let rx: Receiver;
  let clock: ManualClock;
  let channels: Channel[];
  const notifiers: Notifier[] = [];

  const make = (fence: NotifierOptions['fence']): Notifier => {
    const n = createNotifier({
      store,
      channelsFor: (_t, named) => channels.filter((c) => (named.length ? named.includes(c.id) : c.isDefault)),
      fence,
      clock,
      logger: pino({ level: 'silent' }),
      registry: new Registry(),
      telegramApiBaseUrl: 'http://127.0.0.1:9',
      publicBaseUrl: '',
      backoffMs: 10,
      timeoutMs: 1_000,
      recoveryGraceMs: GRACE,
    });
    notifiers.push(n);
    return n;
  };
  const record = async (): Promise<NotificationRecord | undefined> => (await store.listNotifications(TENANT, 'inc1')).find((r) => r.key === KEY);
  /** Scans and sends run on promises (store, HTTP): lets them run before looking. */
  const idle = async (): Promise<void> => {
    for (let i = 0; i < 5; i++) await new Promise((r) => setTimeout(r, 20));
  };
  const settled = async (): Promise<void> => {
    await idle();
    await until(() => notifiers.every((n) => n.inflight === 0), 5_000, 'sends finished');
    await idle();
  };
  /** A claim of epoch 1 whose sender found the lease gone at its first attempt, as when Redis died mid-send. */
  const strandedClaim = async (): Promise<Notifier> => {
    let checks = 0;
    // The dispatch's lease check passes, the attempt's does not.
    const first = make(async (_p, e) => e === 1 && ++checks === 1);
    first.acquired(P, 1);
    await first.dispatch(effect(), P, 1);
    await settled();
    expect(await record()).toMatchObject({ status: 'pending', epoch: 1, partition: P, attempts: [] });
    return first;
  };

  beforeEach(async () => {
    store = await createSqliteStore({ path: ':memory:' });
    rx = await startReceiver();
    clock = createManualClock(1_000_000);
    channels = [webhookChannel(rx.url)];
  });
  afterEach(async () => {
    for (const n of notifiers.splice(0)) await n.close(100);
    await rx.close();
    await store.close();
  });

  it('the same process re-taking its partition under a newer epoch sends its own stranded claim at once, once', async () => {
    let epoch = 1;
    let checks = 0;
    const n = make(async (_p, e) => e === epoch && (e > 1 || ++checks === 1));
    n.acquired(P, 1);
    await n.dispatch(effect(), P, 1);
    await settled();
    expect(rx.received).toEqual([]);
    expect(await record()).toMatchObject({ status: 'pending', epoch: 1 });

    epoch = 2;
    n.left(P);
    n.acquired(P, 2);
    await until(() => rx.received.length === 1, 5_000, 'the stranded notice sent');
    await settled();
    expect(rx.received.map((r) => r.key)).toEqual([KEY]);
    // Sent under the epoch that took it over, body and record alike.
    expect((rx.received[0]!.body.incident as { epoch: number }).epoch).toBe(2);
    expect(await record()).toMatchObject({ status: 'sent', epoch: 2 });
    // Later passes find nothing owed.
    for (let i = 0; i < 3; i++) {
      clock.advance(GRACE);
      await settled();
    }
    expect(rx.received).toHaveLength(1);
  });

  it('an attempt that stops at the lease check after the partition is ours again hands its claim over then', async () => {
    let epoch = 1;
    let checks = 0;
    const held = gate<boolean>();
    // The attempt's lease check (the second for epoch 1) hangs, as while Redis is down, until the test answers it.
    const n = make(async (_p, e) => (e === 1 ? (++checks === 1 ? true : held.promise) : e === epoch));
    n.acquired(P, 1);
    await n.dispatch(effect(), P, 1);
    await until(() => checks === 2, 5_000, 'the attempt waiting on the lease check');
    epoch = 2;
    n.left(P);
    n.acquired(P, 2);
    await idle();
    // Not taken from under our own attempt still running.
    expect(rx.received).toEqual([]);
    expect(await record()).toMatchObject({ status: 'pending', epoch: 1 });
    held.open(false);
    await until(() => rx.received.length === 1, 5_000, 'the claim handed over when the attempt stopped');
    await settled();
    expect(await record()).toMatchObject({ status: 'sent', epoch: 2 });
    expect(rx.received).toHaveLength(1);
  });

  it('another holder\'s stranded claim with no request out is sent by the new holder at once, once, and a sent claim never again', async () => {
    const first = await strandedClaim();
    await first.close(100);
    const sentKey = 'inc1:0:ch-hook';
    await store.claimNotification({ key: sentKey, tenant: TENANT, incidentId: 'inc1', channelId: 'ch-hook', transition: 'resolved', status: 'sent', attempts: [{ at: 1, ok: true, status: 200, durationMs: 1 }], epoch: 1, partition: P, createdAt: 1, updatedAt: 1 });

    const second = make(async (p, e) => p === P && e === 2);
    second.acquired(P, 2);
    // Its holder stopped at the lease check, before marking a request out: nothing of it can be in flight.
    await until(() => rx.received.length === 1, 5_000, 'the stranded notice sent');
    for (let i = 0; i < 3; i++) {
      clock.advance(GRACE);
      await settled();
    }
    expect(rx.received.map((r) => r.key)).toEqual([KEY]);
    expect(await record()).toMatchObject({ status: 'sent', epoch: 2 });
    expect((await store.listNotifications(TENANT, 'inc1')).find((r) => r.key === sentKey)).toMatchObject({ status: 'sent', epoch: 1 });
  });

  it('the resolution waits for the opened notice an earlier holder stranded, which goes first and at once', async () => {
    const first = await strandedClaim();
    await first.close(100);
    const second = make(async (p, e) => p === P && e === 2);
    second.acquired(P, 2);
    // The new holder replays the incident's resolution right away, before any grace period.
    await second.dispatch(effect({ transition: 'resolved', transitionSeq: '2', incident: { ...incident, status: 'resolved' } }), P, 2);
    await until(() => rx.received.length === 2, 5_000, 'both notices sent');
    await settled();
    expect(rx.received.map((r) => [r.key, r.transition])).toEqual([
      [KEY, 'opened'],
      ['inc1:2:ch-hook', 'resolved'],
    ]);
    expect(rx.received.map((r) => (r.body.incident as { epoch: number }).epoch)).toEqual([2, 2]);
  });

  it('a claim its holder marked a request out for waits the grace period from first sight, and the resolution waits behind it', async () => {
    const first = await strandedClaim();
    await first.close(100);
    // The first holder started a request and died with it out (or lost the lease mid-request).
    expect(await store.startNotificationAttempt(KEY, 1, clock.now())).toBe(true);
    const second = make(async (p, e) => p === P && e === 2);
    second.acquired(P, 2);
    await second.dispatch(effect({ transition: 'resolved', transitionSeq: '2', incident: { ...incident, status: 'resolved' } }), P, 2);
    // (The resolution's attempt stays in flight, held back: idle, not settled.)
    await idle();
    clock.advance(GRACE - 1);
    await idle();
    // That request could still be out: neither the claim nor the resolution behind it is sent yet.
    expect(rx.received).toEqual([]);
    clock.advance(1);
    await until(() => rx.received.length === 2, 5_000, 'both notices sent');
    await settled();
    expect(rx.received.map((r) => r.transition)).toEqual(['opened', 'resolved']);
    for (let i = 0; i < 3; i++) {
      clock.advance(GRACE);
      await settled();
    }
    expect(rx.received).toHaveLength(2);
  });

  it('a marked claim is taken over as soon as its holder records the request\'s end, not a grace period later', async () => {
    const first = await strandedClaim();
    await first.close(100);
    expect(await store.startNotificationAttempt(KEY, 1, clock.now())).toBe(true);
    const second = make(async (p, e) => p === P && e === 2);
    second.acquired(P, 2);
    await idle();
    // The first holder, alive, records the end of its request (the receiver answered 502), and stops there.
    await store.recordNotificationAttempt(KEY, { at: clock.now(), ok: false, status: 502, durationMs: 5 }, 'pending');
    clock.advance(999);
    await idle();
    expect(rx.received).toEqual([]);
    clock.advance(1);
    await until(() => rx.received.length === 1, 5_000, 'the claim sent once its request ended');
    await settled();
    expect(await record()).toMatchObject({ status: 'sent', epoch: 2 });
  });

  it('a holder whose lease check still passes sends nothing once a later holder took its claim over: the request mark is refused', async () => {
    let checks = 0;
    const held = gate<boolean>();
    // The dispatch's lease check passes; the attempt's hangs (a slow Redis) and then passes too: the first holder
    // does not know it lost the partition.
    const stale = make(async () => (++checks === 1 ? true : held.promise));
    stale.acquired(P, 1);
    await stale.dispatch(effect(), P, 1);
    await until(() => checks === 2, 5_000, 'the attempt waiting on the lease check');
    const current = make(async (p, e) => p === P && e === 2);
    current.acquired(P, 2);
    await until(() => rx.received.length === 1, 5_000, 'the claim sent by the new holder');
    held.open(true);
    await settled();
    for (let i = 0; i < 3; i++) {
      clock.advance(GRACE);
      await settled();
    }
    expect(rx.received.map((r) => (r.body.incident as { epoch: number }).epoch)).toEqual([2]);
    expect(await record()).toMatchObject({ status: 'sent', epoch: 2 });
  });

  it('a store that gives no answer to a request\'s mark delays the request rather than spending its retries, then sends it once', async () => {
    const real = store;
    let refusals = 0;
    // The store is unwritable for the first few marks (SQLITE_BUSY), as in a store outage.
    store = new Proxy(real, {
      get: (t, prop, recv) =>
        prop === 'startNotificationAttempt'
          ? async (...args: Parameters<Store['startNotificationAttempt']>) => {
              if (++refusals <= 6) throw new Error('SQLITE_BUSY: database is locked');
              return t.startNotificationAttempt(...args);
            }
          : Reflect.get(t, prop, recv),
    });
    try {
      const n = make(async () => true);
      n.acquired(P, 1);
      await n.dispatch(effect(), P, 1);
      await until(() => rx.received.length === 1, 10_000, 'the notice sent once the store answers');
      await settled();
      expect(refusals).toBe(7);
      expect(rx.received.map((r) => r.key)).toEqual([KEY]);
      expect(await record()).toMatchObject({ status: 'sent', attempts: [{ ok: true }] });
    } finally {
      store = real;
    }
  });

  it('stranded claims of one incident are sent in transition order, not key order (9 before 10)', async () => {
    let checks = 0;
    // The claims' lease check passes (one for the batch), the attempts' do not.
    const first = make(async (_p, e) => e === 1 && ++checks === 1);
    first.acquired(P, 1);
    await first.dispatchMany([
      { n: effect({ transition: 'reopened', transitionSeq: '9' }), partition: P, epoch: 1 },
      { n: effect({ transition: 'resolved', transitionSeq: '10', incident: { ...incident, status: 'resolved' } }), partition: P, epoch: 1 },
    ]);
    await settled();
    expect((await store.listNotifications(TENANT, 'inc1')).map((r) => [r.key, r.status, r.epoch])).toEqual([
      ['inc1:10:ch-hook', 'pending', 1],
      ['inc1:9:ch-hook', 'pending', 1],
    ]);
    await first.close(100);
    const second = make(async (p, e) => p === P && e === 2);
    second.acquired(P, 2);
    await until(() => rx.received.length === 2, 5_000, 'both notices sent');
    expect(rx.received.map((r) => r.key)).toEqual(['inc1:9:ch-hook', 'inc1:10:ch-hook']);
  });

  it('two holders looking at the same moment, both passing their lease checks, send a stranded claim once: the take-over is conditional', async () => {
    const first = await strandedClaim();
    await first.close(100);
    // A holder whose lease is running out (epoch 2, its checks still passing) and the next one (epoch 3).
    const stale = make(async (p, e) => p === P && e === 2);
    const current = make(async (p, e) => p === P && e === 3);
    stale.acquired(P, 2);
    current.acquired(P, 3);
    clock.advance(GRACE);
    await until(() => rx.received.length >= 1, 5_000, 'the stranded notice sent');
    await settled();
    await stale.close(100);
    for (let i = 0; i < 3; i++) {
      clock.advance(GRACE);
      await settled();
    }
    expect(rx.received.map((r) => r.key)).toEqual([KEY]);
    expect(await record()).toMatchObject({ status: 'sent' });
  });

  it('stops looking once the partition is left or the notifier closed', async () => {
    const first = await strandedClaim();
    await first.close(100);
    const left = make(async () => true);
    left.acquired(P, 2);
    left.left(P);
    const closed = make(async () => true);
    closed.acquired(P, 3);
    await closed.close(100);
    for (let i = 0; i < 3; i++) {
      clock.advance(GRACE);
      await settled();
    }
    expect(rx.received).toEqual([]);
    expect(await record()).toMatchObject({ status: 'pending', epoch: 1 });
  });

  it('a claim whose channel was deleted meanwhile is recorded as failed, not retried forever', async () => {
    const first = await strandedClaim();
    await first.close(100);
    channels = [];
    const second = make(async () => true);
    second.acquired(P, 2);
    clock.advance(GRACE);
    await until(async () => (await record())?.status === 'failed', 5_000, 'the claim given up');
    expect((await record())?.attempts.map((a) => a.error)).toEqual(['channel ch-hook no longer exists']);
    expect(rx.received).toEqual([]);
  });
});
