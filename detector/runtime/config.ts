// The detector's view of configuration: targets, rules, channels, silences and maintenance windows loaded
// from the store and refreshed periodically, compiled per target into RuleSpecs on first use. It answers
// the machines' environment questions (target, specs, suppression, reminder period) from memory.
import type { Logger } from 'pino';
import type { Channel, Incident, InhibitRule, Maintenance, NotificationRoute, Rule, Silence, Target } from '../../lib/store/types.js';
import { inhibitedBy } from '../../lib/alerting/inhibit.js';
import { routedIncidentOf } from '../../lib/alerting/routed.js';
import type { RoutedIncident } from '../../lib/alerting/routing-types.js';
import type { Store } from '../../lib/store/port.js';
import { targetKey, type SuppressQuery, type TargetView } from '../machines/env.js';
import { blockedByParent } from '../routing/dependencies.js';
import { suppressedBy } from '../machines/suppress.js';
import { alertSpec, compileTargetRules, ruleApplies, SpecInterner } from '../rules/compile.js';
import type { RuleSpec } from '../rules/types.js';

const NO_SPECS: readonly RuleSpec[] = Object.freeze([]);
/** A target seen only in events, of a tenant without rules: it still watches its posted alerts. */
const ALERT_ONLY: readonly RuleSpec[] = Object.freeze([alertSpec([])]);

export interface ConfigSnapshot {
  targets: Target[];
  rules: Rule[];
  channels: Channel[];
  silences: Silence[];
  maintenance: Maintenance[];
  routes: NotificationRoute[];
  inhibitRules: InhibitRule[];
}

export async function loadConfig(store: Store): Promise<ConfigSnapshot> {
  const [targets, rules, tenants] = await Promise.all([store.targets.listAll(), store.rules.listAll(), store.listTenants()]);
  const tenantIds = new Set([...tenants.map((t) => t.id), ...targets.map((t) => t.tenant), ...rules.map((r) => r.tenant)]);
  const per = await Promise.all(
    [...tenantIds].map(async (t) => {
      const [channels, silences, maintenance, routes, inhibitRules] = await Promise.all([store.channels.list(t), store.silences.list(t), store.maintenance.list(t), store.routes.list(t), store.inhibitRules.list(t)]);
      return { channels, silences, maintenance, routes, inhibitRules };
    }),
  );
  return {
    targets,
    rules,
    channels: per.flatMap((x) => x.channels),
    silences: per.flatMap((x) => x.silences),
    maintenance: per.flatMap((x) => x.maintenance),
    routes: per.flatMap((x) => x.routes),
    inhibitRules: per.flatMap((x) => x.inhibitRules),
  };
}

/** One configuration entity as read from the store on its change notice (`value` null: it is gone). */
export type ConfigEntity =
  | { kind: 'target'; tenant: string; id: string; value: Target | null }
  | { kind: 'rule'; tenant: string; id: string; value: Rule | null }
  | { kind: 'channel'; tenant: string; id: string; value: Channel | null }
  | { kind: 'silence'; tenant: string; id: string; value: Silence | null }
  | { kind: 'maintenance'; tenant: string; id: string; value: Maintenance | null };

type Kind = ConfigEntity['kind'];
const entityKey = (kind: Kind, tenant: string, id: string): string => `${kind}\u0000${tenant}\u0000${id}`;
const idKey = (tenant: string, id: string): string => `${tenant}\u0000${id}`;

/** The rule kinds whose evaluators look at metric events (detector/rules/threshold.ts, anomaly.ts). */
const readsMetrics = (r: Rule): boolean => r.kind === 'threshold' || r.kind === 'anomaly';

export class ConfigCache {
  private targets = new Map<string, Target>();
  private byId = new Map<string, Target>();
  private targetsPerTenant = new Map<string, number>();
  private rulesById = new Map<string, Rule>();
  private rulesByTenant = new Map<string, Rule[]>();
  private channels = new Map<string, Channel>();
  private defaults = new Map<string, Channel[]>();
  private silences = new Map<string, Silence[]>();
  private maintenance = new Map<string, Maintenance[]>();
  /** Per tenant: target id → the target ids it depends on. */
  private dependsOn = new Map<string, Map<string, readonly string[]>>();
  /** Per tenant: targets with an open or acknowledged incident (refreshed with the configuration). */
  private down = new Map<string, ReadonlySet<string>>();
  private routes = new Map<string, NotificationRoute[]>();
  private inhibitRules = new Map<string, InhibitRule[]>();
  /** Per tenant: open incidents as the store listed them at the last reload (inhibition sources). */
  private openInStore = new Map<string, readonly RoutedIncident[]>();
  /** Per tenant: incidents this detector wrote since (newer than the store's list until the next reload). */
  private written = new Map<string, Map<string, RoutedIncident>>();
  private compiled = new Map<string, readonly RuleSpec[]>();
  private views = new Map<string, TargetView>();
  private readonly interner = new SpecInterner();
  /** Tenants with a target or a rule: only their events can reach an actor. */
  private watched = new Set<string>();
  /** Tenants with a rule that reads metric samples (threshold, anomaly): only their metric batches are decoded. */
  private metricWatched = new Set<string>();
  /** Targets alerts were posted for (see watchAlerts); kept across configuration reloads. */
  private readonly alertKeys = new Set<string>();
  /**
   * Reads are numbered when they start (beginRead). What a read returns is at least as new as the store was at
   * that moment, so of two values of an entity the one whose read started later wins, whatever order they
   * arrive in: `fullRead` numbers the whole snapshot applied last, `readAt` the entities updated one by one
   * since, whose reads started after it.
   */
  private reads = 0;
  private fullRead = 0;
  private readonly readAt = new Map<string, number>();

  constructor(private readonly logger: Logger) {}

  /** Numbers a read of the store about to start (a whole snapshot, or one entity on its change notice). */
  beginRead(): number {
    return ++this.reads;
  }

  /**
   * Replaces the configuration with a snapshot whose read began at `read` (default: now); entities updated
   * since from reads that began later keep their newer value. Returns the keys whose compiled rules or
   * paused flag changed.
   */
  apply(snapshot: ConfigSnapshot, read = this.beginRead()): Set<string> {
    const cfg = this.overlay(snapshot, read);
    this.fullRead = Math.max(this.fullRead, read);
    this.channels = new Map(cfg.channels.map((c) => [c.id, c]));
    this.defaults = groupBy(cfg.channels.filter((c) => c.isDefault), (c) => c.tenant);
    this.silences = groupBy(cfg.silences, (s) => s.tenant);
    this.maintenance = groupBy(cfg.maintenance, (m) => m.tenant);
    this.routes = groupBy(cfg.routes, (r) => r.tenant);
    this.inhibitRules = groupBy(cfg.inhibitRules, (r) => r.tenant);
    this.dependsOn = new Map();
    for (const t of cfg.targets) {
      if (!t.dependsOn?.length) continue;
      let m = this.dependsOn.get(t.tenant);
      if (!m) this.dependsOn.set(t.tenant, (m = new Map()));
      m.set(t.id, t.dependsOn);
    }
    // Recompiling every target's rules is the expensive part: only when targets or rules changed.
    if (this.sameVersions(cfg)) return new Set();
    const before = new Map<string, string>();
    for (const key of this.compiled.keys()) before.set(key, this.signature(key));
    this.targets = new Map(cfg.targets.map((t) => [targetKey(t.tenant, t.name), t]));
    this.byId = new Map(cfg.targets.map((t) => [idKey(t.tenant, t.id), t]));
    this.targetsPerTenant = new Map();
    for (const t of cfg.targets) this.targetsPerTenant.set(t.tenant, (this.targetsPerTenant.get(t.tenant) ?? 0) + 1);
    this.rulesById = new Map(cfg.rules.map((r) => [idKey(r.tenant, r.id), r]));
    this.rulesByTenant = groupBy(cfg.rules, (r) => r.tenant);
    this.watched = new Set([...cfg.targets.map((t) => t.tenant), ...cfg.rules.map((r) => r.tenant)]);
    this.metricWatched = new Set(cfg.rules.filter(readsMetrics).map((r) => r.tenant));
    this.compiled.clear();
    this.views.clear();
    this.interner.clear();
    const changed = new Set<string>();
    for (const [key, sig] of before) if (this.signature(key) !== sig) changed.add(key);
    return changed;
  }

  /**
   * Applies one entity read (from its change notice) at `read`. Ignored when a newer value is held already (a
   * snapshot or another read of it that began later). Returns the keys whose compiled rules or paused flag
   * changed (as apply does; actors a new target needs are the caller's).
   */
  update(e: ConfigEntity, read: number): Set<string> {
    const ek = entityKey(e.kind, e.tenant, e.id);
    if (read <= this.fullRead || read <= (this.readAt.get(ek) ?? 0)) return new Set();
    this.readAt.set(ek, read);
    switch (e.kind) {
      case 'target':
        return this.updateTarget(e.tenant, e.id, e.value);
      case 'rule':
        return this.updateRule(e.tenant, e.id, e.value);
      case 'channel': {
        const old = this.channels.get(e.id);
        if (old !== undefined && old.tenant !== e.tenant) return new Set();
        if (e.value === null) this.channels.delete(e.id);
        else this.channels.set(e.id, e.value);
        this.defaults.set(e.tenant, [...this.channels.values()].filter((c) => c.tenant === e.tenant && c.isDefault));
        return new Set();
      }
      case 'silence':
        this.silences.set(e.tenant, replaced(this.silences.get(e.tenant), e.id, e.value));
        return new Set();
      case 'maintenance':
        this.maintenance.set(e.tenant, replaced(this.maintenance.get(e.tenant), e.id, e.value));
        return new Set();
    }
  }

  private updateTarget(tenant: string, id: string, value: Target | null): Set<string> {
    const old = this.byId.get(idKey(tenant, id));
    const keys = new Set<string>();
    if (old !== undefined) keys.add(targetKey(tenant, old.name));
    if (value !== null) keys.add(targetKey(tenant, value.name));
    return this.recompiling(keys, () => {
      if (old !== undefined) {
        // Another target may hold the name already (this one renamed or deleted, that one's notice first).
        if (this.targets.get(targetKey(tenant, old.name))?.id === id) this.targets.delete(targetKey(tenant, old.name));
        this.byId.delete(idKey(tenant, id));
        this.targetsPerTenant.set(tenant, (this.targetsPerTenant.get(tenant) ?? 1) - 1);
      }
      if (value !== null) {
        this.targets.set(targetKey(tenant, value.name), value);
        this.byId.set(idKey(tenant, id), value);
        this.targetsPerTenant.set(tenant, (this.targetsPerTenant.get(tenant) ?? 0) + 1);
      }
      const deps = this.dependsOn.get(tenant);
      deps?.delete(id);
      if (value?.dependsOn?.length) {
        if (deps) deps.set(id, value.dependsOn);
        else this.dependsOn.set(tenant, new Map([[id, value.dependsOn]]));
      } else if (deps?.size === 0) this.dependsOn.delete(tenant);
      this.rewatch(tenant);
    });
  }

  private updateRule(tenant: string, id: string, value: Rule | null): Set<string> {
    const old = this.rulesById.get(idKey(tenant, id));
    // The compiled targets either version applies to (a target seen only in events: by its name, no labels).
    const keys = new Set<string>();
    for (const key of this.compiled.keys()) {
      if (!key.startsWith(`${tenant}\u0000`)) continue;
      const name = key.slice(tenant.length + 1);
      const t = this.targets.get(key) ?? { id: name, tenant, labels: {} };
      if ((old !== undefined && ruleApplies(old, t)) || (value !== null && ruleApplies(value, t))) keys.add(key);
    }
    return this.recompiling(keys, () => {
      if (value === null) this.rulesById.delete(idKey(tenant, id));
      else this.rulesById.set(idKey(tenant, id), value);
      this.rulesByTenant.set(tenant, replaced(this.rulesByTenant.get(tenant), id, value));
      this.rewatch(tenant);
    });
  }

  /** Runs `change`, drops what was compiled for `keys` and returns those whose signature moved. */
  private recompiling(keys: Set<string>, change: () => void): Set<string> {
    const before = new Map<string, string>();
    for (const key of keys) if (this.compiled.has(key)) before.set(key, this.signature(key));
    change();
    for (const key of keys) {
      this.compiled.delete(key);
      this.views.delete(key);
    }
    // Spec lists interned for versions now gone are held until the interner is cleared; bound them.
    if (this.interner.size > Math.max(1024, 2 * this.compiled.size)) this.interner.clear();
    const changed = new Set<string>();
    for (const [key, sig] of before) if (this.signature(key) !== sig) changed.add(key);
    return changed;
  }

  private rewatch(tenant: string): void {
    if (this.rulesByTenant.get(tenant)?.some(readsMetrics) === true) this.metricWatched.add(tenant);
    else this.metricWatched.delete(tenant);
    if ((this.targetsPerTenant.get(tenant) ?? 0) > 0 || (this.rulesByTenant.get(tenant)?.length ?? 0) > 0) this.watched.add(tenant);
    else {
      this.watched.delete(tenant);
      this.targetsPerTenant.delete(tenant);
      this.rulesByTenant.delete(tenant);
    }
  }

  /** The snapshot with the entities updated by reads begun after `read` in their newer (held) value. */
  private overlay(snapshot: ConfigSnapshot, read: number): ConfigSnapshot {
    const newer = new Set<string>();
    for (const [ek, at] of this.readAt) {
      if (at > read) newer.add(ek);
      else this.readAt.delete(ek);
    }
    if (newer.size === 0) return snapshot;
    const keep = <T extends { tenant: string; id: string }>(kind: Kind, list: readonly T[], held: (tenant: string, id: string) => T | undefined): T[] => {
      const out = list.filter((x) => !newer.has(entityKey(kind, x.tenant, x.id)));
      for (const ek of newer) {
        const [k, tenant, id] = ek.split('\u0000') as [Kind, string, string];
        if (k !== kind) continue;
        const v = held(tenant, id);
        if (v !== undefined) out.push(v);
      }
      return out;
    };
    const inTenant = <T extends { tenant: string; id: string }>(m: Map<string, T[]>) => (tenant: string, id: string) => m.get(tenant)?.find((x) => x.id === id);
    return {
      targets: keep('target', snapshot.targets, (t, id) => this.byId.get(idKey(t, id))),
      rules: keep('rule', snapshot.rules, (t, id) => this.rulesById.get(idKey(t, id))),
      channels: keep('channel', snapshot.channels, (t, id) => {
        const c = this.channels.get(id);
        return c?.tenant === t ? c : undefined;
      }),
      silences: keep('silence', snapshot.silences, inTenant(this.silences)),
      maintenance: keep('maintenance', snapshot.maintenance, inTenant(this.maintenance)),
      // Routes and inhibition rules have no per-entity notice: a change reloads everything.
      routes: snapshot.routes,
      inhibitRules: snapshot.inhibitRules,
    };
  }

  /** Whether the snapshot holds exactly the targets and rules held now, at the same versions. */
  private sameVersions(cfg: ConfigSnapshot): boolean {
    if (cfg.targets.length !== this.byId.size || cfg.rules.length !== this.rulesById.size) return false;
    return cfg.targets.every((t) => this.byId.get(idKey(t.tenant, t.id))?.updatedAt === t.updatedAt && this.targets.get(targetKey(t.tenant, t.name))?.id === t.id) && cfg.rules.every((r) => this.rulesById.get(idKey(r.tenant, r.id))?.updatedAt === r.updatedAt);
  }

  private signature(key: string): string {
    const specs = this.specs(key);
    return `${this.target(key)?.paused === true}|${specs.map((s) => `${s.id}@${s.version}`).join(',')}`;
  }

  /** Every rule of every tenant (the promql evaluation picks its own). */
  rules(): Rule[] {
    return [...this.rulesByTenant.values()].flat();
  }

  /** Tenants with any configuration (for per-tenant reads such as acknowledged incidents). */
  tenants(): string[] {
    return [...this.watched];
  }

  /**
   * Adds the alert built-in to a target's specs from now on: alerts were posted for it (or its restored actor
   * holds alert state). Only such targets carry it: on every target it would cost every event and every
   * snapshot, and start an actor ahead of events for each configured target.
   */
  watchAlerts(key: string): void {
    if (this.alertKeys.has(key)) return;
    this.alertKeys.add(key);
    this.compiled.delete(key);
  }

  /**
   * Whether a rule of `tenant` reads metric samples: without one, its metric batches have nothing to drive (no
   * other rule kind looks at a metric event), and are passed over undecoded.
   */
  watchesMetrics(tenant: string): boolean {
    return this.metricWatched.has(tenant);
  }

  /** Tenants with a rule that reads metric samples. */
  metricTenants(): string[] {
    return [...this.metricWatched];
  }

  /** Whether any target or rule of `tenant` exists: without one, none of its events has anything to drive. */
  watchesTenant(tenant: string): boolean {
    return this.watched.has(tenant);
  }

  /** The name events use for a target id (a target seen only in events has its name as id). */
  targetName(tenant: string, id: string): string {
    return this.byId.get(idKey(tenant, id))?.name ?? id;
  }

  configuredTargets(): Iterable<Target> {
    return this.targets.values();
  }

  targetByKey(key: string): Target | undefined {
    return this.targets.get(key);
  }

  target(key: string): TargetView | undefined {
    let v = this.views.get(key);
    if (v === undefined) {
      const t = this.targets.get(key);
      if (t === undefined) return undefined;
      v = { tenant: t.tenant, id: t.id, name: t.name, labels: t.labels, paused: t.paused };
      this.views.set(key, v);
    }
    return v;
  }

  specs(key: string): readonly RuleSpec[] {
    let specs = this.compiled.get(key);
    if (specs !== undefined) return specs;
    let t = this.targets.get(key);
    if (t === undefined) {
      // A target seen only in events: rules without a target id whose selector is empty still apply to it.
      const sep = key.indexOf('\u0000');
      const tenant = key.slice(0, sep);
      const name = key.slice(sep + 1);
      const tenantRules = this.rulesByTenant.get(tenant);
      if (tenantRules === undefined || tenantRules.length === 0) {
        const only = this.alertKeys.has(key) ? ALERT_ONLY : NO_SPECS;
        this.compiled.set(key, only);
        return only;
      }
      t = { id: name, tenant, name, kind: 'log', labels: {}, channels: [], paused: false, createdAt: 0, updatedAt: 0 };
    }
    const { specs: compiled, problems } = compileTargetRules(t, this.rulesByTenant.get(t.tenant) ?? [], this.alertKeys.has(key));
    for (const p of problems) this.logger.warn({ tenant: t.tenant, ruleId: p.ruleId }, `rule skipped: ${p.message}`);
    specs = compiled.length === 0 ? NO_SPECS : this.interner.intern(compiled);
    this.compiled.set(key, specs);
    return specs;
  }

  suppressedBy(q: SuppressQuery, at: number): string | null {
    const muted = suppressedBy(this.silences.get(q.tenant) ?? [], this.maintenance.get(q.tenant) ?? [], q, at);
    if (muted !== null) return muted;
    const deps = this.dependsOn.get(q.tenant);
    if (deps !== undefined) {
      const down = this.down.get(q.tenant);
      const blocked = blockedByParent(q.targetId, deps, (id) => down?.has(id) ?? false);
      if (blocked !== null) return blocked;
    }
    return this.inhibition(q);
  }

  /** `inhibit:<rule>:<incident>` when an open incident of the tenant inhibits this one (not itself: same target and rule). */
  private inhibition(q: SuppressQuery): string | null {
    const rules = this.inhibitRules.get(q.tenant);
    if (rules === undefined || rules.length === 0) return null;
    const candidate: RoutedIncident = { tenant: q.tenant, id: '', targetId: q.targetId, targetName: q.targetName, ruleId: q.ruleId, severity: q.severity, labels: q.labels, status: 'firing', openedAt: 0, changedAt: 0 };
    const sources = this.openIncidents(q.tenant).filter((s) => s.targetId !== q.targetId || s.ruleId !== q.ruleId);
    return inhibitedBy(rules, candidate, sources, false);
  }

  /** The tenant's open incidents as this detector knows them: the store's list, updated by its own writes since. */
  openIncidents(tenant: string): RoutedIncident[] {
    const mine = this.written.get(tenant);
    const stored = this.openInStore.get(tenant) ?? [];
    if (mine === undefined) return [...stored];
    const out = stored.filter((i) => !mine.has(i.id));
    for (const i of mine.values()) if (i.status === 'firing') out.push(i);
    return out;
  }

  /** Whether the tenant has inhibition rules (only then are its open incidents worth listing). */
  hasInhibitRules(tenant: string): boolean {
    return (this.inhibitRules.get(tenant)?.length ?? 0) > 0;
  }

  /** The tenant's routes (grouping), in name order. */
  routesOf(tenant: string): readonly NotificationRoute[] {
    return this.routes.get(tenant) ?? [];
  }

  /** Tenants with routes. */
  routedTenants(): string[] {
    return [...this.routes.keys()];
  }

  /** The open incidents the store lists (at a reload): replaces the store's view; own writes already in it are forgotten. */
  setOpenIncidents(tenant: string, incidents: readonly Incident[]): void {
    const listed = incidents.map((i) => this.routedOf(i));
    this.openInStore.set(tenant, listed);
    const mine = this.written.get(tenant);
    if (mine === undefined) return;
    const ids = new Set(listed.map((i) => i.id));
    for (const [id, i] of mine) if ((i.status === 'firing') === ids.has(id)) mine.delete(id);
  }

  /** An incident this detector just wrote (opened, resolved…): inhibition sees it before the next reload. */
  noteIncident(incident: Incident, targetName: string): void {
    if (!this.hasInhibitRules(incident.tenant)) return;
    let mine = this.written.get(incident.tenant);
    if (mine === undefined) this.written.set(incident.tenant, (mine = new Map()));
    mine.set(incident.id, routedIncidentOf(incident, targetName, this.target(targetKey(incident.tenant, targetName))?.labels ?? {}));
  }

  /** A stored incident as routing sees it, with its target's labels. */
  routedOf(i: Incident): RoutedIncident {
    const name = this.targetName(i.tenant, i.targetId);
    return routedIncidentOf(i, name, this.target(targetKey(i.tenant, name))?.labels ?? {});
  }

  /** Whether any target of `tenant` depends on another (only then are down targets worth looking up). */
  hasDependencies(tenant: string): boolean {
    return this.dependsOn.has(tenant);
  }

  /** The tenant's targets that are down now (an open or acknowledged incident), for dependencies. */
  setDownTargets(tenant: string, targetIds: Iterable<string>): void {
    this.down.set(tenant, new Set(targetIds));
  }

  /** The channels a notification goes to: those named (that exist in the tenant), else the tenant's defaults. */
  channelsFor(tenant: string, named: readonly string[]): Channel[] {
    if (named.length > 0) {
      const found = named.map((id) => this.channels.get(id)).filter((c): c is Channel => c !== undefined && c.tenant === tenant);
      if (found.length > 0) return found;
    }
    return this.defaults.get(tenant) ?? [];
  }

  /** Smallest non-zero repeat interval among the routed channels (0 = no reminders). */
  reminderMs(tenant: string, named: readonly string[]): number {
    let min = 0;
    for (const c of this.channelsFor(tenant, named)) {
      const ms = c.repeatIntervalSec * 1000;
      if (ms > 0 && (min === 0 || ms < min)) min = ms;
    }
    return min;
  }
}

/** `list` with the item of `id` replaced by `value` (appended if new, removed if null). */
function replaced<T extends { id: string }>(list: readonly T[] | undefined, id: string, value: T | null): T[] {
  const out = (list ?? []).filter((x) => x.id !== id);
  if (value !== null) out.push(value);
  return out;
}

function groupBy<T>(items: readonly T[], key: (t: T) => string): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const it of items) {
    const k = key(it);
    const list = m.get(k);
    if (list) list.push(it);
    else m.set(k, [it]);
  }
  return m;
}
