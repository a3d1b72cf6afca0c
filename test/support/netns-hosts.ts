// Several network hosts on this one machine: each a network namespace of its own with one address, joined by veth
// pairs to a bridge of ours in the root namespace (one L2 segment, so hosts reach each other and the test process
// reaches every host without forwarding). Services started on a host (`host.spawn`) see only its network: a
// loopback-only shortcut cannot hide a wrong address. `isolate`/`heal` cut a host off the segment and put it back
// (a network partition). Needs the privilege to make namespaces; without it `createHosts` returns undefined and
// the caller skips, saying so. Addresses are in 198.19.0.0/16 (benchmarking range, never routed).
import { execFileSync, spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';

export interface NetHost {
  readonly name: string;
  readonly ns: string;
  readonly address: string;
  /** Starts a process inside the host's namespace (killed by the network's close()). */
  spawn(command: string, args: readonly string[], options?: SpawnOptions): ChildProcess;
}

export interface HostNetwork {
  readonly hosts: readonly NetHost[];
  /** This (the test) process's address on the hosts' segment: where a host reaches a server the test runs. */
  readonly localAddress: string;
  /** Cuts the host's link (its processes keep running, unreachable). */
  isolate(host: NetHost): void;
  heal(host: NetHost): void;
  /** Kills every process started on a host, removes the namespaces and the bridge. Idempotent. */
  close(): void;
}

function ip(args: readonly string[]): void {
  execFileSync('ip', args, { stdio: 'ignore', timeout: 5_000 });
}

/**
 * Makes `count` hosts named `<prefix>0…` (or one host per name given), or undefined when namespaces cannot be made
 * here (no privilege).
 */
export function createHosts(count: number | readonly string[], prefix = 'h'): HostNetwork | undefined {
  const names = typeof count === 'number' ? Array.from({ length: count }, (_, i) => `${prefix}${i}`) : count;
  const id = `${process.pid % 10_000}${Math.floor(Math.random() * 100)}`.slice(-6);
  const net = (process.pid + Math.floor(Math.random() * 250)) % 250;
  const bridge = `lwbr${id}`;
  const hosts: NetHost[] = [];
  const links = new Map<string, string>();
  const children = new Set<ChildProcess>();
  let closed = false;
  const close = (): void => {
    if (closed) return;
    closed = true;
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    for (const h of hosts) {
      try {
        ip(['netns', 'del', h.ns]);
      } catch {
        // already gone
      }
    }
    for (const near of links.values()) {
      try {
        ip(['link', 'del', near]);
      } catch {
        // removed with its namespace
      }
    }
    try {
      ip(['link', 'del', bridge]);
    } catch {
      // never made
    }
  };
  try {
    ip(['link', 'add', bridge, 'type', 'bridge']);
    ip(['addr', 'add', `198.19.${net}.1/24`, 'dev', bridge]);
    ip(['link', 'set', bridge, 'up']);
    for (const [i, name] of names.entries()) {
      const ns = `lw-${name}-${id}`;
      const near = `lwv${id}${i}`.slice(0, 15);
      const far = `lwp${id}${i}`.slice(0, 15);
      const address = `198.19.${net}.${10 + i}`;
      ip(['netns', 'add', ns]);
      ip(['link', 'add', near, 'type', 'veth', 'peer', 'name', far]);
      links.set(ns, near);
      ip(['link', 'set', far, 'netns', ns]);
      ip(['link', 'set', near, 'master', bridge]);
      ip(['link', 'set', near, 'up']);
      ip(['-n', ns, 'link', 'set', 'lo', 'up']);
      ip(['-n', ns, 'addr', 'add', `${address}/24`, 'dev', far]);
      ip(['-n', ns, 'link', 'set', far, 'up']);
      hosts.push({
        name,
        ns,
        address,
        spawn(command, args, options = {}) {
          const child = spawn('ip', ['netns', 'exec', ns, command, ...args], { stdio: 'ignore', ...options });
          children.add(child);
          child.once('exit', () => children.delete(child));
          return child;
        },
      });
    }
  } catch {
    close();
    return undefined;
  }
  const link = (h: NetHost): string => links.get(h.ns) as string;
  return {
    hosts,
    localAddress: `198.19.${net}.1`,
    isolate: (h) => ip(['link', 'set', link(h), 'down']),
    heal: (h) => ip(['link', 'set', link(h), 'up']),
    close,
  };
}
