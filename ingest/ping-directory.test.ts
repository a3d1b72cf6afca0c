import { describe, expect, it } from 'vitest';
import type { Target } from '../lib/store/types.js';
import { createPingDirectory, indexPingTargets } from './ping-directory.js';

const UUID = '5bf66975-d4c7-4bf5-bcc8-b8d8a82ea278';
const t = (tenant: string, name: string, heartbeat: Target['heartbeat'], paused = false): Target => ({ id: name, tenant, name, kind: 'heartbeat', labels: {}, heartbeat, channels: [], paused, createdAt: 0, updatedAt: 0 });

describe('ping index', () => {
  it('finds a target by uuid, push token, or ping key + slug (the name when no slug), across tenants', () => {
    const idx = indexPingTargets([
      t('a', 'backup', { intervalSec: 60, graceSec: 60, uuid: UUID, pushToken: 'tokenAAAA', pingKey: 'projkey1' }),
      t('b', 'etl', { intervalSec: 60, graceSec: 60, pushToken: 'tokenBBBB', pingKey: 'projkey1', slug: 'nightly-etl' }),
    ]);
    expect(idx.find({ by: 'uuid', uuid: UUID })).toEqual({ found: { tenant: 'a', name: 'backup', paused: false } });
    expect(idx.find({ by: 'push', token: 'tokenBBBB' })).toEqual({ found: { tenant: 'b', name: 'etl', paused: false } });
    expect(idx.find({ by: 'slug', pingKey: 'projkey1', slug: 'backup' })).toMatchObject({ found: { name: 'backup' } });
    expect(idx.find({ by: 'slug', pingKey: 'projkey1', slug: 'nightly-etl' })).toMatchObject({ found: { name: 'etl' } });
    expect(idx.find({ by: 'slug', pingKey: 'projkey1', slug: 'etl' })).toEqual({ found: null, ambiguous: false });
    expect(idx.find({ by: 'push', token: 'tokenCCCC' })).toEqual({ found: null, ambiguous: false });
  });

  it('two targets holding one ping key and slug are ambiguous', () => {
    const idx = indexPingTargets([t('a', 'x', { intervalSec: 60, graceSec: 0, pingKey: 'projkey1', slug: 's' }), t('a', 'y', { intervalSec: 60, graceSec: 0, pingKey: 'projkey1', slug: 's' })]);
    expect(idx.find({ by: 'slug', pingKey: 'projkey1', slug: 's' })).toEqual({ found: null, ambiguous: true });
  });

  it('a miss re-reads the store at most once a second; a hit waits for the refresh interval', async () => {
    let now = 0;
    let reads = 0;
    const targets: Target[] = [];
    const dir = createPingDirectory({ store: { targets: { listAll: async () => (reads++, targets.slice()) } }, now: () => now, refreshMs: 30_000, missRefreshMs: 1_000 });
    expect((await dir.find({ by: 'push', token: 'tokenAAAA' })).found).toBeNull();
    expect(reads).toBe(1);
    targets.push(t('a', 'new', { intervalSec: 60, graceSec: 0, pushToken: 'tokenAAAA' }));
    expect((await dir.find({ by: 'push', token: 'tokenAAAA' })).found).toBeNull();
    expect(reads).toBe(1);
    now = 1_000;
    expect((await dir.find({ by: 'push', token: 'tokenAAAA' })).found).toMatchObject({ name: 'new' });
    expect(reads).toBe(2);
    now = 20_000;
    await dir.find({ by: 'push', token: 'tokenAAAA' });
    expect(reads).toBe(2);
  });
});
