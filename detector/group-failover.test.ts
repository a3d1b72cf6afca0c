// Route groups across two detectors on real Redis and SQLite: the holder of the route's home partition keeps
// the group; killed mid-group (before its groupWait is over, or right after it sent the group), the detector
// that takes the partition over rebuilds the group from the store and the group still goes out exactly once.
import { describe, expect, it } from 'vitest';
import { makeRule, makeTarget, metric, publish, seed, TENANT, testDetector, until, webhookChannel } from './testing/harness.js';
import { detectorTestbed } from './testing/testbed.js';
import { routeHome } from './notify/groups.js';

const PARTITIONS = 4;
const route = { id: 'r-db', tenant: TENANT, name: 'db', channelId: 'ch-group', matchers: [{ name: 'team', op: '=' as const, value: 'db' }], groupBy: ['cluster'], groupWaitSec: 2, groupIntervalSec: 60, repeatIntervalSec: 0, createdAt: 1, updatedAt: 1 };

describe('route groups across detector failover (real Redis and SQLite)', () => {
  const bed = detectorTestbed('grpfail', PARTITIONS);

  it.each(['before', 'after'] as const)('the group owner killed %s its groupWait: still exactly one notification per group', async (when) => {
    const targets = Array.from({ length: 6 }, (_, i) => makeTarget(`db-${i}`, { labels: { team: 'db', cluster: 'eu' } }));
    await seed(bed.store, { channels: [webhookChannel(bed.receiver.url), webhookChannel(bed.receiver.url, { id: 'ch-group', name: 'group', isDefault: false })], targets, rules: [makeRule('down', 'threshold', { metric: 'up', op: '<', value: 1 })] });
    await bed.store.routes.create(route);
    const a = testDetector(bed.streams, bed.store, bed.names, 'a');
    bed.detectors.push(a);
    await a.start();
    await until(() => a.ownedPartitions().length === PARTITIONS, 5_000, 'a owns every partition');
    await publish(bed.redis, bed.names, targets.map((t) => metric(t.name, 'up', 0)));
    await until(async () => (await bed.store.listIncidents({ tenant: TENANT, status: ['open'], limit: 10 })).items.length === 6, 8_000, 'six incidents');
    const groups = () => bed.receiver.received.filter((r) => r.key.startsWith('grp:'));
    if (when === 'after') await until(() => groups().length === 1, 8_000, 'the group from a');
    a.kill();
    const b = testDetector(bed.streams, bed.store, bed.names, 'b');
    bed.detectors.push(b);
    await b.start();
    await until(() => b.ownedPartitions().includes(routeHome(TENANT, route.id, PARTITIONS)), 10_000, 'b holds the route home');
    if (when === 'before') await until(() => groups().length === 1, 10_000, 'the group from b');
    // Room for a second copy to show up: b's sweeps run every 200 ms and its groupWait is 2 s.
    await new Promise((r) => setTimeout(r, 3_000));
    expect(groups()).toHaveLength(1);
    expect((groups()[0]!.body as { incidents: unknown[] }).incidents).toHaveLength(6);
    expect(bed.receiver.received.filter((r) => !r.key.startsWith('grp:'))).toEqual([]);
  });

  it('an incident of the group resolving after the owner that announced it was killed: its resolution goes out once, from the new owner', async () => {
    const targets = Array.from({ length: 3 }, (_, i) => makeTarget(`db-${i}`, { labels: { team: 'db', cluster: 'eu' } }));
    await seed(bed.store, { channels: [webhookChannel(bed.receiver.url), webhookChannel(bed.receiver.url, { id: 'ch-group', name: 'group', isDefault: false })], targets, rules: [makeRule('down', 'threshold', { metric: 'up', op: '<', value: 1 })] });
    await bed.store.routes.create(route);
    const a = testDetector(bed.streams, bed.store, bed.names, 'a');
    bed.detectors.push(a);
    await a.start();
    await until(() => a.ownedPartitions().length === PARTITIONS, 5_000, 'a owns every partition');
    await publish(bed.redis, bed.names, targets.map((t) => metric(t.name, 'up', 0)));
    const groups = () => bed.receiver.received.filter((r) => r.key.startsWith('grp:'));
    await until(() => groups().length === 1, 8_000, 'the firing group from a');
    a.kill();
    // b's first store sweep comes 4 s after its start: the incident resolves before b has seen it firing.
    const b = testDetector(bed.streams, bed.store, bed.names, 'b', { configRefreshMs: 4_000 });
    bed.detectors.push(b);
    await b.start();
    await until(() => b.ownedPartitions().length === PARTITIONS, 10_000, 'b owns every partition');
    await publish(bed.redis, bed.names, [metric('db-0', 'up', 1)]);
    await until(async () => (await bed.store.listIncidents({ tenant: TENANT, status: ['resolved'], limit: 10 })).items.length === 1, 8_000, 'db-0 resolved');
    const [resolvedIncident] = (await bed.store.listIncidents({ tenant: TENANT, status: ['resolved'], limit: 10 })).items;
    const carriesResolution = (r: (typeof bed.receiver.received)[number]) => ((r.body.group as { resolved?: string[] } | undefined)?.resolved ?? []).includes(resolvedIncident!.id);
    await until(() => groups().some(carriesResolution), 15_000, 'the group announcing the resolution from b');
    // Room for a second copy to show up: b's sweeps run every 4 s and its groupWait is 2 s.
    await new Promise((r) => setTimeout(r, 5_000));
    expect(groups().filter(carriesResolution)).toHaveLength(1);
    expect(groups()).toHaveLength(2);
    expect(bed.receiver.received.filter((r) => !r.key.startsWith('grp:'))).toEqual([]);
  });
});
