// A stored incident as routing and inhibition see it: its target's labels under its own (an alert's), status
// firing (open or acknowledged) or resolved, and the time of its last status change as every replica reads it
// from the incident (the last opening or reopening, or the resolution). Pure.
import type { Incident } from '../store/types.js';
import type { RoutedIncident } from './routing-types.js';

export function routedIncidentOf(incident: Incident, targetName: string, targetLabels: Readonly<Record<string, string>> = {}): RoutedIncident {
  const firing = incident.status === 'open' || incident.status === 'acknowledged';
  const opened = incident.timeline.findLast((t) => t.type === 'opened' || t.type === 'reopened')?.at ?? incident.openedAt;
  return {
    tenant: incident.tenant,
    id: incident.id,
    targetId: incident.targetId,
    targetName,
    ruleId: incident.ruleId,
    severity: incident.severity,
    labels: { ...targetLabels, ...incident.labels },
    status: firing ? 'firing' : 'resolved',
    openedAt: incident.openedAt,
    changedAt: firing ? opened : (incident.resolvedAt ?? incident.updatedAt),
  };
}
