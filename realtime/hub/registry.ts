// The registry: open connections (in all and per tenant, for the connection limits) and their subscriptions,
// grouped by (tenant, canonical filter) so equal subscriptions share one group and one uWS topic.
import { perSecond, TokenBucket } from '../../lib/limits/token-bucket.js';
import type { Vector } from '../cursor.js';
import { filterKey, type Filter } from '../filter.js';
import { Conn, Sub, type Socket } from '../state.js';
import type { HubCore } from './core.js';

export const MAX_SUBSCRIPTIONS_PER_CONNECTION = 32;

export interface RegistryDeps {
  /** Starts a subscription's replay from its floor. */
  replay(s: Sub): void;
  /** Lets a connection's waiting replays look again. */
  wakeDrainWaiters(c: Conn): void;
  releaseDrainWaiters(c: Conn): void;
}

export class Registry {
  private connSeq = 0;

  constructor(
    private readonly core: HubCore,
    private readonly deps: RegistryDeps,
  ) {}

  connectionCount(): number {
    return this.core.conns.size;
  }

  tenantConnectionCount(tenant: string): number {
    return this.core.tenantConns.get(tenant) ?? 0;
  }

  allConnections(): Conn[] {
    return [...this.core.conns];
  }

  openConn(ws: Socket, tenant: string, label: string): Conn {
    const { core } = this;
    const c = new Conn(++this.connSeq, ws, tenant, label, new TokenBucket(perSecond(core.o.clientMessagesPerSec), core.o.clock));
    core.conns.add(c);
    core.tenantConns.set(tenant, this.tenantConnectionCount(tenant) + 1);
    core.o.metrics.connections.inc({ channel: label });
    return c;
  }

  /** After uWS reported the close: the socket must not be touched any more. */
  closeConn(c: Conn): void {
    const { core } = this;
    if (c.closed) return;
    c.closed = true;
    for (const s of [...c.subs.values()]) this.removeSub(s);
    this.deps.releaseDrainWaiters(c);
    core.conns.delete(c);
    core.liveConns.delete(c);
    core.watch.delete(c);
    const n = this.tenantConnectionCount(c.tenant) - 1;
    if (n > 0) core.tenantConns.set(c.tenant, n);
    else core.tenantConns.delete(c.tenant);
    core.o.metrics.connections.dec({ channel: c.label });
  }

  /** Adds a subscription; with `since` it first replays what the client missed. Returns an error text or the sub. */
  subscribe(c: Conn, filter: Filter, since?: Vector): Sub | string {
    const { core } = this;
    const key = filterKey(filter);
    if (c.subs.has(key)) return 'already subscribed to this channel with this filter';
    if (c.subs.size >= MAX_SUBSCRIPTIONS_PER_CONNECTION) return `at most ${MAX_SUBSCRIPTIONS_PER_CONNECTION} subscriptions per connection`;
    const g = core.index.get(c.tenant, key, filter);
    // The floor is the subscription's own: it moves as events are delivered.
    const s = new Sub(c, g, (since ?? core.live).clone());
    g.subs.add(s);
    c.subs.set(key, s);
    if (c.lagged) s.state = 'paused'; // resumed with the others when the client drains
    else if (since) this.deps.replay(s);
    else core.goLive(s);
    return s;
  }

  unsubscribe(c: Conn, filter: Filter): boolean {
    const s = c.subs.get(filterKey(filter));
    if (!s) return false;
    this.removeSub(s);
    return true;
  }

  private removeSub(s: Sub): void {
    const { core } = this;
    s.gen++;
    const g = s.group;
    if (s.state === 'live') {
      g.live--;
      if (!s.conn.closed) s.conn.ws.unsubscribe(g.topic);
    }
    s.state = 'paused';
    s.buffer = [];
    g.pending.delete(s);
    core.catchup.delete(s);
    g.subs.delete(s);
    s.conn.subs.delete(g.key);
    if (g.subs.size === 0) core.index.drop(g);
    if (!s.conn.closed) this.deps.wakeDrainWaiters(s.conn);
  }
}
