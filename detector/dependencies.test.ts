import { describe, expect, it } from 'vitest';
import { makeTarget, ping, publish, seed, testDetector, until, webhookChannel } from './testing/harness.js';
import { detectorTestbed } from './testing/testbed.js';

describe('target dependencies against real Redis and SQLite', () => {
  const bed = detectorTestbed('deps', 4);

  it("while a parent is down, a dependant's incident is recorded with the reason on its timeline but not notified", async () => {
    const hb = (intervalSec: number) => ({ kind: 'heartbeat' as const, heartbeat: { intervalSec, graceSec: 0 } });
    await seed(bed.store, { channels: [webhookChannel(bed.receiver.url)], targets: [makeTarget('switch', hb(2)), makeTarget('app', { ...hb(4), dependsOn: ['tg-switch'] })] });
    const d = testDetector(bed.streams, bed.store, bed.names, 'solo');
    bed.detectors.push(d);
    await d.start();
    await until(() => d.ownedPartitions().length === 4, 5_000, 'all partitions owned');
    await publish(bed.redis, bed.names, [ping('switch'), ping('app')]);
    await until(() => bed.receiver.received.some((r) => r.transition === 'opened'), 8_000, 'the switch down');
    const app = async () => (await bed.store.listIncidents({ tenant: 'acme', targetId: 'tg-app', limit: 5 })).items[0];
    await until(async () => (await app()) !== undefined, 8_000, "the app's incident");
    const inc = (await app())!;
    expect(inc.timeline[0]?.message).toMatch(/\(not notified: dependency:tg-switch\)$/);
    await until(async () => (await bed.store.listNotifications('acme', inc.id)).length > 0, 5_000, 'the notification recorded');
    expect((await bed.store.listNotifications('acme', inc.id)).map((n) => n.status)).toEqual(['suppressed']);
    await publish(bed.redis, bed.names, [ping('switch'), ping('app')]);
    await until(async () => (await app())?.status === 'resolved', 8_000, 'the app resolved');
    await until(() => bed.receiver.received.some((r) => r.transition === 'resolved'), 5_000, 'the switch resolved');
    expect(bed.receiver.received.map((r) => `${r.incidentId === inc.id ? 'app' : 'switch'}:${r.transition}`)).toEqual(['switch:opened', 'switch:resolved']);
  });
});
