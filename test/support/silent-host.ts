// A test host that never answers: a network namespace of our own joined to this machine by a veth pair whose
// far end is up but holds no address, so packets sent to the host's address stay on this machine and go
// unanswered. Tests that need "an address nobody answers" use it instead of a real network's address.
import { execFileSync } from 'node:child_process';

export interface SilentHost {
  /** An IPv4 address routed to the namespace's link, that nothing answers. */
  readonly address: string;
  close(): void;
}

function ip(args: string[]): void {
  execFileSync('ip', args, { stdio: 'ignore', timeout: 5_000 });
}

/** Makes a silent host, or returns undefined when this machine does not let us create namespaces (no privilege). */
export function silentHost(): SilentHost | undefined {
  const n = (process.pid % 4000) + Math.floor(Math.random() * 50);
  const ns = `lw-silent-${process.pid}`;
  const near = `lwsa${n}`;
  const far = `lwsb${n}`;
  const octet = n % 250;
  const close = (): void => {
    for (const args of [['link', 'del', near], ['netns', 'del', ns]]) {
      try {
        ip(args);
      } catch {
        // already gone
      }
    }
  };
  try {
    ip(['netns', 'add', ns]);
    ip(['link', 'add', near, 'type', 'veth', 'peer', 'name', far]);
    ip(['link', 'set', far, 'netns', ns]);
    ip(['-n', ns, 'link', 'set', far, 'up']);
    ip(['addr', 'add', `198.18.${octet}.1/30`, 'dev', near]);
    ip(['link', 'set', near, 'up']);
    return { address: `198.18.${octet}.2`, close };
  } catch {
    close();
    return undefined;
  }
}
