// Whether a notification is muted: the first maintenance window or silence that covers the incident. The
// matching itself lives in lib/alerting/suppress.ts, shared with the query service's status board.
import { maintenanceMatches, matcherMatches, silenceMatches } from '../../lib/alerting/suppress.js';
import type { Maintenance, Silence } from '../../lib/store/types.js';
import type { SuppressQuery } from './env.js';

export { maintenanceMatches, matcherMatches, silenceMatches };

export function suppressedBy(silences: readonly Silence[], maintenance: readonly Maintenance[], q: SuppressQuery, at: number): string | null {
  for (const m of maintenance) if (maintenanceMatches(m, q, at)) return `maintenance:${m.id}`;
  for (const s of silences) if (silenceMatches(s, q, at)) return `silence:${s.id}`;
  return null;
}
