import { describe, expect, it } from 'vitest';
import { createHmac } from 'node:crypto';
import { freePort } from '../lib/redis/local-server.js';
import { streamEntries } from '../test/support/stream-entries.js';
import { CHECK_SETTINGS } from '../lib/api/check-settings.js';
import type { Store } from '../lib/store/port.js';
import { encodeBatch, eventsOfEntry, FIELD_CONFIG_CHANGED, FIELD_EVENTS, FIELD_METRIC_BATCH, FIELD_METRIC_BATCH_BASE64, FIELD_TENANT } from '../lib/streams/codec.js';
import type { BatchSeries } from '../lib/tsdb/batch.js';
import { encodeMetricBatch, encodeMetricBatchBytes } from '../lib/tsdb/batch-codec.js';
import { GROUP_DETECT, partitionOf } from '../lib/streams/partition.js';
import { configChannel, createConfigPublisher, subscribeConfigChanges, type ConfigChange } from '../lib/streams/config-changes.js';
import { checkResult, makeRule, makeTarget, metricValue, ping, publish, seed, startReceiver, testDetector, TENANT, until, webhookChannel } from './testing/harness.js';
import { detectorTestbed } from './testing/testbed.js';

describe('detector against real Redis and SQLite', () => {
  const bed = detectorTestbed('det', 4);

  it('a missed heartbeat opens an incident, notifies a signed webhook once, and a ping resolves it', async () => {
    await seed(bed.store, { channels: [webhookChannel(bed.receiver.url)], targets: [makeTarget('backup', { kind: 'heartbeat', heartbeat: { intervalSec: 2, graceSec: 0 } })] });
    const d = testDetector(bed.streams, bed.store, bed.names, 'solo');
    bed.detectors.push(d);
    await d.start();
    await until(() => d.ownedPartitions().length === 4, 5_000, 'all partitions owned');
    const first = ping('backup');
    await publish(bed.redis, bed.names, [first]);
    await until(() => bed.receiver.received.length >= 1, 8_000, 'opened webhook');
    const opened = bed.receiver.received[0]!;
    expect(opened.transition).toBe('opened');
    // missed exactly one interval after the ping
    expect((opened.body.incident as { openedAt: number }).openedAt).toBe(first.receivedAt + 2_000);
    expect(opened.body.target).toMatchObject({ id: 'tg-backup', name: 'backup' });
    const raw = JSON.stringify(opened.body);
    expect(opened.headers['x-lightwatch-signature']).toBe(`sha256=${createHmac('sha256', 's3cret').update(raw).digest('hex')}`);
    expect(opened.key).toBe(`${opened.incidentId}:1:ch-hook`);

    await publish(bed.redis, bed.names, [ping('backup')]);
    await until(() => bed.receiver.received.length >= 2, 5_000, 'resolved webhook');
    expect(bed.receiver.received.map((r) => r.transition).slice(0, 2)).toEqual(['opened', 'resolved']);
    const inc = await bed.store.getIncident('acme', opened.incidentId);
    expect(inc).toMatchObject({ status: 'resolved', targetId: 'tg-backup', ruleId: 'builtin:heartbeat' });
    expect(inc!.epoch).toBeGreaterThan(0);
    // The webhook names the fencing epoch it was sent under, the same as the stored incident's.
    expect((opened.body.incident as { epoch: number }).epoch).toBe(inc!.epoch);
    // The receiver answers before the notifier records the attempt: wait for the record, then check it.
    await until(async () => (await bed.store.listNotifications('acme', opened.incidentId)).filter((n) => n.status === 'sent').length >= 2, 5_000, 'both notices recorded as sent');
    const notes = await bed.store.listNotifications('acme', opened.incidentId);
    expect(notes.map((n) => n.status).sort()).toEqual(['sent', 'sent']);

    // realtime sees the transitions on the incidents stream
    const entries = (await bed.redis.xrange(bed.names.incidents(), '-', '+')) as Array<[string, string[]]>;
    const transitions = entries.flatMap(([, f]) => eventsOfEntry(f)).map((e) => (e.kind === 'incident' ? e.body.transition : e.kind));
    expect(transitions.slice(0, 2)).toEqual(['opened', 'resolved']);
  });

  it('a heartbeat target created while running is watched from the next configuration refresh', async () => {
    await seed(bed.store, { channels: [webhookChannel(bed.receiver.url)] });
    const d = testDetector(bed.streams, bed.store, bed.names, 'solo');
    bed.detectors.push(d);
    await d.start();
    await until(() => d.ownedPartitions().length === 4, 5_000);
    const created = Date.now();
    await bed.store.targets.create(makeTarget('nightly', { kind: 'heartbeat', heartbeat: { intervalSec: 1, graceSec: 0 } }));
    // never pings: down one interval after the detector started watching it
    await until(() => bed.receiver.received.length === 1, 5_000, 'missed heartbeat of the new target');
    expect(bed.receiver.received[0]).toMatchObject({ transition: 'opened' });
    expect(bed.receiver.received[0]!.at - created).toBeGreaterThanOrEqual(1_000);
  });

  it('a rule created while running is read and applied on its change notice, long before the periodic reload', async () => {
    await seed(bed.store, { channels: [webhookChannel(bed.receiver.url)], targets: [makeTarget('db')] });
    const d = testDetector(bed.streams, bed.store, bed.names, 'solo', { configRefreshMs: 3_600_000 });
    bed.detectors.push(d);
    await d.start();
    await until(() => d.ownedPartitions().length === 4, 5_000);
    const notices: ConfigChange[] = [];
    const unsubscribe = await subscribeConfigChanges(bed.streams.notifications, configChannel(bed.names.prefix), (c) => notices.push(c));
    try {
      await bed.store.rules.create(makeRule('fatal', 'log_pattern', { pattern: 'fatal', count: 1, windowSec: 3600 }));
      await createConfigPublisher(bed.streams.notifications, configChannel(bed.names.prefix), (err) => {
        throw err;
      })({ tenant: 'acme', resource: 'rules', id: 'fatal' });
      await until(() => notices.length === 1, 2_000, 'the notice on the port');
      expect(notices).toEqual([{ tenant: 'acme', resource: 'rules', id: 'fatal' }]);
      // The notice's rule is read and applied before this log is read (the periodic reload is an hour away), alone:
      // no full reload beyond the one at start.
      await until(async () => (await metricValue(d.registry, 'lightwatch_detector_config_notices_total')) >= 1, 2_000, 'the notice applied');
      expect(await metricValue(d.registry, 'lightwatch_detector_config_reloads_total')).toBe(1);
      await publish(bed.redis, bed.names, [{ ...ping('db'), kind: 'log', body: { level: 'fatal', message: 'fatal: disk', fields: {}, format: 'plain' } }]);
      await until(() => bed.receiver.received.some((r) => r.transition === 'opened'), 5_000, 'the new rule opened an incident');
    } finally {
      await unsubscribe();
    }
  });

  it('retries a webhook answering 500 and records every attempt', async () => {
    await seed(bed.store, { channels: [webhookChannel(bed.receiver.url)], targets: [makeTarget('svc')], rules: [makeRule('hb-fail', 'log_pattern', { pattern: 'boom', count: 1 })] });
    bed.receiver.respond = (_r, n) => (n < 2 ? 500 : 200);
    const d = testDetector(bed.streams, bed.store, bed.names, 'solo');
    bed.detectors.push(d);
    await d.start();
    await until(() => d.ownedPartitions().length === 4, 5_000);
    await publish(bed.redis, bed.names, [{ ...ping('svc'), kind: 'log', body: { level: 'error', message: 'boom', fields: {}, format: 'plain' } }]);
    await until(() => bed.receiver.received.length === 1, 5_000, 'delivery after retries');
    await until(async () => (await bed.store.listNotifications('acme', bed.receiver.received[0]!.incidentId))[0]?.status === 'sent', 2_000);
    const [rec] = await bed.store.listNotifications('acme', bed.receiver.received[0]!.incidentId);
    expect(rec!.attempts.map((a) => a.status)).toEqual([500, 500, 200]);
  });

  it('runs HTTP checks against a server that goes up, down and slow, and writes results back as events', async () => {
    const site = await startReceiver();
    let mode: 'up' | 'down' | 'slow' = 'up';
    site.respond = async () => {
      if (mode === 'slow') await new Promise((r) => setTimeout(r, 2_500));
      return mode === 'down' ? 503 : 200;
    };
    try {
      // A generous timeout so a loaded machine does not fail the 'up' checks; 'slow' is far beyond it.
      const http = { url: `${site.url}/health`, intervalSec: 0.2, timeoutMs: 1_000, retries: 1, retryBackoffMs: 20 };
      await seed(bed.store, { channels: [webhookChannel(bed.receiver.url)], targets: [makeTarget('site', { kind: 'http', http })] });
      const d = testDetector(bed.streams, bed.store, bed.names, 'solo');
      bed.detectors.push(d);
      await d.start();
      await until(() => d.ownedPartitions().length === 4, 5_000);
      await new Promise((r) => setTimeout(r, 800));
      expect(bed.receiver.received).toEqual([]);
      mode = 'down';
      await until(() => bed.receiver.received.some((r) => r.transition === 'opened'), 5_000, 'down detected');
      mode = 'up';
      await until(() => bed.receiver.received.some((r) => r.transition === 'resolved'), 5_000, 'recovery detected');
      mode = 'slow';
      await until(() => bed.receiver.received.filter((r) => r.transition === 'reopened' || r.transition === 'opened').length === 2, 10_000, 'timeouts detected');
      const stream = (await Promise.all([0, 1, 2, 3].map((p) => streamEntries(bed.redis, bed.names.events(p))))).flat();
      const checks = stream.flatMap(([, f]) => eventsOfEntry(f)).filter((e) => e.kind === 'check');
      expect(checks.some((e) => e.kind === 'check' && e.body.ok && e.body.status === 200)).toBe(true);
      expect(checks.some((e) => e.kind === 'check' && !e.body.ok && e.body.status === 503 && e.body.attempts === 2)).toBe(true);
      expect(checks.some((e) => e.kind === 'check' && !e.body.ok && /timeout/.test(e.body.error ?? ''))).toBe(true);
    } finally {
      await site.close();
    }
  });

  it('acknowledges, undecoded, the entries of a tenant with no target and no rule, and still applies the others', async () => {
    await seed(bed.store, { channels: [webhookChannel(bed.receiver.url)], targets: [makeTarget('db')], rules: [makeRule('err', 'log_pattern', { pattern: 'fatal', count: 1, windowSec: 3600 })] });
    const d = testDetector(bed.streams, bed.store, bed.names, 'solo');
    bed.detectors.push(d);
    await d.start();
    await until(() => d.ownedPartitions().length === 4, 5_000);
    // Not JSON: decoded, each would be logged as unreadable; passed over, each is counted and acknowledged.
    for (let p = 0; p < 4; p++) await bed.redis.xadd(bed.names.events(p), '*', FIELD_EVENTS, 'not json', FIELD_TENANT, 'nobody');
    await publish(bed.redis, bed.names, [{ ...ping('db'), kind: 'log', body: { level: 'fatal', message: 'fatal: disk', fields: {}, format: 'plain' } }]);
    await until(() => bed.receiver.received.some((r) => r.transition === 'opened'), 5_000, 'the watched tenant\'s incident');
    expect(await metricValue(d.registry, 'lightwatch_detector_entries_passed_over_total')).toBe(4);
    const pending = async (): Promise<number> => {
      let n = 0;
      for (let p = 0; p < 4; p++) n += ((await bed.redis.xpending(bed.names.events(p), GROUP_DETECT)) as [number])[0];
      return n;
    };
    await until(async () => (await pending()) === 0, 5_000, 'every entry acknowledged');
  });

  it("reads a metric batch series by series: samples of targets nothing watches never become events, a watched one's drive its rule", async () => {
    await seed(bed.store, { channels: [webhookChannel(bed.receiver.url)], targets: [makeTarget('db')], rules: [makeRule('cpu-high', 'threshold', { metric: 'cpu', op: '>', value: 90 }, { targetId: 'tg-db' })] });
    const d = testDetector(bed.streams, bed.store, bed.names, 'solo');
    bed.detectors.push(d);
    await d.start();
    await until(() => d.ownedPartitions().length === 4, 5_000);
    const now = Date.now();
    const series = (target: string, n: number, value: number): BatchSeries => ({
      target,
      labels: { __name__: 'cpu', instance: target },
      type: 'gauge',
      timestamps: Array.from({ length: n }, (_, i) => now - n + i),
      values: Array.from({ length: n }, () => value),
    });
    // One entry (the partition of 'db') holding 500 samples of unwatched targets around 3 of the watched one.
    const batch = encodeMetricBatchBytes({ tenant: TENANT, receivedAt: now, id: 'b1', series: [series('other-1', 250, 99), series('db', 3, 95), series('other-2', 250, 99)] });
    await bed.redis.xadd(bed.names.events(partitionOf(TENANT, 'db', bed.names.partitions)), '*', FIELD_METRIC_BATCH, batch, FIELD_TENANT, TENANT);
    await until(() => bed.receiver.received.some((r) => r.transition === 'opened'), 5_000, 'the watched target\'s incident');
    expect(await metricValue(d.registry, 'lightwatch_detector_events_total')).toBe(3);
  });

  it('reads thin, and never decodes, the metric batches of a tenant with no target and no rule; a watched series in the same partition still drives its rule', async () => {
    await seed(bed.store, { channels: [webhookChannel(bed.receiver.url)], targets: [makeTarget('db')], rules: [makeRule('cpu-high', 'threshold', { metric: 'cpu', op: '>', value: 90 }, { targetId: 'tg-db' })] });
    const now = Date.now();
    const batch = (tenant: string): Buffer =>
      encodeMetricBatchBytes({ tenant, receivedAt: now, id: `b-${tenant}`, series: [{ target: 'db', labels: { __name__: 'cpu', instance: 'db' }, type: 'gauge', timestamps: [now - 2, now - 1], values: [95, 96] }] });
    // Written before the detector reads: its first read of each partition is the thin one (no blocking wait).
    const stream = bed.names.events(partitionOf(TENANT, 'db', bed.names.partitions));
    for (let p = 0; p < 4; p++) await bed.redis.xadd(bed.names.events(p), '*', FIELD_METRIC_BATCH, batch('nobody'), FIELD_TENANT, 'nobody');
    // Not a batch at all: decoded, it would be logged as unreadable and counted nowhere.
    await bed.redis.xadd(stream, '*', FIELD_METRIC_BATCH, Buffer.from('!not a batch!'), FIELD_TENANT, 'nobody');
    await bed.redis.xadd(stream, '*', FIELD_METRIC_BATCH, batch(TENANT), FIELD_TENANT, TENANT);
    const d = testDetector(bed.streams, bed.store, bed.names, 'solo');
    bed.detectors.push(d);
    await d.start();
    await until(() => bed.receiver.received.some((r) => r.transition === 'opened'), 5_000, 'the watched series\' incident');
    expect(await metricValue(d.registry, 'lightwatch_detector_events_total')).toBe(2);
    await until(async () => (await metricValue(d.registry, 'lightwatch_detector_entries_passed_over_total')) === 5, 5_000, 'the unwatched entries passed over');
    expect(await metricValue(d.registry, 'lightwatch_detector_entries_read_thin_total')).toBe(5);
  });

  it('reads thin the metric batches of a tenant whose rules read no samples, and still applies its other events', async () => {
    await seed(bed.store, { channels: [webhookChannel(bed.receiver.url)], targets: [makeTarget('db')], rules: [makeRule('err', 'log_pattern', { pattern: 'fatal', count: 1, windowSec: 3600 })] });
    const now = Date.now();
    // In the base64 form an older version wrote: read thin as well.
    const batch = encodeMetricBatch({ tenant: TENANT, receivedAt: now, id: 'b1', series: [{ target: 'db', labels: { __name__: 'cpu', instance: 'db' }, type: 'gauge', timestamps: [now - 1], values: [95] }] });
    await bed.redis.xadd(bed.names.events(partitionOf(TENANT, 'db', bed.names.partitions)), '*', FIELD_METRIC_BATCH_BASE64, batch, FIELD_TENANT, TENANT);
    await publish(bed.redis, bed.names, [{ ...ping('db'), kind: 'log', body: { level: 'fatal', message: 'fatal: disk', fields: {}, format: 'plain' } }]);
    const d = testDetector(bed.streams, bed.store, bed.names, 'solo');
    bed.detectors.push(d);
    await d.start();
    await until(() => bed.receiver.received.some((r) => r.transition === 'opened'), 5_000, 'the log rule\'s incident');
    expect(await metricValue(d.registry, 'lightwatch_detector_entries_read_thin_total')).toBe(1);
    expect(await metricValue(d.registry, 'lightwatch_detector_events_total')).toBe(1);
  });

  it('reloads the configuration before applying an entry whose request created its target', async () => {
    // A cron job's first run, auto-creating its target (?create=1), fails: that ping must open the incident,
    // not wait for the periodic reload (an hour here) and then turn into a "missed heartbeat" later.
    await seed(bed.store, { channels: [webhookChannel(bed.receiver.url)] });
    const d = testDetector(bed.streams, bed.store, bed.names, 'solo', { configRefreshMs: 3_600_000 });
    bed.detectors.push(d);
    await d.start();
    await until(() => d.ownedPartitions().length === 4, 5_000);
    const add = async (target: string, marked: boolean): Promise<void> => {
      // As ingest does it: the target is in the store before the entry is in the stream.
      await bed.store.targets.create(makeTarget(target, { kind: 'heartbeat', heartbeat: { intervalSec: 3600, graceSec: 0 } }));
      const fields = [FIELD_EVENTS, encodeBatch([ping(target, { status: 'fail', exitStatus: 2 })]), FIELD_TENANT, 'acme'];
      if (marked) fields.push(FIELD_CONFIG_CHANGED, '1');
      await bed.redis.xadd(bed.names.events(partitionOf('acme', target, bed.names.partitions)), '*', ...fields);
    };
    // Unmarked: the tenant has no target the detector knows of yet, so the entry is passed over.
    await add('weekly', false);
    await until(async () => (await metricValue(d.registry, 'lightwatch_detector_entries_passed_over_total')) === 1, 5_000, 'the unmarked entry passed over');
    await add('nightly', true);
    await until(() => bed.receiver.received.some((r) => r.transition === 'opened'), 5_000, 'the created target\'s incident');
    const opened = bed.receiver.received.filter((r) => r.transition === 'opened');
    expect(opened).toHaveLength(1);
    expect(opened[0]!.body.target).toMatchObject({ name: 'nightly' });
    expect((opened[0]!.body.incident as { title: string }).title).toContain('reported failure');
  });

  it('an acknowledgement event stops reminders; reminders repeat while open', async () => {
    await seed(bed.store, { channels: [webhookChannel(bed.receiver.url, { repeatIntervalSec: 0.3 })], targets: [makeTarget('db')], rules: [makeRule('err', 'log_pattern', { pattern: 'fatal', count: 1, windowSec: 3600 })] });
    const d = testDetector(bed.streams, bed.store, bed.names, 'solo');
    bed.detectors.push(d);
    await d.start();
    await until(() => d.ownedPartitions().length === 4, 5_000);
    await publish(bed.redis, bed.names, [{ ...ping('db'), kind: 'log', body: { level: 'fatal', message: 'fatal: disk', fields: {}, format: 'plain' } }]);
    await until(() => bed.receiver.received.filter((r) => r.transition === 'reminder').length >= 2, 5_000, 'reminders');
    const incidentId = bed.receiver.received[0]!.incidentId;
    await publish(bed.redis, bed.names, [{ ...ping('db'), kind: 'incident', labels: { by: 'alice' }, body: { incidentId, ruleId: 'err', state: 'acknowledged', transition: 'acknowledge', title: '', epoch: 0 } }]);
    await until(() => bed.receiver.received.some((r) => r.transition === 'acknowledged'), 5_000, 'ack notice');
    const count = bed.receiver.received.length;
    await new Promise((r) => setTimeout(r, 800));
    expect(bed.receiver.received.length).toBe(count);
    expect((await bed.store.getIncident('acme', incidentId))?.status).toBe('acknowledged');
    expect(new Set(bed.receiver.received.map((r) => r.key)).size).toBe(bed.receiver.received.length);
  });

  it('an acknowledgement made through the API (in the store) reaches the actor: reminders stop', async () => {
    await seed(bed.store, { channels: [webhookChannel(bed.receiver.url, { repeatIntervalSec: 0.3 })], targets: [makeTarget('db')], rules: [makeRule('err', 'log_pattern', { pattern: 'fatal', count: 1, windowSec: 3600 })] });
    const d = testDetector(bed.streams, bed.store, bed.names, 'solo');
    bed.detectors.push(d);
    await d.start();
    await until(() => d.ownedPartitions().length === 4, 5_000);
    await publish(bed.redis, bed.names, [{ ...ping('db'), kind: 'log', body: { level: 'fatal', message: 'fatal: disk', fields: {}, format: 'plain' } }]);
    await until(() => bed.receiver.received.some((r) => r.transition === 'reminder'), 5_000, 'a reminder');
    const incidentId = bed.receiver.received[0]!.incidentId;
    const now = Date.now();
    const said = 'acknowledged by bob: failing over to the replica';
    await bed.store.updateIncident('acme', incidentId, { status: 'acknowledged', acknowledgedAt: now, acknowledgedBy: 'bob', updatedAt: now }, { at: now, type: 'acknowledged', message: said, actor: 'bob' });
    await until(() => bed.receiver.received.some((r) => r.transition === 'acknowledged'), 5_000, 'ack notice');
    const count = bed.receiver.received.length;
    await new Promise((r) => setTimeout(r, 800));
    expect(bed.receiver.received.length).toBe(count);
    const stored = await bed.store.getIncident('acme', incidentId);
    expect(stored).toMatchObject({ status: 'acknowledged', acknowledgedBy: 'bob' });
    // The detector's write replaced the stored incident: the acknowledger's comment is still on its timeline, once.
    const acks = stored?.timeline.filter((t) => t.type === 'acknowledged') ?? [];
    expect(acks).toEqual([expect.objectContaining({ at: now, message: said, actor: 'bob' })]);
  });

  it('a resolve made through the API (in the store) reaches the actor where the rule allows it: resolved notice, no reminders', async () => {
    await seed(bed.store, { channels: [webhookChannel(bed.receiver.url, { repeatIntervalSec: 0.3 })], targets: [makeTarget('db')], rules: [makeRule('err', 'log_pattern', { pattern: 'fatal', count: 1, windowSec: 3600, manualResolve: true })] });
    const d = testDetector(bed.streams, bed.store, bed.names, 'solo');
    bed.detectors.push(d);
    await d.start();
    await until(() => d.ownedPartitions().length === 4, 5_000);
    await publish(bed.redis, bed.names, [{ ...ping('db'), kind: 'log', body: { level: 'fatal', message: 'fatal: disk', fields: {}, format: 'plain' } }]);
    await until(() => bed.receiver.received.some((r) => r.transition === 'reminder'), 5_000, 'a reminder');
    const incidentId = bed.receiver.received[0]!.incidentId;
    const now = Date.now();
    const said = 'resolved by user:7: replaced the disk';
    await bed.store.updateIncident('acme', incidentId, { status: 'resolved', resolvedAt: now, updatedAt: now }, { at: now, type: 'resolved', message: said, actor: 'user:7' });
    await until(() => bed.receiver.received.some((r) => r.transition === 'resolved'), 5_000, 'resolved notice');
    const count = bed.receiver.received.length;
    await new Promise((r) => setTimeout(r, 800));
    expect(bed.receiver.received.length).toBe(count);
    const stored = await bed.store.getIncident('acme', incidentId);
    expect(stored).toMatchObject({ status: 'resolved', resolvedAt: now });
    expect(stored?.timeline.filter((t) => t.type === 'resolved')).toEqual([expect.objectContaining({ at: now, message: said, actor: 'user:7' })]);
  });

  it('a store that refuses writes for a while delays the incident and its notice but loses neither', async () => {
    await seed(bed.store, { channels: [webhookChannel(bed.receiver.url)], targets: [makeTarget('job', { kind: 'heartbeat', heartbeat: { intervalSec: 60, graceSec: 0 } })] });
    // The real store, with its writes failing (as SQLITE_BUSY would) until `locked` is cleared.
    let locked = false;
    const busy = () => Promise.reject(Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' }));
    const flaky: Store = Object.assign(Object.create(bed.store) as Store, {
      upsertIncident: (i: Parameters<Store['upsertIncident']>[0]) => (locked ? busy() : bed.store.upsertIncident(i)),
      claimNotification: (r: Parameters<Store['claimNotification']>[0]) => (locked ? busy() : bed.store.claimNotification(r)),
      saveSnapshots: (s: Parameters<Store['saveSnapshots']>[0]) => (locked ? busy() : bed.store.saveSnapshots(s)),
    });
    const d = testDetector(bed.streams, flaky, bed.names, 'solo');
    bed.detectors.push(d);
    await d.start();
    await until(() => d.ownedPartitions().length === 4, 5_000);
    locked = true;
    await publish(bed.redis, bed.names, [ping('job', { status: 'fail' })]);
    await new Promise((r) => setTimeout(r, 1_500));
    expect(bed.receiver.received).toEqual([]);
    // nothing acknowledged while the transition could not be written
    const pending = await Promise.all([0, 1, 2, 3].map(async (p) => Number(((await bed.redis.xpending(bed.names.events(p), 'detect')) as [number])[0])));
    expect(pending.reduce((a, b) => a + b, 0)).toBe(1);
    locked = false;
    await until(() => bed.receiver.received.length === 1, 10_000, 'notice after the store is back');
    expect(bed.receiver.received[0]!.transition).toBe('opened');
    expect(await bed.store.getIncident('acme', bed.receiver.received[0]!.incidentId)).toMatchObject({ status: 'open' });
    await new Promise((r) => setTimeout(r, 500));
    expect(bed.receiver.received).toHaveLength(1);
  });

  it('a check target created while running checks at once; its result arrives through the stream like any event', async () => {
    const http = { url: `http://127.0.0.1:${await freePort()}/`, intervalSec: 3600, timeoutMs: 100, retries: 0, retryBackoffMs: 10 };
    await seed(bed.store, { channels: [webhookChannel(bed.receiver.url)] });
    const d = testDetector(bed.streams, bed.store, bed.names, 'solo');
    bed.detectors.push(d);
    await d.start();
    await until(() => d.ownedPartitions().length === 4, 5_000);
    // Created through the API while running: the first check runs at once, not at the target's phase of the hour
    // (targets loaded in bulk at start or takeover are the ones spread over their interval).
    await bed.store.targets.create(makeTarget('api', { kind: 'http', http }));
    // the first scheduled check (nothing listens: refused) opens the incident; a later ok result resolves it
    await until(() => bed.receiver.received.length === 1, 5_000, 'opened');
    await publish(bed.redis, bed.names, [checkResult('api', { ok: true, status: 200, latencyMs: 3, attempts: 1 })]);
    await until(() => bed.receiver.received.length === 2, 5_000, 'resolved');
    expect(bed.receiver.received.map((r) => r.transition)).toEqual(['opened', 'resolved']);
  });

  it.each([
    ['tcp', (port: number) => ({ host: '127.0.0.1', port })],
    ['scrape', (port: number) => ({ url: `http://127.0.0.1:${port}/metrics` })],
  ] as const)('a %s target created while running checks at once too: every active check kind is timed, not http alone', async (kind, settingsOf) => {
    const settings = CHECK_SETTINGS[kind].parse({ ...settingsOf(await freePort()), intervalSec: 3600, timeoutMs: 100 });
    await seed(bed.store, { channels: [webhookChannel(bed.receiver.url)] });
    const d = testDetector(bed.streams, bed.store, bed.names, 'solo');
    bed.detectors.push(d);
    await d.start();
    await until(() => d.ownedPartitions().length === 4, 5_000);
    await bed.store.targets.create(makeTarget('db', { kind, [kind]: settings }));
    // Nothing listens: the first run, with no event to wake the target, opens the incident.
    await until(() => bed.receiver.received.length === 1, 5_000, 'opened');
    expect(bed.receiver.received[0]).toMatchObject({ transition: 'opened' });
  });
});
