// Finds the target a compat ping URL names (lib/heartbeat/compat.ts): by Healthchecks UUID, by ping key +
// slug, or by Kuma push token, across tenants (the URL is the only credential). An index of every heartbeat
// target's tokens, rebuilt from the store at most every `refreshMs`, and at most once a second on a miss so a
// target just created is pingable at once while a stream of bad tokens costs one store read per second.
import type { PingRef } from '../lib/heartbeat/compat.js';
import type { Store } from '../lib/store/port.js';
import type { Target } from '../lib/store/types.js';

export interface PingTarget {
  tenant: string;
  name: string;
  paused: boolean;
}

/** A lookup's outcome: the target, none, or several (a ping key + slug held by more than one target). */
export type PingLookup = { found: PingTarget } | { found: null; ambiguous: boolean };

export interface PingIndex {
  find(ref: PingRef): PingLookup;
}

const AMBIGUOUS = Symbol('ambiguous');

/** Pure: the index of `targets`' ping tokens. A slug defaults to the target's name. */
export function indexPingTargets(targets: readonly Target[]): PingIndex {
  const byKey = new Map<string, PingTarget | typeof AMBIGUOUS>();
  const add = (key: string, t: PingTarget): void => {
    byKey.set(key, byKey.has(key) ? AMBIGUOUS : t);
  };
  for (const t of targets) {
    const hb = t.heartbeat;
    if (!hb) continue;
    const entry = { tenant: t.tenant, name: t.name, paused: t.paused };
    if (hb.uuid) add(`u\u0000${hb.uuid.toLowerCase()}`, entry);
    if (hb.pushToken) add(`p\u0000${hb.pushToken}`, entry);
    if (hb.pingKey) add(`s\u0000${hb.pingKey}\u0000${hb.slug ?? t.name}`, entry);
  }
  return {
    find(ref) {
      const key = ref.by === 'uuid' ? `u\u0000${ref.uuid}` : ref.by === 'push' ? `p\u0000${ref.token}` : `s\u0000${ref.pingKey}\u0000${ref.slug}`;
      const hit = byKey.get(key);
      if (hit === undefined) return { found: null, ambiguous: false };
      if (hit === AMBIGUOUS) return { found: null, ambiguous: true };
      return { found: hit };
    },
  };
}

export interface PingDirectoryDeps {
  store: { targets: Pick<Store['targets'], 'listAll'> };
  now: () => number;
  refreshMs?: number;
  missRefreshMs?: number;
}

export interface PingDirectory {
  find(ref: PingRef): Promise<PingLookup>;
}

export function createPingDirectory(deps: PingDirectoryDeps): PingDirectory {
  const refreshMs = deps.refreshMs ?? 30_000;
  const missRefreshMs = deps.missRefreshMs ?? 1_000;
  let index: PingIndex | null = null;
  let builtAt = -Infinity;
  let building: Promise<PingIndex> | null = null;

  const rebuild = (): Promise<PingIndex> => {
    building ??= (async () => {
      try {
        const at = deps.now();
        const built = indexPingTargets(await deps.store.targets.listAll());
        index = built;
        builtAt = at;
        return built;
      } finally {
        building = null;
      }
    })();
    return building;
  };

  return {
    async find(ref) {
      const age = deps.now() - builtAt;
      const current = index === null || age >= refreshMs ? await rebuild() : index;
      const hit = current.find(ref);
      if (hit.found !== null || deps.now() - builtAt < missRefreshMs) return hit;
      return (await rebuild()).find(ref);
    },
  };
}
