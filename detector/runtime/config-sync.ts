// Keeps the detector's configuration (ConfigCache) in step with the store: a change notice naming one entity
// reads that entity alone and updates the cache in place; a full reload (periodic safety net, a notice that
// names no entity, an entry whose request created a target) reads everything. Reads are numbered as they start,
// so whatever order they finish in, the newest read of an entity wins (see ConfigCache.beginRead).
import type { Logger } from 'pino';
import { Counter, type Registry } from 'prom-client';
import type { Store } from '../../lib/store/port.js';
import type { ConfigChange } from '../../lib/streams/config-changes.js';
import type { Clock } from '../../lib/time/clock.js';
import { loadConfig, type ConfigCache, type ConfigEntity } from './config.js';
import type { Runtime } from './runtime.js';

export interface ConfigSyncDeps {
  store: Store;
  config: ConfigCache;
  runtime: Pick<Runtime, 'configChanged' | 'syncAcks'>;
  clock: Clock;
  registry: Registry;
  logger: Logger;
}

export interface ConfigSync {
  /** A full reload that starts after the call (one at a time; callers meanwhile share the next one). */
  reload(): Promise<void>;
  /** Applies a change notice: the entity it names, or a full reload when it names none. */
  applyNotice(change: ConfigChange): Promise<void>;
}

type EntityKind = ConfigEntity['kind'];
const KIND_OF: Readonly<Record<string, EntityKind>> = { targets: 'target', rules: 'rule', channels: 'channel', silences: 'silence', maintenance: 'maintenance' };

/** Reads one entity; null when it is gone (deleted meanwhile, or never existed). */
async function loadEntity(store: Store, kind: EntityKind, tenant: string, id: string): Promise<ConfigEntity> {
  switch (kind) {
    case 'target':
      return { kind, tenant, id, value: await store.targets.get(tenant, id) };
    case 'rule':
      return { kind, tenant, id, value: await store.rules.get(tenant, id) };
    case 'channel':
      return { kind, tenant, id, value: await store.channels.get(tenant, id) };
    case 'silence':
      return { kind, tenant, id, value: await store.silences.get(tenant, id) };
    case 'maintenance':
      return { kind, tenant, id, value: await store.maintenance.get(tenant, id) };
  }
}

export function createConfigSync(d: ConfigSyncDeps): ConfigSync {
  const { store, config, runtime, clock, logger } = d;
  const reloads = new Counter({ name: 'lightwatch_detector_config_reloads_total', help: 'Full configuration reloads completed (periodic, on a notice naming no entity, or for an entry that created a target)', registers: [d.registry] });
  const notices = new Counter({ name: 'lightwatch_detector_config_notices_total', help: 'Configuration change notices applied (the entity named read and applied, or a full reload)', registers: [d.registry] });

  /**
   * Open (or acknowledged) incidents, where a tenant has dependencies or inhibition rules: a parent or an
   * inhibiting incident may live in another partition.
   */
  const refreshDown = async (tenant: string): Promise<void> => {
    if (!config.hasDependencies(tenant) && !config.hasInhibitRules(tenant)) return;
    const open = await store.listIncidents({ tenant, status: ['open', 'acknowledged'], limit: 1000 });
    config.setDownTargets(tenant, open.items.map((i) => i.targetId));
    config.setOpenIncidents(tenant, open.items);
  };

  const fullReload = async (): Promise<void> => {
    const read = config.beginRead();
    runtime.configChanged(config.apply(await loadConfig(store), read));
    // The API acknowledges and resolves in the store; the actors learn of it here (and from incident events on the stream).
    for (const tenant of config.tenants()) {
      const page = await store.listIncidents({ tenant, status: ['acknowledged'], limit: 500 });
      runtime.syncAcks(page.items);
      // Manual resolves: incidents resolved within the last few minutes (a resolve by hand of a live incident is recent).
      const resolved = await store.listIncidents({ tenant, status: ['resolved'], from: clock.now() - 5 * 60_000, limit: 500 });
      runtime.syncAcks(resolved.items);
      await refreshDown(tenant);
    }
    reloads.inc();
  };

  // One reload at a time. A caller wants one that starts after its call (what it needs loaded is in the store
  // by then): while one runs, callers share the single reload queued after it.
  let reloading: Promise<void> | undefined;
  let queued: Promise<void> | undefined;
  const reload = (): Promise<void> => {
    if (!reloading) {
      reloading = fullReload().finally(() => {
        reloading = undefined;
      });
      return reloading;
    }
    queued ??= reloading
      .catch(() => undefined)
      .then(() => {
        queued = undefined;
        return reload();
      });
    return queued;
  };

  const applyEntity = async (change: ConfigChange & { id: string }): Promise<void> => {
    const { tenant, id } = change;
    if (change.resource === 'incidents') {
      // An acknowledgement or a resolve by hand: the actor holding the incident applies it.
      const incident = await store.getIncident(tenant, id);
      if (incident) runtime.syncAcks([incident]);
      await refreshDown(tenant);
      return;
    }
    const kind = KIND_OF[change.resource];
    if (kind === undefined) return reload();
    const read = config.beginRead();
    const entity = await loadEntity(store, kind, tenant, id);
    runtime.configChanged(config.update(entity, read));
    // A target's dependencies may have just appeared: its parents' state is needed from now on.
    if (kind === 'target') await refreshDown(tenant);
  };

  return {
    reload,
    async applyNotice(change) {
      if (change.id === undefined) await reload();
      else {
        const named = { ...change, id: change.id };
        await applyEntity(named).catch((err: unknown) => {
          logger.warn({ err, tenant: change.tenant, resource: change.resource, id: change.id }, 'reading a changed entity failed; reloading everything');
          return reload();
        });
      }
      notices.inc();
    },
  };
}
