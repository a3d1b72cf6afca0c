// A 3-master, 3-replica Redis Cluster on six network hosts of its own (namespaces joined by a bridge: every node on
// its host's address, reached over a real link), under the faults of issue 16: a master killed mid-write with
// REDIS_MIN_REPLICAS_ACK=1 (every acknowledged batch survives the failover) and with 0 (the replica takes over), and
// a slot moved to another master while a consumer group reads it (nothing lost).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { masterKill, reshardDuringRead } from '../support/cluster-faults.js';
import { startHostCluster, type HostCluster } from '../support/netns-cluster.js';
import { createHosts } from '../support/netns-hosts.js';

const probe = createHosts(1, 'probe');
probe?.close();
const canMakeHosts = probe !== undefined;

describe.skipIf(!canMakeHosts)('Redis Cluster on separate hosts (skipped where network namespaces cannot be made: no privilege)', () => {
  let c: HostCluster;
  beforeAll(async () => {
    c = (await startHostCluster(3)) as HostCluster;
  }, 120_000);
  afterAll(async () => {
    await c?.stop();
  });

  it('a slot moved to another master while a group reads it: every entry read, none lost', async () => {
    const out = await reshardDuringRead(c, `lwhc-reshard-${Date.now()}`, 2000);
    expect(out.moved).toBe(true);
    expect(out).toMatchObject({ appended: 2000, read: 2000, missing: 0 });
  }, 90_000);

  it('kill -9 of a master with REDIS_MIN_REPLICAS_ACK=0: its replica takes over and appends go on', async () => {
    const out = await masterKill(c, `lwhc-kill0-${Date.now()}`, 0);
    expect(out.acked).toBe(60);
    // Without WAIT, a write acknowledged just before the kill may be lost (asynchronous replication): counted only.
    expect(out.recoveryMs).toBeGreaterThan(0);
  }, 120_000);

  it('kill -9 of a master with REDIS_MIN_REPLICAS_ACK=1: every acknowledged batch survives the failover', async () => {
    const out = await masterKill(c, `lwhc-kill1-${Date.now()}`, 1);
    expect(out.acked).toBe(60);
    expect(out.missing).toEqual([]);
  }, 120_000);
});
