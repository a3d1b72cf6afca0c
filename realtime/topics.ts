// Subscription groups by tenant: subscriptions with equal (tenant, canonical filter) share one Group and one uWS
// topic; the index finds a tenant's groups for an event by channel and by target, so dispatch never looks at
// another tenant's subscriptions.
import type { Channel } from './channels.js';
import { compileFilter, type Filter } from './filter.js';
import { Group } from './state.js';

export interface TenantIndex {
  byChannel: Map<Channel, Group[]>;
  /** `targets/{id}` groups by target id. */
  byTarget: Map<string, Group[]>;
}

export class GroupIndex {
  private readonly tenants = new Map<string, TenantIndex>();
  private readonly groups = new Map<string, Group>();
  private seq = 0;

  /** `prefix` is unique per hub, so two hubs in one process never share topic names. */
  constructor(private readonly prefix: string) {}

  tenant(tenant: string): TenantIndex | undefined {
    return this.tenants.get(tenant);
  }

  /** Tenants with at least one group. */
  tenantNames(): string[] {
    return [...this.tenants.keys()];
  }

  /** Whether a group of `tenant` may want a metric sample: one on the metrics channel, or on a target. */
  wantsMetrics(tenant: string): boolean {
    const t = this.tenants.get(tenant);
    return t !== undefined && (t.byTarget.size > 0 || (t.byChannel.get('metrics')?.length ?? 0) > 0);
  }

  /** Tenants with a group that may want a metric sample (wantsMetrics). */
  metricTenantNames(): string[] {
    const out: string[] = [];
    for (const name of this.tenants.keys()) if (this.wantsMetrics(name)) out.push(name);
    return out;
  }

  get(tenant: string, key: string, filter: Filter): Group {
    const id = `${tenant}\u0000${key}`;
    let g = this.groups.get(id);
    if (g) return g;
    // Topic names carry no client text: uWS splits topics on '/' and treats '+'/'#' segments as wildcards.
    g = new Group(tenant, key, `${this.prefix}/${++this.seq}`, filter, compileFilter(filter));
    this.groups.set(id, g);
    const t = this.tenants.get(tenant) ?? { byChannel: new Map(), byTarget: new Map() };
    this.tenants.set(tenant, t);
    // Copy on write: dispatch may be iterating the old list.
    if (filter.channel === 'targets') {
      const target = filter.target ?? '';
      t.byTarget.set(target, [...(t.byTarget.get(target) ?? []), g]);
    } else {
      t.byChannel.set(filter.channel, [...(t.byChannel.get(filter.channel) ?? []), g]);
    }
    return g;
  }

  drop(g: Group): void {
    this.groups.delete(`${g.tenant}\u0000${g.key}`);
    const t = this.tenants.get(g.tenant);
    if (!t) return;
    const map: Map<string, Group[]> = g.channel === 'targets' ? t.byTarget : t.byChannel;
    const k = g.channel === 'targets' ? (g.filter.target ?? '') : g.channel;
    const rest = (map.get(k) ?? []).filter((x) => x !== g);
    if (rest.length > 0) map.set(k, rest);
    else map.delete(k);
    if (t.byChannel.size === 0 && t.byTarget.size === 0) this.tenants.delete(g.tenant);
  }
}
