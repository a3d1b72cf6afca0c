// The stored entities and query shapes shared by the store port, its adapters and the services.
// Pure types; every entity carries its tenant, and every store call is scoped by tenant.
import type { CanonicalEvent, EventKind, Labels } from '../events/event.js';
import type { Scope } from '../auth/principal.js';
import type { CheckKind, CheckSettingsOf, HttpCheck } from '../api/check-settings.js';
import type { RuleKind, TargetKind } from '../api/kinds.js';
import type { ChannelKind } from '../channels/driver.js';
import type { Notice } from '../channels/notice.js';

export type { RuleKind, TargetKind };

export interface HeartbeatCheck {
  /** Interval schedule; absent when `cron` is set. */
  intervalSec?: number;
  /** Cron schedule (five fields) in `timezone` (default UTC): a ping is expected at each of its times. */
  cron?: string;
  timezone?: string;
  /** Healthchecks-style ping URL `/ping/{uuid}` (generated when the target is created). */
  uuid?: string;
  /** Healthchecks-style `/ping/{pingKey}/{slug}`: a key shared by the targets that carry it, and this target's slug (default: its name). */
  pingKey?: string;
  slug?: string;
  /** Uptime Kuma push URL `/api/push/{pushToken}` (generated when the target is created). */
  pushToken?: string;
  graceSec: number;
  /** A `/start` without a finish within this many seconds → late. */
  maxRunSec?: number;
}

export type { HttpCheck };

/** The settings block of each active check kind, named after the kind (lib/api/check-settings.ts). */
export type CheckBlocks = { [K in CheckKind]?: CheckSettingsOf[K] };

export interface Target extends CheckBlocks {
  id: string;
  tenant: string;
  name: string;
  kind: TargetKind;
  labels: Labels;
  heartbeat?: HeartbeatCheck;
  /** SLA target as a percentage, e.g. 99.9. */
  slaTarget?: number;
  /** Notification channel ids; empty = the tenant's default channels. */
  channels: string[];
  /** Target ids this one depends on: while one is down, this target's incidents are not notified. */
  dependsOn?: string[];
  paused: boolean;
  createdAt: number;
  updatedAt: number;
}


export interface Rule {
  id: string;
  tenant: string;
  name: string;
  kind: RuleKind;
  /** Applies to one target (by id) or to every target whose labels match the selector. */
  targetId?: string;
  selector?: Labels;
  /** Kind-specific settings: lib/api/rule-params.ts is their one schema (API validation and detector reading). */
  params: Record<string, unknown>;
  severity: 'info' | 'warning' | 'critical';
  channels: string[];
  enabled: boolean;
  createdAt: number;
  updatedAt: number;
}

export type { ChannelKind };

/** Liquid templates of a channel's messages; unset parts use the kind's defaults. */
export interface ChannelTemplate {
  title?: string;
  body?: string;
  html?: string;
}

/** Delivery health, kept by the notifier: `failing` after several notifications in a row failed. */
export interface ChannelHealth {
  failing: boolean;
  consecutiveFailures: number;
  lastError?: string;
  lastFailureAt?: number;
  lastSuccessAt?: number;
}

export interface Channel {
  id: string;
  tenant: string;
  name: string;
  kind: ChannelKind;
  /** The kind's settings, as lib/channels/kinds/<kind>.ts validates them. */
  config: Record<string, unknown>;
  template?: ChannelTemplate;
  health?: ChannelHealth;
  /** Gets every incident of targets and rules that name no channel. */
  isDefault: boolean;
  /** Reminders while an incident stays open; 0 = none. */
  repeatIntervalSec: number;
  /** At most this many messages per minute to this channel. */
  rateLimitPerMin: number;
  createdAt: number;
  updatedAt: number;
}

export interface Matcher {
  /** A label name, or `target` / `rule` / `severity`. */
  name: string;
  value: string;
  /** `=`, `!=`, `=~` (regex), `!~`. */
  op: '=' | '!=' | '=~' | '!~';
}

/**
 * A notification route (Alertmanager's `route`): incidents whose labels (plus target, rule, severity) match go
 * to `channelId` in groups of equal `groupBy` values, paced by groupWait / groupInterval / repeatInterval.
 */
export interface NotificationRoute {
  id: string;
  tenant: string;
  name: string;
  channelId: string;
  /** Every matcher must match; none = every incident of the tenant. */
  matchers: Matcher[];
  /** Labels whose values form a group; `["..."]` = every incident alone; [] = one group for the route. */
  groupBy: string[];
  groupWaitSec: number;
  groupIntervalSec: number;
  /** Re-send of an unchanged firing group; 0 = never. */
  repeatIntervalSec: number;
  createdAt: number;
  updatedAt: number;
}

/** An inhibition rule: while a `source` incident is open, notifications of `target` incidents with equal `equal` labels are held back. */
export interface InhibitRule {
  id: string;
  tenant: string;
  name: string;
  source: Matcher[];
  target: Matcher[];
  equal: string[];
  createdAt: number;
  updatedAt: number;
}

export interface Silence {
  id: string;
  tenant: string;
  matchers: Matcher[];
  startsAt: number;
  endsAt: number;
  comment: string;
  creator: string;
  createdAt: number;
}

export interface Maintenance {
  id: string;
  tenant: string;
  name: string;
  /** Target ids, or a label selector; both empty = every target of the tenant. */
  targetIds: string[];
  selector?: Labels;
  startsAt: number;
  endsAt: number;
  comment: string;
  createdAt: number;
}

export type IncidentStatus = 'pending' | 'open' | 'acknowledged' | 'resolved';

export interface TimelineEntry {
  at: number;
  /** opened, escalated, acknowledged, resolved, reopened, evidence, notified, notify_failed, reminder, ... */
  type: string;
  message: string;
  /** Event ids (or short event summaries) that caused this entry. */
  evidence?: unknown[];
  actor?: string;
  epoch?: number;
}

export interface Incident {
  id: string;
  tenant: string;
  targetId: string;
  ruleId: string;
  status: IncidentStatus;
  severity: 'info' | 'warning' | 'critical';
  title: string;
  openedAt: number;
  acknowledgedAt?: number;
  acknowledgedBy?: string;
  resolvedAt?: number;
  /** Times it relapsed into open within the relapse window (kept as one incident). */
  reopenCount: number;
  /** Fencing epoch of the last detector write; a write with a lower epoch is refused. */
  epoch: number;
  /** An alert's labels and annotations (incidents of alerts posted to /api/am). */
  labels?: Labels;
  annotations?: Record<string, string>;
  timeline: TimelineEntry[];
  updatedAt: number;
}

/** An incident without its timeline: what the status board and public pages need of every incident in a window. */
export type IncidentSpan = Pick<Incident, 'id' | 'targetId' | 'ruleId' | 'status' | 'severity' | 'title' | 'openedAt' | 'resolvedAt'>;

/** A public status page (opt-in per tenant): chosen targets in sections, served without credentials at /status/{slug}. */
export interface StatusPage {
  id: string;
  tenant: string;
  /** Title shown on the page; unique per tenant. */
  name: string;
  /** URL name, unique across the installation (public paths carry no tenant). */
  slug: string;
  description: string;
  sections: StatusPageSection[];
  /** Only a published page (and its badges) is served publicly. */
  published: boolean;
  createdAt: number;
  updatedAt: number;
}

export interface StatusPageSection {
  name: string;
  /** Target ids of the page's tenant. */
  targetIds: string[];
}

export interface Tenant {
  id: string;
  name: string;
  createdAt: number;
}

export interface ApiKey {
  id: string;
  tenant: string;
  name: string;
  /** sha256 of the key; the key itself is shown once at creation and never stored. */
  hash: string;
  /** First characters of the key, to tell keys apart in listings. */
  prefix: string;
  scopes: Scope[];
  createdAt: number;
  revokedAt?: number;
  lastUsedAt?: number;
}

export interface User {
  id: string;
  tenant: string;
  email: string;
  /** scrypt hash with its parameters and salt. */
  passwordHash: string;
  scopes: Scope[];
  createdAt: number;
}

export interface ActorSnapshot {
  tenant: string;
  targetId: string;
  partition: number;
  /** The last stream entry id (and index in its batch) applied to this actor. */
  appliedId: string;
  snapshot: unknown;
  epoch: number;
  updatedAt: number;
}

/** One record per incident transition per channel: recorded before sending, so a replay never sends twice. */
export interface NotificationRecord {
  /** `${incidentId}:${transitionSeq}:${channelId}` */
  key: string;
  tenant: string;
  incidentId: string;
  channelId: string;
  transition: string;
  status: 'pending' | 'sent' | 'failed' | 'suppressed';
  attempts: NotificationAttempt[];
  /** The fencing epoch of the claim's holder: the claimer's, or that of the owner that took it over later. */
  epoch: number;
  /** The partition whose lease the claimer held; absent on records written before claims were recovered. */
  partition?: number;
  /**
   * What the claim is to send, so that a later owner of the partition can send a claim its holder left pending.
   * The store keeps it as given and does not read it.
   */
  notice?: Notice;
  /**
   * Set while its holder has a request out (from just before it starts until its attempt is recorded): a later
   * holder waits for that request to end before taking the claim over. Absent: no request can be in flight.
   */
  sendingSince?: number;
  createdAt: number;
  updatedAt: number;
}

export interface NotificationAttempt {
  at: number;
  ok: boolean;
  status?: number;
  error?: string;
  durationMs: number;
}

export interface EventQuery {
  tenant: string;
  kind: EventKind;
  target?: string;
  labels?: Labels;
  level?: string;
  severity?: string;
  category?: string;
  status?: string;
  /** Metric name. */
  name?: string;
  /** Case-insensitive substring of the message. */
  text?: string;
  /** Inclusive lower bound on ts, epoch ms. */
  from?: number;
  /** Exclusive upper bound on ts, epoch ms. */
  to?: number;
  limit: number;
  order: 'asc' | 'desc';
  /** Opaque keyset cursor from a previous page; valid only with the same filter, order and tenant (else 400 bad_cursor). */
  cursor?: string;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface SeriesQuery {
  tenant: string;
  name: string;
  target?: string;
  labels?: Labels;
  /** [from, to) in epoch ms; points are buckets [from + k*stepMs, from + (k+1)*stepMs), empty buckets omitted. */
  from: number;
  to: number;
  stepMs: number;
}

export interface SeriesPoint {
  t: number;
  avg: number;
  min: number;
  max: number;
  count: number;
}

export type StoredEvent = CanonicalEvent;
