// The detector's view of configuration: targets, rules, channels, silences and maintenance windows loaded
// from the store and refreshed periodically, compiled per target into RuleSpecs on first use. It answers
// the machines' environment questions (target, specs, suppression, reminder period) from memory.
import type { Logger } from 'pino';
import type { Channel, Maintenance, Rule, Silence, Target } from '../../lib/store/types.js';
import type { Store } from '../../lib/store/port.js';
import { targetKey, type SuppressQuery, type TargetView } from '../machines/env.js';
import { blockedByParent } from '../routing/dependencies.js';
import { suppressedBy } from '../machines/suppress.js';
import { alertSpec, compileTargetRules, SpecInterner } from '../rules/compile.js';
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
}

export async function loadConfig(store: Store): Promise<ConfigSnapshot> {
  const [targets, rules, tenants] = await Promise.all([store.targets.listAll(), store.rules.listAll(), store.listTenants()]);
  const tenantIds = new Set([...tenants.map((t) => t.id), ...targets.map((t) => t.tenant), ...rules.map((r) => r.tenant)]);
  const per = await Promise.all(
    [...tenantIds].map(async (t) => {
      const [channels, silences, maintenance] = await Promise.all([store.channels.list(t), store.silences.list(t), store.maintenance.list(t)]);
      return { channels, silences, maintenance };
    }),
  );
  return { targets, rules, channels: per.flatMap((x) => x.channels), silences: per.flatMap((x) => x.silences), maintenance: per.flatMap((x) => x.maintenance) };
}

export class ConfigCache {
  private targets = new Map<string, Target>();
  private byId = new Map<string, Target>();
  private rulesByTenant = new Map<string, Rule[]>();
  private channels = new Map<string, Channel>();
  private defaults = new Map<string, Channel[]>();
  private silences = new Map<string, Silence[]>();
  private maintenance = new Map<string, Maintenance[]>();
  /** Per tenant: target id → the target ids it depends on. */
  private dependsOn = new Map<string, Map<string, readonly string[]>>();
  /** Per tenant: targets with an open or acknowledged incident (refreshed with the configuration). */
  private down = new Map<string, ReadonlySet<string>>();
  private compiled = new Map<string, readonly RuleSpec[]>();
  private views = new Map<string, TargetView>();
  private readonly interner = new SpecInterner();
  private fingerprint = '';
  /** Tenants with a target or a rule: only their events can reach an actor. */
  private watched = new Set<string>();
  /** Targets alerts were posted for (see watchAlerts); kept across configuration reloads. */
  private readonly alertKeys = new Set<string>();

  constructor(private readonly logger: Logger) {}

  /** Replaces the configuration; returns the keys whose compiled rules or paused flag changed. */
  apply(cfg: ConfigSnapshot): Set<string> {
    this.channels = new Map(cfg.channels.map((c) => [c.id, c]));
    this.defaults = groupBy(cfg.channels.filter((c) => c.isDefault), (c) => c.tenant);
    this.silences = groupBy(cfg.silences, (s) => s.tenant);
    this.maintenance = groupBy(cfg.maintenance, (m) => m.tenant);
    this.dependsOn = new Map();
    for (const t of cfg.targets) {
      if (!t.dependsOn?.length) continue;
      let m = this.dependsOn.get(t.tenant);
      if (!m) this.dependsOn.set(t.tenant, (m = new Map()));
      m.set(t.id, t.dependsOn);
    }
    // Recompiling every target's rules is the expensive part: only when targets or rules changed.
    const fingerprint = [...cfg.targets.map((t) => `${t.id}@${t.updatedAt}`), '|', ...cfg.rules.map((r) => `${r.id}@${r.updatedAt}`)].join(',');
    if (fingerprint === this.fingerprint) return new Set();
    this.fingerprint = fingerprint;
    const before = new Map<string, string>();
    for (const key of this.compiled.keys()) before.set(key, this.signature(key));
    this.targets = new Map(cfg.targets.map((t) => [targetKey(t.tenant, t.name), t]));
    this.byId = new Map(cfg.targets.map((t) => [`${t.tenant}\u0000${t.id}`, t]));
    this.rulesByTenant = groupBy(cfg.rules, (r) => r.tenant);
    this.watched = new Set([...cfg.targets.map((t) => t.tenant), ...cfg.rules.map((r) => r.tenant)]);
    this.compiled.clear();
    this.views.clear();
    this.interner.clear();
    const changed = new Set<string>();
    for (const [key, sig] of before) if (this.signature(key) !== sig) changed.add(key);
    return changed;
  }

  private signature(key: string): string {
    const specs = this.specs(key);
    return `${this.target(key)?.paused === true}|${specs.map((s) => `${s.id}@${s.version}`).join(',')}`;
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

  /** Whether any target or rule of `tenant` exists: without one, none of its events has anything to drive. */
  watchesTenant(tenant: string): boolean {
    return this.watched.has(tenant);
  }

  /** The name events use for a target id (a target seen only in events has its name as id). */
  targetName(tenant: string, id: string): string {
    return this.byId.get(`${tenant}\u0000${id}`)?.name ?? id;
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
    if (deps === undefined) return null;
    const down = this.down.get(q.tenant);
    return blockedByParent(q.targetId, deps, (id) => down?.has(id) ?? false);
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
