// Where checks (and promql rules' external Prometheus) may connect (CHECK_ALLOWED_NETWORKS), and, with a guard
// of their own, notification channels (NOTIFY_ALLOWED_NETWORKS). Without an allow-list (the variable unset)
// anywhere; with one, a name is resolved first and every address it resolves to must lie inside the allowed
// networks, and the client then connects to that checked address (no second lookup a rebinding DNS server could
// answer differently). Clients built on node:net/http/ws take `lookup`; the
// others get the checked address to connect to. HTTP goes through lib/net/guarded-request.ts.
import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { isIP } from 'node:net';
import type { Networks } from './networks.js';

/** The variable a guard's allow-list comes from, named in its refusals. */
export const CHECK_NETWORKS = 'CHECK_ALLOWED_NETWORKS';
export const NOTIFY_NETWORKS = 'NOTIFY_ALLOWED_NETWORKS';

export class NotAllowedError extends Error {
  readonly code = 'ENOTALLOWED';
  constructor(address: string, host: string, variable: string = CHECK_NETWORKS) {
    super(`address ${address}${address === host ? '' : ` of ${host}`} is outside ${variable}`);
    this.name = 'NotAllowedError';
  }
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;
/** The shape node:net, node:http and ws call for name resolution. */
export type LookupFunction = (hostname: string, options: LookupOptions, callback: LookupCallback) => void;

export interface NetworkGuard {
  /** Whether an allow-list is in force. */
  readonly restricted: boolean;
  /** A dns.lookup replacement that fails with NotAllowedError unless every address of the name is allowed. */
  readonly lookup: LookupFunction;
  /** The address to connect to for `host`: `host` itself when unrestricted, else a checked address. */
  address(host: string): Promise<string>;
}

function resolveAll(host: string): Promise<LookupAddress[]> {
  return new Promise((resolve, reject) => {
    dnsLookup(host, { all: true }, (err, addresses) => (err ? reject(err) : resolve(addresses)));
  });
}

/** A URL's host as name resolution and the guard take it: an IPv6 literal without its brackets. */
export function hostOf(url: string | URL): string {
  return (typeof url === 'string' ? new URL(url) : url).hostname.replace(/^\[(.*)\]$/, '$1');
}

/**
 * Why `host` is refused when it is an IP literal outside `networks` (the NotAllowedError message), else null:
 * what can be told without resolving a name, e.g. when a URL is validated before it is used.
 */
export function literalRefusal(networks: Networks | null, host: string, variable: string = CHECK_NETWORKS): string | null {
  const bare = host.replace(/^\[(.*)\]$/, '$1');
  if (networks === null || isIP(bare) === 0 || networks.has(bare)) return null;
  return new NotAllowedError(bare, bare, variable).message;
}

async function checked(networks: Networks, host: string, variable: string): Promise<LookupAddress[]> {
  const bare = host.replace(/^\[(.*)\]$/, '$1');
  const family = isIP(bare);
  const addresses = family !== 0 ? [{ address: bare, family }] : await resolveAll(bare);
  for (const a of addresses) if (!networks.has(a.address)) throw new NotAllowedError(a.address, bare, variable);
  return addresses;
}

/** A guard over `networks` (null: anywhere); its refusals name `variable`. */
export function createGuard(networks: Networks | null, variable: string = CHECK_NETWORKS): NetworkGuard {
  if (networks === null) {
    return { restricted: false, lookup: dnsLookup, address: (host) => Promise.resolve(host) };
  }
  return {
    restricted: true,
    lookup(hostname, options, callback) {
      checked(networks, hostname, variable).then(
        (all) => {
          const wanted = options.family === 4 || options.family === 6 ? all.filter((a) => a.family === options.family) : all;
          const list = wanted.length > 0 ? wanted : all;
          if (options.all === true) callback(null, list);
          else callback(null, (list[0] as LookupAddress).address, (list[0] as LookupAddress).family);
        },
        (err: NodeJS.ErrnoException) => callback(err, ''),
      );
    },
    async address(host) {
      const all = await checked(networks, host, variable);
      const first = all[0] as LookupAddress;
      return first.address;
    },
  };
}

export const UNRESTRICTED: NetworkGuard = createGuard(null);

/**
 * Refuses a URL whose host is an IP literal outside the allow-list. Clients given `guard.lookup` need this
 * first: node:http, node:net and ws never call `lookup` for an IP literal, so only names would be checked.
 */
export async function admitUrl(guard: NetworkGuard, url: string | URL): Promise<void> {
  const host = hostOf(url);
  if (guard.restricted && isIP(host) !== 0) await guard.address(host);
}
