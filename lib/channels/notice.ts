// What one notification says, independent of where it goes: the incidents it carries (one, or a routed
// group), the transition, labels, annotations, value and links. Templates render over it and every channel
// kind builds its request from it. Pure data.

import type { Incident } from '../store/types.js';

export type NoticeTransition = 'opened' | 'reopened' | 'acknowledged' | 'resolved' | 'reminder' | 'test';

export interface NoticeIncident {
  id: string;
  title: string;
  severity: 'info' | 'warning' | 'critical';
  status: 'pending' | 'open' | 'acknowledged' | 'resolved';
  targetId: string;
  targetName: string;
  ruleId: string;
  openedAt: number;
  acknowledgedAt?: number;
  acknowledgedBy?: string;
  resolvedAt?: number;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** The observed value that crossed the rule, when the rule has one. */
  value?: string;
  /** Link to the incident in the API/dashboard; '' when no public base URL is configured. */
  url: string;
  /** Event ids (or summaries) behind the last transition. */
  evidence: unknown[];
  /** The stored incident's other fields, carried whole to generic webhooks. */
  tenant?: string;
  epoch?: number;
  reopenCount?: number;
  timeline?: unknown[];
  updatedAt?: number;
}

export interface Notice {
  /** Idempotency key of this delivery (`${incidentId}:${transitionSeq}:${channelId}`, or the group's). */
  key: string;
  transition: NoticeTransition;
  /** The first (or only) incident; `incidents` holds the whole group. */
  incident: NoticeIncident;
  incidents: NoticeIncident[];
  /** Labels every incident of the group shares (the incident's own when alone). */
  labels: Record<string, string>;
  annotations: Record<string, string>;
  value?: string;
  links: { incident: string };
  /** When the notification was made (epoch ms). */
  at: number;
  /** A route's group notification: the group's labels and its incidents by state (`incidents` holds them all). */
  group?: NoticeGroup;
}

export interface NoticeGroup {
  key: string;
  route: string;
  /** The route's groupBy labels with this group's values. */
  labels: Record<string, string>;
  firing: NoticeIncident[];
  /** Resolved since the group's last notification. */
  resolved: NoticeIncident[];
}

/** firing or resolved, as Alertmanager-style receivers put it. */
export function statusOf(n: Notice): 'firing' | 'resolved' {
  return n.transition === 'resolved' ? 'resolved' : 'firing';
}

/** Labels shared by every incident (same name and value). */
export function commonLabels(incidents: readonly NoticeIncident[]): Record<string, string> {
  const [first, ...rest] = incidents;
  if (!first) return {};
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(first.labels)) if (rest.every((i) => i.labels[k] === v)) out[k] = v;
  return out;
}

/** A notice of one incident, or of a group whose first incident leads. */
export function makeNotice(key: string, transition: NoticeTransition, incidents: readonly NoticeIncident[], at: number): Notice {
  const [first] = incidents;
  if (!first) throw new Error('a notice needs at least one incident');
  return {
    key,
    transition,
    incident: first,
    incidents: [...incidents],
    labels: incidents.length === 1 ? first.labels : commonLabels(incidents),
    annotations: first.annotations,
    ...(first.value !== undefined ? { value: first.value } : {}),
    links: { incident: first.url },
    at,
  };
}

/** The notice "Send test notification" and the template preview render when no incident is given. */
export function sampleNotice(key: string, at: number, publicBaseUrl = ''): Notice {
  const incident: NoticeIncident = {
    id: 'test-incident',
    title: 'Test notification from Lightwatch',
    severity: 'info',
    status: 'open',
    targetId: 'test-target',
    targetName: 'test-target',
    ruleId: 'test',
    openedAt: at,
    labels: { target: 'test-target', severity: 'info', rule: 'test' },
    annotations: { summary: 'This is a test notification: the channel is set up correctly.' },
    url: publicBaseUrl ? `${publicBaseUrl}/api/incidents/test-incident` : '',
    evidence: [],
  };
  return makeNotice(key, 'test', [incident], at);
}

/** A stored incident as notices carry it: its target's labels plus `target`, `rule` and `severity`. */
export function noticeIncidentOf(
  incident: Incident,
  extra: { targetName: string; targetLabels?: Readonly<Record<string, string>>; annotations?: Readonly<Record<string, string>>; value?: string; publicBaseUrl: string },
): NoticeIncident {
  const { targetName, targetLabels = {}, annotations = {}, value, publicBaseUrl } = extra;
  return {
    ...incident,
    targetName,
    labels: { ...targetLabels, ...incident.labels, target: targetName, rule: incident.ruleId, severity: incident.severity },
    annotations: { ...incident.annotations, ...annotations },
    ...(value !== undefined ? { value } : {}),
    url: publicBaseUrl ? `${publicBaseUrl}/api/incidents/${encodeURIComponent(incident.id)}` : '',
    evidence: incident.timeline.at(-1)?.evidence ?? [],
  };
}
