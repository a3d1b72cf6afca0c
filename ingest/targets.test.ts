import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createIdGenerator } from '../lib/events/ids.js';
import { createSqliteStore, type SqliteStore } from '../lib/store/sqlite/store.js';
import { createTargetDirectory } from './targets.js';

describe('heartbeat target directory', () => {
  let store: SqliteStore;
  let lookups: number;
  let t: number;
  const counting = () => ({
    targets: {
      getByName: (tenant: string, name: string) => {
        lookups++;
        return store.targets.getByName(tenant, name);
      },
      create: store.targets.create.bind(store.targets),
    },
  });

  beforeEach(async () => {
    store = await createSqliteStore({ path: ':memory:' });
    lookups = 0;
    t = 1_700_000_000_000;
  });
  afterEach(async () => {
    await store.close();
  });

  it('caches found targets for a minute and missing ones for a second (injected clock)', async () => {
    const dir = createTargetDirectory({ store: counting(), ids: createIdGenerator(), now: () => t });
    await store.targets.create({ id: 't1', tenant: 'acme', name: 'backup', kind: 'heartbeat', labels: {}, channels: [], paused: false, createdAt: t, updatedAt: t });
    expect((await dir.resolve('acme', ['backup', 'typo'], false)).missing).toEqual(new Set(['typo']));
    expect(lookups).toBe(2);
    expect((await dir.resolve('acme', ['backup', 'typo'], false)).missing).toEqual(new Set(['typo']));
    expect(lookups).toBe(2);

    t += 1_001; // the miss expires, the hit does not
    await store.targets.create({ id: 't2', tenant: 'acme', name: 'typo', kind: 'heartbeat', labels: {}, channels: [], paused: false, createdAt: t, updatedAt: t });
    expect(await dir.resolve('acme', ['backup', 'typo'], false)).toEqual({ missing: new Set(), created: false });
    expect(lookups).toBe(3);
    t += 60_001;
    await dir.resolve('acme', ['backup'], false);
    expect(lookups).toBe(4);
  });

  it('creates missing targets when allowed, tolerating a concurrent creation of the same name', async () => {
    const a = createTargetDirectory({ store: counting(), ids: createIdGenerator(), now: () => t });
    const b = createTargetDirectory({ store: counting(), ids: createIdGenerator(), now: () => t });
    const [ra, rb] = await Promise.all([a.resolve('acme', ['nightly'], true), b.resolve('acme', ['nightly'], true)]);
    expect(ra.missing.size + rb.missing.size).toBe(0);
    // Both report the change, the one whose insert lost the race too: each request marks its own entries.
    expect([ra.created, rb.created]).toEqual([true, true]);
    expect((await a.resolve('acme', ['nightly'], true)).created).toBe(false);
    const created = await store.targets.list('acme');
    expect(created.map((x) => [x.name, x.kind, x.heartbeat])).toEqual([['nightly', 'heartbeat', { intervalSec: 60, graceSec: 60, uuid: expect.any(String), pushToken: expect.any(String) }]]);
    // Per tenant: another tenant still misses it.
    expect(await a.resolve('globex', ['nightly'], false)).toEqual({ missing: new Set(['nightly']), created: false });
  });
});
