// Inhibition rules applied by a running detector against real Redis and SQLite: while a critical incident of a
// cluster is open, a warning incident of the same cluster is recorded with the reason on its timeline and not
// notified; the resolved notice of a warning notified before the critical one opened still goes out.
import { describe, expect, it } from 'vitest';
import { makeRule, makeTarget, metric, publish, seed, TENANT, testDetector, until, webhookChannel } from './testing/harness.js';
import { detectorTestbed } from './testing/testbed.js';

describe('inhibition rules against real Redis and SQLite', () => {
  const bed = detectorTestbed('inhibit', 4);

  it('holds back target incidents while a source is open, records why, and never holds back a resolved notice of something notified', async () => {
    await seed(bed.store, {
      channels: [webhookChannel(bed.receiver.url)],
      targets: [makeTarget('db', { labels: { cluster: 'eu' } }), makeTarget('app', { labels: { cluster: 'eu' } }), makeTarget('cache', { labels: { cluster: 'eu' } }), makeTarget('app-us', { labels: { cluster: 'us' } })],
      rules: [
        makeRule('db-down', 'threshold', { metric: 'up', op: '<', value: 1 }, { targetId: 'tg-db', severity: 'critical' }),
        makeRule('app-slow', 'threshold', { metric: 'latency', op: '>', value: 100 }, { selector: { cluster: 'eu' }, severity: 'warning' }),
        makeRule('app-us-slow', 'threshold', { metric: 'latency', op: '>', value: 100 }, { targetId: 'tg-app-us', severity: 'warning' }),
      ],
    });
    await bed.store.inhibitRules.create({ id: 'crit-over-warn', tenant: TENANT, name: 'crit-over-warn', source: [{ name: 'severity', op: '=', value: 'critical' }], target: [{ name: 'severity', op: '=', value: 'warning' }], equal: ['cluster'], createdAt: 1, updatedAt: 1 });
    const d = testDetector(bed.streams, bed.store, bed.names, 'solo');
    bed.detectors.push(d);
    await d.start();
    await until(() => d.ownedPartitions().length === 4, 5_000, 'all partitions owned');
    const sent = (): string[] => bed.receiver.received.map((r) => `${r.incidentId}:${r.transition}`);
    const incidentOf = async (targetId: string) => (await bed.store.listIncidents({ tenant: TENANT, targetId, limit: 1 })).items[0];

    // 1. The app's warning opens first: nothing inhibits it.
    await publish(bed.redis, bed.names, [metric('app', 'latency', 500)]);
    await until(async () => (await incidentOf('tg-app')) !== undefined, 8_000, "the app's first incident");
    const first = (await incidentOf('tg-app'))!;
    await until(() => sent().includes(`${first.id}:opened`), 5_000, 'the first warning notified');
    // 2. The cluster's critical incident opens.
    await publish(bed.redis, bed.names, [metric('db', 'up', 0)]);
    await until(async () => (await incidentOf('tg-db')) !== undefined, 8_000, "the db's incident");
    const db = (await incidentOf('tg-db'))!;
    await until(() => sent().includes(`${db.id}:opened`), 5_000, 'the critical one notified');
    // 3. The notified warning resolves while the critical one is open: its resolved notice goes out.
    await publish(bed.redis, bed.names, [metric('app', 'latency', 10)]);
    await until(() => sent().includes(`${first.id}:resolved`), 8_000, "the first warning's resolved notice");
    // 4. A new warning in the same cluster is inhibited; one in another cluster is not.
    await publish(bed.redis, bed.names, [metric('cache', 'latency', 700), metric('app-us', 'latency', 700)]);
    await until(async () => (await incidentOf('tg-cache')) !== undefined, 8_000, "the cache's incident");
    const second = (await incidentOf('tg-cache'))!;
    expect(second.timeline[0]?.message).toMatch(/\(not notified: inhibit:crit-over-warn:/);
    await until(async () => (await bed.store.listNotifications(TENANT, second.id)).length > 0, 5_000, 'the held-back notification recorded');
    expect((await bed.store.listNotifications(TENANT, second.id)).map((n) => n.status)).toEqual(['suppressed']);
    await until(async () => (await incidentOf('tg-app-us')) !== undefined, 8_000, "app-us's incident");
    const us = (await incidentOf('tg-app-us'))!;
    await until(() => sent().includes(`${us.id}:opened`), 5_000, 'the other cluster notified');
    // 5. The inhibited warning resolves: never notified, so no resolved notice either.
    await publish(bed.redis, bed.names, [metric('cache', 'latency', 10), metric('db', 'up', 1)]);
    await until(async () => (await bed.store.getIncident(TENANT, second.id))?.status === 'resolved', 8_000, 'the inhibited warning resolved');
    await until(() => sent().includes(`${db.id}:resolved`), 8_000, 'the critical one resolved');
    expect(sent().filter((s) => s.startsWith(second.id))).toEqual([]);
  });
});
