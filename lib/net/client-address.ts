// The client's address as the gateway should see it: the socket's peer, or, when that peer is one of
// TRUSTED_PROXIES (Traefik, a load balancer), the address it put in X-Forwarded-For. Read from the right:
// each trusted proxy appends the address it received the request from, so the rightmost entry that is not a
// trusted proxy is the client; entries left of it were written by the client and prove nothing. Pure.
import { isIP } from 'node:net';
import type { Networks } from './networks.js';

/** An IPv4-mapped IPv6 address (`::ffff:10.0.0.1`, uWS's form for IPv4 peers) as its IPv4 address. */
export function plainAddress(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return mapped ? (mapped[1] as string) : address.toLowerCase();
}

export function clientAddress(peer: string, forwardedFor: string | undefined, trusted: Networks | null): string {
  let client = plainAddress(peer);
  if (!trusted || !forwardedFor || !trusted.has(client)) return client;
  const hops = forwardedFor.split(',');
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = (hops[i] as string).trim();
    if (isIP(hop) === 0) break; // not an address: nothing left of it can be trusted either
    client = plainAddress(hop);
    if (!trusted.has(client)) break;
  }
  return client;
}
