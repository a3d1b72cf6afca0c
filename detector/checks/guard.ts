// Where checks may connect. Without an allow-list (CHECK_ALLOWED_NETWORKS unset) anywhere; with one, a name
// is resolved first and every address it resolves to must lie inside the allowed networks, and the check then
// connects to that checked address (no second lookup a rebinding DNS server could answer differently).
// Clients built on node:net/http/ws take `lookup`; the others get the checked address to connect to.
import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { isIP } from 'node:net';
import type { Networks } from '../../lib/net/networks.js';

export class NotAllowedError extends Error {
  readonly code = 'ENOTALLOWED';
  constructor(address: string, host: string) {
    super(`address ${address}${address === host ? '' : ` of ${host}`} is outside CHECK_ALLOWED_NETWORKS`);
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

async function checked(networks: Networks, host: string): Promise<LookupAddress[]> {
  const bare = host.replace(/^\[(.*)\]$/, '$1');
  const family = isIP(bare);
  const addresses = family !== 0 ? [{ address: bare, family }] : await resolveAll(bare);
  for (const a of addresses) if (!networks.has(a.address)) throw new NotAllowedError(a.address, bare);
  return addresses;
}

export function createGuard(networks: Networks | null): NetworkGuard {
  if (networks === null) {
    return { restricted: false, lookup: dnsLookup, address: (host) => Promise.resolve(host) };
  }
  return {
    restricted: true,
    lookup(hostname, options, callback) {
      checked(networks, hostname).then(
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
      const all = await checked(networks, host);
      const first = all[0] as LookupAddress;
      return first.address;
    },
  };
}

export const UNRESTRICTED: NetworkGuard = createGuard(null);
