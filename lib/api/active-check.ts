// The active check a target carries (its kind's settings block: `target.http`, `target.tcp`, …) and where that
// check connects: the field naming the place and the host in it. The detector and the probes run the check
// from here; the query service refuses, when a target is saved, a literal address there that lies outside
// CHECK_ALLOWED_NETWORKS (the probes' network guard, lib/net/guard.ts, would refuse it at every run).
import { isCheckKind, type ActiveCheck } from './check-settings.js';
import { hostOf } from '../net/guard.js';
import type { Target } from '../store/types.js';

export function activeCheckOf(target: Target): ActiveCheck | null {
  if (!isCheckKind(target.kind)) return null;
  const settings = target[target.kind];
  return settings === undefined ? null : ({ kind: target.kind, settings } as ActiveCheck);
}

/** A DNS check's resolver (`1.2.3.4:53`, `[::1]:53` or a bare IP) → its address, for the network guard. */
export function resolverHost(resolver: string): string {
  const m = /^\[(.*)\](?::\d+)?$/.exec(resolver);
  if (m) return m[1] as string;
  return resolver.includes('.') ? (resolver.split(':')[0] as string) : resolver;
}

export interface CheckEndpoint {
  /** JSON pointer of the field within a target body, e.g. `/http/url`. */
  at: string;
  /** The host the check connects to: a name or an IP address (as the guard takes it: IPv6 with or without brackets). */
  host: string;
}

/** Where `check` connects; null for a DNS check asking the system's resolver. */
export function checkEndpoint(check: ActiveCheck): CheckEndpoint | null {
  switch (check.kind) {
    case 'tcp':
    case 'tls':
    case 'grpc':
    case 'ping':
      return { at: `/${check.kind}/host`, host: check.settings.host };
    case 'dns':
      return check.settings.resolver === undefined ? null : { at: '/dns/resolver', host: resolverHost(check.settings.resolver) };
    default:
      return { at: `/${check.kind}/url`, host: hostOf(check.settings.url) };
  }
}
