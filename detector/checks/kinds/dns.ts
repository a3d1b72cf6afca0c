// DNS check: resolve a name of one record type through a given resolver (IP[:port]) or the system's; every
// expected answer must be among the answers. NXDOMAIN, no records, SERVFAIL and timeouts are reasons.
import { Resolver } from 'node:dns/promises';
import { resolverHost } from '../../../lib/api/active-check.js';
import type { CheckSettingsOf } from '../../../lib/api/check-settings.js';
import type { Probe } from '../probe.js';
import { onAbort } from '../util.js';

type Dns = CheckSettingsOf['dns'];

const norm = (s: string): string => s.toLowerCase().replace(/\.$/, '');

async function answers(r: Resolver, s: Dns): Promise<string[]> {
  switch (s.type) {
    case 'A':
      return r.resolve4(s.name);
    case 'AAAA':
      return r.resolve6(s.name);
    case 'CNAME':
      return r.resolveCname(s.name);
    case 'NS':
      return r.resolveNs(s.name);
    case 'MX':
      return (await r.resolveMx(s.name)).map((m) => `${m.priority} ${m.exchange}`);
    case 'TXT':
      return (await r.resolveTxt(s.name)).map((parts) => parts.join(''));
    case 'SRV':
      return (await r.resolveSrv(s.name)).map((x) => `${x.priority} ${x.weight} ${x.port} ${x.name}`);
  }
}

export const dnsProbe: Probe<Dns> = {
  async attempt(s, { signal, timeoutMs, guard }) {
    const r = new Resolver({ timeout: timeoutMs, tries: 1 });
    if (s.resolver !== undefined) {
      await guard.address(resolverHost(s.resolver));
      r.setServers([s.resolver]);
    }
    const cancel = onAbort(signal, () => r.cancel());
    try {
      const got = await answers(r, s);
      if (got.length === 0) return { ok: false, error: `no ${s.type} records` };
      const have = new Set(got.map(norm));
      const missing = (s.expected ?? []).filter((e) => !have.has(norm(e)));
      if (missing.length > 0) return { ok: false, error: `expected ${s.type} ${missing.join(', ')}; got ${got.slice(0, 5).join(', ')}`.slice(0, 300) };
      return { ok: true };
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code === 'ENOTFOUND') return { ok: false, error: `NXDOMAIN: ${s.name}` };
      if (code === 'ENODATA') return { ok: false, error: `no ${s.type} records for ${s.name}` };
      throw err;
    } finally {
      cancel();
    }
  },
};
