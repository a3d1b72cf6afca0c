// CIDR allow-lists (`10.0.0.0/8,2001:db8::/32`): parsing with a precise message, and membership tests on
// node:net's BlockList. Used for CHECK_ALLOWED_NETWORKS so a tenant's checks cannot reach other networks.
import { BlockList, isIP } from 'node:net';

export interface Networks {
  readonly cidrs: readonly string[];
  has(address: string): boolean;
}

/** Parses a comma-separated CIDR list; returns the problem (naming the bad entry) instead of throwing. */
export function parseNetworks(list: string): Networks | { problem: string } {
  const blocks = new BlockList();
  const cidrs: string[] = [];
  for (const raw of list.split(',')) {
    const entry = raw.trim();
    if (entry === '') continue;
    const [addr = '', prefixText] = entry.split('/');
    const family = isIP(addr);
    const max = family === 6 ? 128 : 32;
    const prefix = prefixText === undefined ? max : Number(prefixText);
    if (family === 0 || !/^\d*$/.test(prefixText ?? '') || !Number.isInteger(prefix) || prefix < 0 || prefix > max) {
      return { problem: `${JSON.stringify(entry)} is not an IPv4 or IPv6 network (address/prefix, e.g. 10.0.0.0/8)` };
    }
    blocks.addSubnet(addr, prefix, family === 6 ? 'ipv6' : 'ipv4');
    cidrs.push(`${addr}/${prefix}`);
  }
  if (cidrs.length === 0) return { problem: 'no network given' };
  return {
    cidrs,
    has(address) {
      const family = isIP(address);
      if (family === 0) return false;
      // An IPv4-mapped IPv6 address is the IPv4 address.
      const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
      if (mapped) return blocks.check(mapped[1] as string, 'ipv4');
      return blocks.check(address, family === 6 ? 'ipv6' : 'ipv4');
    },
  };
}
