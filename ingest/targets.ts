// Heartbeat targets must exist: a ping for an unknown name is refused (404 `unknown_target`), so a typo in
// a cron job is noticed instead of silently creating a target nobody watches. With `?create=1` and an admin
// key the target is created (kind heartbeat, 60 s interval, 60 s grace). Lookups are cached per
// (tenant, name): a minute when found, a second when not, so a target just created through the API becomes
// pingable almost at once while the hot path costs no store round trip.
import type { IdGenerator } from '../lib/events/ids.js';
import { targetNameProblem } from '../lib/api/target-name.js';
import { badRequest, isLightwatchError } from '../lib/errors/errors.js';
import type { Store } from '../lib/store/port.js';
import type { Target } from '../lib/store/types.js';
import { withPingTokens } from '../lib/heartbeat/tokens.js';

export const DEFAULT_HEARTBEAT_CHECK = Object.freeze({ intervalSec: 60, graceSec: 60 });

export interface TargetDirectoryDeps {
  store: { targets: Pick<Store['targets'], 'getByName' | 'create'> };
  ids: IdGenerator;
  now: () => number;
  foundTtlMs?: number;
  missingTtlMs?: number;
  maxEntries?: number;
}

export interface TargetLookup {
  /** The names that do not exist for the tenant (none when creating was allowed). */
  missing: Set<string>;
  /** Whether this call created a target (or raced another request creating it): the configuration changed. */
  created: boolean;
}

export interface TargetDirectory {
  /** Looks `names` up for `tenant`; when `create` is true, missing names are created first. */
  resolve(tenant: string, names: Iterable<string>, create: boolean): Promise<TargetLookup>;
}

export function createTargetDirectory(deps: TargetDirectoryDeps): TargetDirectory {
  const foundTtl = deps.foundTtlMs ?? 60_000;
  const missingTtl = deps.missingTtlMs ?? 1_000;
  const max = deps.maxEntries ?? 50_000;
  const cache = new Map<string, { exists: boolean; until: number }>();

  function remember(key: string, exists: boolean): void {
    if (cache.size >= max) {
      const oldest = cache.keys().next();
      if (!oldest.done) cache.delete(oldest.value);
    }
    cache.delete(key);
    cache.set(key, { exists, until: deps.now() + (exists ? foundTtl : missingTtl) });
  }

  async function exists(tenant: string, name: string): Promise<boolean> {
    const key = `${tenant}\u0000${name}`;
    const hit = cache.get(key);
    if (hit && hit.until > deps.now()) return hit.exists;
    const found = (await deps.store.targets.getByName(tenant, name)) !== null;
    remember(key, found);
    return found;
  }

  async function create(tenant: string, name: string): Promise<void> {
    // The API's rule for names: a ping must not create a target the API would refuse (`..`, NUL).
    const problem = targetNameProblem(name);
    if (problem) throw badRequest(`cannot create target ${JSON.stringify(name.slice(0, 60))}: the name ${problem}`, [{ at: 'target', message: problem }], 'invalid_target_name');
    const t = deps.now();
    const target: Target = {
      id: deps.ids.next(t),
      tenant,
      name,
      kind: 'heartbeat',
      labels: {},
      heartbeat: withPingTokens({ ...DEFAULT_HEARTBEAT_CHECK }),
      channels: [],
      paused: false,
      createdAt: t,
      updatedAt: t,
    };
    try {
      await deps.store.targets.create(target);
    } catch (err) {
      // Created concurrently by another request: that is what we wanted.
      if (!(isLightwatchError(err) && err.code === 'conflict')) throw err;
    }
    remember(`${tenant}\u0000${name}`, true);
  }

  return {
    async resolve(tenant, names, allowCreate) {
      const missing = new Set<string>();
      let created = false;
      for (const name of new Set(names)) {
        if (await exists(tenant, name)) continue;
        if (allowCreate) {
          await create(tenant, name);
          created = true;
        } else {
          missing.add(name);
        }
      }
      return { missing, created };
    },
  };
}
