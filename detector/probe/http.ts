// The remote probe's ports over HTTP: targets from GET /api/targets (following nextCursor), results to
// POST /ingest/checks as `check` events labelled with the location, both with the probe's key.
import type { Target } from '../../lib/store/types.js';
import type { ProbeResult } from './agent.js';

export interface HttpPorts {
  listTargets(): Promise<Target[]>;
  report(results: ProbeResult[]): Promise<void>;
}

export function createHttpPorts(baseUrl: string, apiKey: string, timeoutMs = 10_000): HttpPorts {
  const headers = { authorization: `Bearer ${apiKey}` };
  const fail = async (what: string, res: Response): Promise<never> => {
    throw new Error(`${what}: HTTP ${res.status} ${(await res.text()).slice(0, 200)}`);
  };
  return {
    async listTargets() {
      const out: Target[] = [];
      let cursor: string | null = null;
      do {
        const u = new URL(`${baseUrl}/api/targets`);
        if (cursor) u.searchParams.set('cursor', cursor);
        const res = await fetch(u, { headers, signal: AbortSignal.timeout(timeoutMs) });
        if (!res.ok) await fail('listing targets', res);
        const page = (await res.json()) as { items: Target[]; nextCursor: string | null };
        out.push(...page.items);
        cursor = page.nextCursor;
      } while (cursor);
      return out;
    },
    async report(results) {
      const checks = results.map((r) => ({ target: r.target, ts: r.at, labels: { location: r.location }, ...r.body }));
      const res = await fetch(`${baseUrl}/ingest/checks`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify({ checks }), signal: AbortSignal.timeout(timeoutMs) });
      if (!res.ok) await fail('reporting results', res);
      const answer = (await res.json()) as { rejected: Array<{ error: string }> };
      if (answer.rejected.length > 0) throw new Error(`reporting results: refused: ${answer.rejected[0]?.error ?? ''}`);
    },
  };
}
