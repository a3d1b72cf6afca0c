import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import pino from 'pino';
import { Registry } from 'prom-client';
import { createSqliteStore } from '../../lib/store/sqlite/store.js';
import type { Store } from '../../lib/store/port.js';
import type { Channel, Incident } from '../../lib/store/types.js';
import type { NotifyEffect } from '../machines/effects.js';
import { startReceiver, TENANT, until, webhookChannel, type Receiver } from '../testing/harness.js';
import { systemTimers } from '../../lib/time/clock.js';
import { createManualClock } from '../../lib/time/manual-clock.js';
import type { HttpDelivery } from '../../lib/channels/driver.js';
import { prepareDeliveries } from '../../lib/channels/render.js';
import { signatureOf } from '../../lib/channels/kinds/webhook.js';
import { noticeOf } from './message.js';
import { createNotifier, type Notifier } from './notifier.js';
import { createGuard, NOTIFY_NETWORKS } from '../../lib/net/guard.js';
import { parseNetworks, type Networks } from '../../lib/net/networks.js';

const incident: Incident = { id: 'inc1', tenant: TENANT, targetId: 'tg-web', ruleId: 'cpu', status: 'open', severity: 'critical', title: 'cpu on web: cpu 95 > 90', openedAt: 1000, reopenCount: 0, epoch: 3, timeline: [{ at: 1000, type: 'opened', message: 'x', evidence: ['ev1'] }], updatedAt: 1000 };
const effect = (over: Partial<NotifyEffect> = {}): NotifyEffect => ({ type: 'notify', incident, transition: 'opened', transitionSeq: '1', targetName: 'web', channels: [], suppressedBy: null, ...over });
const opts = { telegramApiBaseUrl: 'https://api.telegram.org', publicBaseUrl: 'https://lw.example' };

const buildRequest = async (n: NotifyEffect, ch: Channel, key: string, o: typeof opts): Promise<HttpDelivery> => (await prepareDeliveries(ch, noticeOf(n, key, 1000, o), o))[0] as HttpDelivery;

describe('notification messages', () => {
  it('webhook: JSON body with incident, target, transition, evidence, links, idempotency key, HMAC signature', async () => {
    const req = await buildRequest(effect(), webhookChannel('http://h'), 'inc1:1:ch-hook', opts);
    const body = JSON.parse(req.body);
    expect(body).toMatchObject({ idempotencyKey: 'inc1:1:ch-hook', transition: 'opened', target: { id: 'tg-web', name: 'web' }, evidence: ['ev1'], links: { incident: 'https://lw.example/api/incidents/inc1' } });
    expect(body.incident.id).toBe('inc1');
    expect(req.headers['x-lightwatch-signature']).toBe(signatureOf('s3cret', req.body));
    expect(req.url).toBe('http://h/hook');
  });

  it('telegram: sendMessage on the configured base URL; slack: text', async () => {
    const tg: Channel = { ...webhookChannel(''), id: 'tg', kind: 'telegram', config: { botToken: '123:abc', chatId: -42 } };
    const req = await buildRequest(effect(), tg, 'k', { ...opts, telegramApiBaseUrl: 'http://127.0.0.1:9/' });
    expect(req.url).toBe('http://127.0.0.1:9/bot123:abc/sendMessage');
    expect(JSON.parse(req.body)).toMatchObject({ chat_id: -42, text: '🔴 [OPENED] cpu on web: cpu 95 > 90\nseverity: critical · target: web · incident: inc1\nhttps://lw.example/api/incidents/inc1' });
    const slack: Channel = { ...webhookChannel(''), id: 'sl', kind: 'slack', config: { webhookUrl: 'http://s/x' } };
    expect(JSON.parse((await buildRequest(effect({ transition: 'resolved' }), slack, 'k', opts)).body).text).toContain('[RESOLVED]');
    await expect(buildRequest(effect(), { ...slack, config: {} }, 'k', opts)).rejects.toThrow(/webhookUrl/);
  });
});

describe('notifier against a local server and SQLite', () => {
  let store: Store;
  let rx: Receiver;
  let notifier: Notifier | undefined;
  let fenceOk = true;

  const make = (channels: Channel[], over: Partial<Parameters<typeof createNotifier>[0]> = {}): Notifier =>
    (notifier = createNotifier({
      store,
      channelsFor: (_t, named) => (named.length ? channels.filter((c) => named.includes(c.id)) : channels.filter((c) => c.isDefault)),
      fence: async () => fenceOk,
      clock: systemTimers,
      logger: pino({ level: 'silent' }),
      registry: new Registry(),
      backoffMs: 10,
      timeoutMs: 500,
      ...opts,
      ...over,
    }));

  beforeEach(async () => {
    store = await createSqliteStore({ path: ':memory:' });
    rx = await startReceiver();
    fenceOk = true;
  });
  afterEach(async () => {
    await notifier?.close(100);
    await rx.close();
    await store.close();
  });

  it('sends to every routed channel once, and a replay of the same transition sends nothing', async () => {
    const chans = [webhookChannel(rx.url), { ...webhookChannel(rx.url), id: 'ch-2' }];
    const n = make(chans);
    await n.dispatch(effect(), 0, 3);
    await n.dispatch(effect(), 0, 3);
    await n.close();
    expect(rx.received.map((r) => r.key).sort()).toEqual(['inc1:1:ch-2', 'inc1:1:ch-hook']);
    const recs = await store.listNotifications(TENANT, 'inc1');
    expect(recs.map((r) => r.status)).toEqual(['sent', 'sent']);
  });

  it('sends reminders only to channels with a repeat interval', async () => {
    const n = make([webhookChannel(rx.url), { ...webhookChannel(rx.url), id: 'ch-remind', repeatIntervalSec: 60 }]);
    await n.dispatch(effect({ transition: 'reminder', transitionSeq: '1.r1' }), 0, 3);
    await n.close();
    expect(rx.received.map((r) => r.key)).toEqual(['inc1:1.r1:ch-remind']);
  });

  it('records a muted notification as suppressed and sends nothing', async () => {
    const n = make([webhookChannel(rx.url)]);
    await n.dispatch(effect({ suppressedBy: 'silence:s1' }), 0, 3);
    await n.close();
    expect(rx.received).toEqual([]);
    expect((await store.listNotifications(TENANT, 'inc1')).map((r) => r.status)).toEqual(['suppressed']);
  });

  it('claims nothing and sends nothing once the lease is no longer ours', async () => {
    const n = make([webhookChannel(rx.url)]);
    fenceOk = false;
    await n.dispatch(effect(), 0, 3);
    await n.close();
    expect(rx.received).toEqual([]);
    expect(await store.listNotifications(TENANT, 'inc1')).toEqual([]);
  });

  it('an owner that loses its lease between claim and send stops sending', async () => {
    let checks = 0;
    const n = make([webhookChannel(rx.url)], { fence: async () => ++checks === 1 });
    await n.dispatch(effect(), 0, 3);
    await n.close();
    expect(rx.received).toEqual([]);
    expect((await store.listNotifications(TENANT, 'inc1')).map((r) => r.status)).toEqual(['pending']);
  });

  it('does not retry a 4xx, retries timeouts, and gives up after the retries', async () => {
    rx.respond = () => 404;
    const n = make([webhookChannel(rx.url)], { retries: 3 });
    await n.dispatch(effect(), 0, 3);
    await n.close();
    let [rec] = await store.listNotifications(TENANT, 'inc1');
    expect(rec).toMatchObject({ status: 'failed' });
    expect(rec!.attempts).toHaveLength(1);

    rx.respond = async () => {
      await new Promise((r) => setTimeout(r, 300));
      return 200;
    };
    const n2 = make([webhookChannel(rx.url)], { retries: 1, timeoutMs: 100 });
    await n2.dispatch(effect({ transitionSeq: '2' }), 0, 3);
    await n2.close(3_000);
    [rec] = (await store.listNotifications(TENANT, 'inc1')).filter((r) => r.key.startsWith('inc1:2:'));
    expect(rec).toMatchObject({ status: 'failed' });
    expect(rec!.attempts.map((a) => a.error)).toEqual(['timeout after 100 ms', 'timeout after 100 ms']);
  });

  describe('NOTIFY_ALLOWED_NETWORKS', () => {
    const guard = (cidrs: string) => createGuard(parseNetworks(cidrs) as Networks, NOTIFY_NETWORKS);

    it('delivers to a receiver inside the allowed networks', async () => {
      const n = make([webhookChannel(rx.url)], { guard: guard('127.0.0.0/8') });
      await n.dispatch(effect(), 0, 3);
      await n.close();
      expect(rx.received.map((r) => r.key)).toEqual(['inc1:1:ch-hook']);
      expect((await store.listNotifications(TENANT, 'inc1')).map((r) => r.status)).toEqual(['sent']);
    });

    it('refuses an address outside them, by IP or by a name resolving there: a failed delivery naming the variable, not retried, nothing sent', async () => {
      const named = { ...webhookChannel(rx.url.replace('127.0.0.1', 'localhost')), id: 'ch-named' };
      const n = make([webhookChannel(rx.url), named], { guard: guard('10.0.0.0/8'), retries: 3 });
      await n.dispatch(effect(), 0, 3);
      await n.close();
      expect(rx.received).toEqual([]);
      const recs = await store.listNotifications(TENANT, 'inc1');
      const byKey = new Map(recs.map((r) => [r.key, r]));
      expect(byKey.get('inc1:1:ch-hook')).toMatchObject({ status: 'failed' });
      expect(byKey.get('inc1:1:ch-hook')!.attempts.map((a) => a.error)).toEqual(['address 127.0.0.1 is outside NOTIFY_ALLOWED_NETWORKS']);
      expect(byKey.get('inc1:1:ch-named')).toMatchObject({ status: 'failed' });
      expect(byKey.get('inc1:1:ch-named')!.attempts.map((a) => a.error)).toEqual([expect.stringMatching(/^address (127\.0\.0\.1|::1) of localhost is outside NOTIFY_ALLOWED_NETWORKS$/)]);
    });
  });

  it('sends a burst within the channel\'s rate limit at once (spacing beyond it is the limiter\'s, tested above)', async () => {
    // On a clock that never moves: a send the limiter held back would wait for ever (the test's timeout).
    const n = make([{ ...webhookChannel(rx.url), rateLimitPerMin: 120 }], { clock: createManualClock(Date.now()) });
    for (let i = 1; i <= 4; i++) await n.dispatch(effect({ transitionSeq: String(i) }), 0, 3);
    await n.close(5_000);
    // a burst of 120/min is allowed at once; the limiter spaces only beyond the burst
    expect(rx.received).toHaveLength(4);
  });

  it('marks a channel failing after 3 undelivered notifications in a row, on the channel and in /metrics, until one gets through', async () => {
    const registry = new Registry();
    const ch = await store.channels.create(webhookChannel(rx.url));
    rx.respond = () => 410;
    const n = make([ch], { registry });
    for (let i = 1; i <= 3; i++) await n.dispatch(effect({ transitionSeq: String(i) }), 0, 3);
    await until(async () => (await store.channels.get(TENANT, ch.id))?.health?.failing === true);
    expect((await store.channels.get(TENANT, ch.id))?.health).toMatchObject({ failing: true, consecutiveFailures: 3, lastError: 'HTTP 410: {}' });
    expect(await registry.getSingleMetricAsString('lightwatch_channel_failing')).toContain(`channel="${ch.id}",kind="webhook"} 1`);
    rx.respond = () => 200;
    await n.dispatch(effect({ transitionSeq: '4' }), 0, 3);
    await until(async () => (await store.channels.get(TENANT, ch.id))?.health?.failing === false);
    expect(await registry.getSingleMetricAsString('lightwatch_channel_failing')).toContain(`channel="${ch.id}",kind="webhook"} 0`);
  });

  it('delivers to Telegram and Slack endpoints (local servers standing in)', async () => {
    const tg: Channel = { ...webhookChannel(''), id: 'tg', kind: 'telegram', config: { botToken: '1:x', chatId: 7 } };
    const sl: Channel = { ...webhookChannel(''), id: 'sl', kind: 'slack', config: { webhookUrl: `${rx.url}/slack` } };
    const n = make([tg, sl], { telegramApiBaseUrl: rx.url });
    await n.dispatch(effect(), 0, 3);
    await n.close();
    const urls = rx.received.map((r) => r.headers['x-lightwatch-idempotency-key']).sort();
    expect(urls).toEqual(['inc1:1:sl', 'inc1:1:tg']);
    expect(rx.received.map((r) => (r.body as { text?: string }).text).every((t) => t?.includes('cpu on web'))).toBe(true);
  });
});
