// Reading environment variables into typed values, collecting every problem instead of stopping at the
// first, so a bad start-up names each bad variable and the form it expects.
import { parseNetworks, type Networks } from '../net/networks.js';

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

export interface EnvReader {
  str(name: string, fallback: string): string;
  optionalStr(name: string): string | undefined;
  int(name: string, fallback: number, min: number, max: number): number;
  oneOf<T extends string>(name: string, values: readonly T[], fallback: T): T;
  url(name: string, protocols: readonly string[]): string | undefined;
  hostPort(name: string): string | undefined;
  /** A comma-separated CIDR list (`10.0.0.0/8,::1/128`), or undefined when unset. */
  networks(name: string): Networks | undefined;
  /** A comma-separated list of web origins (`https://app.example.com,http://localhost:3000`); [] when unset. */
  origins(name: string): string[];
  /** A comma-separated list of host:port (at least one), or undefined when unset. */
  hostPortList(name: string): Array<{ host: string; port: number }> | undefined;
  /** Records a problem that involves several variables (name them in the message). */
  problem(message: string): void;
  /** Throws ConfigError listing every problem found so far. */
  done(): void;
}

export function envReader(env: Readonly<Record<string, string | undefined>>): EnvReader {
  const problems: string[] = [];
  const raw = (name: string): string | undefined => {
    const v = env[name];
    return v === undefined || v.trim() === '' ? undefined : v.trim();
  };
  return {
    str: (name, fallback) => raw(name) ?? fallback,
    optionalStr: (name) => raw(name),
    int(name, fallback, min, max) {
      const v = raw(name);
      if (v === undefined) return fallback;
      const n = Number(v);
      if (!/^-?\d+$/.test(v) || !Number.isSafeInteger(n) || n < min || n > max) {
        problems.push(`${name}=${JSON.stringify(v)} is not valid: expected an integer from ${min} to ${max}`);
        return fallback;
      }
      return n;
    },
    oneOf(name, values, fallback) {
      const v = raw(name);
      if (v === undefined) return fallback;
      if (!(values as readonly string[]).includes(v)) {
        problems.push(`${name}=${JSON.stringify(v)} is not valid: expected one of ${values.join(', ')}`);
        return fallback;
      }
      return v as (typeof values)[number];
    },
    url(name, protocols) {
      const v = raw(name);
      if (v === undefined) return undefined;
      try {
        const u = new URL(v);
        if (!protocols.includes(u.protocol)) throw new Error('protocol');
        return v;
      } catch {
        problems.push(`${name}=${JSON.stringify(v)} is not valid: expected a URL starting with ${protocols.map((p) => `${p}//`).join(' or ')}`);
        return undefined;
      }
    },
    hostPort(name) {
      const v = raw(name);
      if (v === undefined) return undefined;
      const m = /^([A-Za-z0-9.-]+|\[[0-9a-fA-F:]+\]):(\d{1,5})$/.exec(v);
      if (!m || Number(m[2]) < 1 || Number(m[2]) > 65535) {
        problems.push(`${name}=${JSON.stringify(v)} is not valid: expected host:port, e.g. ingest:50051`);
        return undefined;
      }
      return v;
    },
    networks(name) {
      const v = raw(name);
      if (v === undefined) return undefined;
      const parsed = parseNetworks(v);
      if ('problem' in parsed) {
        problems.push(`${name}=${JSON.stringify(v)} is not valid: ${parsed.problem}; expected comma-separated CIDRs, e.g. 10.0.0.0/8,192.168.1.0/24`);
        return undefined;
      }
      return parsed;
    },
    origins(name) {
      const v = raw(name);
      if (v === undefined) return [];
      const out: string[] = [];
      for (const part of v.split(',').map((p) => p.trim()).filter((p) => p !== '')) {
        let origin: string | undefined;
        try {
          const u = new URL(part);
          if ((u.protocol === 'http:' || u.protocol === 'https:') && u.origin === part.replace(/\/$/, '').toLowerCase()) origin = u.origin;
        } catch {
          origin = undefined;
        }
        if (origin === undefined) problems.push(`${name} entry ${JSON.stringify(part)} is not valid: expected an origin such as https://app.example.com or http://localhost:3000 (scheme, host and optional port; no path, no *)`);
        else out.push(origin);
      }
      return out;
    },
    hostPortList(name) {
      const v = raw(name);
      if (v === undefined) return undefined;
      const out: Array<{ host: string; port: number }> = [];
      for (const part of v.split(',').map((x) => x.trim()).filter((x) => x !== '')) {
        const m = /^([A-Za-z0-9.-]+|\[[0-9a-fA-F:]+\]):(\d{1,5})$/.exec(part);
        if (!m || Number(m[2]) < 1 || Number(m[2]) > 65535) {
          problems.push(`${name}=${JSON.stringify(v)} is not valid: expected host:port,host:port,… (e.g. redis-1:6379,redis-2:6379), and ${JSON.stringify(part)} is not host:port`);
          return undefined;
        }
        out.push({ host: (m[1] as string).replace(/^\[|\]$/g, ''), port: Number(m[2]) });
      }
      if (out.length === 0) {
        problems.push(`${name}=${JSON.stringify(v)} is not valid: expected host:port,host:port,…`);
        return undefined;
      }
      return out;
    },
    problem(message) {
      problems.push(message);
    },
    done() {
      if (problems.length > 0) throw new ConfigError(problems);
    },
  };
}
