// What every query-service handler receives: the store, the clock and id source, and the authenticated call.
// Handlers return a body and a status; the service turns that into the ResourceResponse.
import type { Logger } from 'pino';
import type { Principal } from '../lib/auth/principal.js';
import { notFound, unprocessable, type ErrorDetail } from '../lib/errors/errors.js';
import type { Store } from '../lib/store/port.js';
import { CHECK_NETWORKS, literalRefusal, type NetworkGuard } from '../lib/net/guard.js';
import type { Networks } from '../lib/net/networks.js';

export interface ServiceContext {
  store: Store;
  now: () => number;
  /** A new time-ordered id (ULID) for a stored entity. */
  newId: () => string;
  logger: Logger;
  /** Announces that a subject's credentials no longer hold (`key:<id>`, `user:<id>`). */
  revoked: (subject: string) => void;
  /** CHECK_ALLOWED_NETWORKS, for refusing an address outside it when a target or rule is saved; null = anywhere. */
  allowedNetworks: Networks | null;
  /** NOTIFY_ALLOWED_NETWORKS, for refusing a channel URL at an IP address outside it when saved; null = anywhere. */
  notifyNetworks: Networks | null;
  /** The same networks as a guard: test notifications are sent through it. */
  notifyGuard: NetworkGuard;
}

export interface Call {
  principal: Principal;
  /** The id from the path, '' when the route has none. */
  id: string;
  params: Readonly<Record<string, string>>;
  bodyJson: string;
  requestId: string;
}

export interface Reply {
  status?: 200 | 201;
  body: unknown;
}

export interface HandlerSpec {
  /** Query parameters the route accepts; any other is a 400. */
  params?: readonly string[];
  run: (ctx: ServiceContext, call: Call) => Promise<Reply>;
}

/** Keyed `${resource}:${verb}` or `${resource}:action:${action}`. */
export type HandlerTable = Record<string, HandlerSpec>;

/** Another tenant's object and a missing one answer exactly alike. */
export const missing = (noun: string, id: string): Error => notFound(`${noun} ${JSON.stringify(id.slice(0, 128))} not found`);

export const listBody = <T>(items: T[]): { items: T[]; nextCursor: null } => ({ items, nextCursor: null });

/**
 * Every id in `ids` must name an object of the caller's tenant; unknown ones are a 422 at their position
 * (`/channels/1`). Lookups are tenant-scoped, so another tenant's id is simply unknown.
 */
export async function checkRefs(ids: readonly string[], exists: (id: string) => Promise<boolean>, field: string, noun: string): Promise<void> {
  const details: ErrorDetail[] = [];
  for (const [i, id] of ids.entries()) {
    if (!(await exists(id))) details.push({ at: `/${field}/${i}`, message: `unknown ${noun} ${JSON.stringify(id)}`, index: i });
  }
  if (details.length > 0) throw unprocessable(`${field} names ${details.length === 1 ? 'an unknown' : `${details.length} unknown`} ${noun}${details.length === 1 ? '' : 's'}`, details);
}

/**
 * A place a check, rule or channel connects to (`host`, at JSON pointer `at` of a `what`) that is an IP address
 * outside CHECK_ALLOWED_NETWORKS (or NOTIFY_ALLOWED_NETWORKS: `variable`) could never be reached: a 422 naming the
 * field, as a schema problem would be. A name passes: it is resolved, and its addresses checked, each time the
 * check, rule or channel runs (they may change).
 */
export function refuseOutsideNetworks(networks: Networks | null, host: string, at: string, what: string, variable: string = CHECK_NETWORKS): void {
  const refusal = literalRefusal(networks, host, variable);
  if (refusal !== null) throw unprocessable(`invalid ${what}: ${at} ${refusal}`, [{ at, message: refusal }]);
}
