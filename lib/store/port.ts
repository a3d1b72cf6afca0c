// The store port: only the operations the services call. Two adapters (SQLite, MongoDB) implement it and
// pass one conformance suite. Every call is scoped by tenant; a tenant never reads another's rows.
import type {
  ActorSnapshot,
  ApiKey,
  Channel,
  EventQuery,
  Incident,
  Maintenance,
  NotificationAttempt,
  NotificationRecord,
  Page,
  Rule,
  SeriesPoint,
  SeriesQuery,
  Silence,
  IncidentSpan,
  InhibitRule,
  NotificationRoute,
  StatusPage,
  StoredEvent,
  Target,
  Tenant,
  TimelineEntry,
  User,
} from './types.js';
import type { EventKind } from '../events/event.js';
import type { MetricsStore } from '../tsdb/port.js';

/** CRUD over one tenant-scoped configuration collection. `create` throws `conflict` on a duplicate name. */
export interface ConfigCollection<T extends { id: string; tenant: string }> {
  list(tenant: string): Promise<T[]>;
  get(tenant: string, id: string): Promise<T | null>;
  create(item: T): Promise<T>;
  /** Replaces the stored item; returns null when it does not exist for that tenant. */
  update(item: T): Promise<T | null>;
  delete(tenant: string, id: string): Promise<boolean>;
}

export interface IncidentFilter {
  tenant: string;
  status?: Incident['status'][];
  targetId?: string;
  /** Only incidents active at some time in [from, to): opened before `to`, not resolved by `from` (epoch ms). */
  from?: number;
  to?: number;
  limit: number;
  cursor?: string;
}

export interface Store {
  readonly kind: 'sqlite' | 'mongodb';

  // Events -------------------------------------------------------------------------------------------
  /** Idempotent by event id: a replayed batch inserts nothing new. Returns how many were new. */
  appendEvents(events: readonly StoredEvent[]): Promise<{ inserted: number }>;
  /** Keyset-paginated (ts, id) read; stable while new events arrive. */
  queryEvents(query: EventQuery): Promise<Page<StoredEvent>>;
  metricSeries(query: SeriesQuery): Promise<SeriesPoint[]>;
  countEvents(tenant: string, kind?: EventKind): Promise<number>;
  /**
   * The newest event of `kind` of each named target (by `target`), keyed by target; targets with none are absent.
   * One indexed lookup per target: the status board asks this for every target of a tenant at once.
   */
  latestEvents(tenant: string, kind: EventKind, targets: readonly string[]): Promise<Map<string, StoredEvent>>;
  /** Deletes events older than `before` (epoch ms) of one kind, all tenants; returns how many. */
  deleteEventsBefore(kind: EventKind, before: number): Promise<number>;

  /** Metric series and samples: series index, compressed chunks, PromQL's storage port. */
  readonly metrics: MetricsStore;

  // Configuration --------------------------------------------------------------------------------------
  readonly targets: ConfigCollection<Target> & { getByName(tenant: string, name: string): Promise<Target | null>; listAll(): Promise<Target[]> };
  readonly rules: ConfigCollection<Rule> & { listAll(): Promise<Rule[]> };
  readonly channels: ConfigCollection<Channel>;
  readonly silences: ConfigCollection<Silence>;
  readonly maintenance: ConfigCollection<Maintenance>;
  readonly statusPages: ConfigCollection<StatusPage> & { listAll(): Promise<StatusPage[]> };
  /** Notification routes (grouping) and inhibition rules, per tenant. */
  readonly routes: ConfigCollection<NotificationRoute>;
  readonly inhibitRules: ConfigCollection<InhibitRule>;

  // Incidents ------------------------------------------------------------------------------------------
  /**
   * Creates or replaces an incident written by a detector holding fencing `epoch`; refused (returns false)
   * when the stored incident carries a higher epoch, so a detector that lost its lease cannot write.
   */
  upsertIncident(incident: Incident): Promise<boolean>;
  getIncident(tenant: string, id: string): Promise<Incident | null>;
  listIncidents(filter: IncidentFilter): Promise<Page<Incident>>;
  /** The open/pending/acknowledged incident of (target, rule), if any. */
  findActiveIncident(tenant: string, targetId: string, ruleId: string): Promise<Incident | null>;
  /** Appends to the timeline and applies `patch` (acknowledge or resolve from the API); null when not found. */
  updateIncident(tenant: string, id: string, patch: Partial<Pick<Incident, 'status' | 'acknowledgedAt' | 'acknowledgedBy' | 'resolvedAt' | 'updatedAt'>>, entry: TimelineEntry): Promise<Incident | null>;
  /** Incidents of a target overlapping [from, to), for uptime figures. */
  incidentsInWindow(tenant: string, targetId: string, from: number, to: number): Promise<Incident[]>;
  /** Incidents of every target of a tenant overlapping [from, to), without timelines, ordered by openedAt. */
  incidentSpans(tenant: string, from: number, to: number): Promise<IncidentSpan[]>;

  // Notifications ----------------------------------------------------------------------------------------
  /** Records the intent to notify; false when the key exists already (someone sent or is sending it). */
  claimNotification(record: NotificationRecord): Promise<boolean>;
  /**
   * Marks a request about to start (`sendingSince = at`), only while the claim is `pending` under `epoch`: false
   * once a later holder took it over (or it is no longer pending), and then nothing may be sent. The conditional
   * write the holder's request and a take-over meet at: of the two, one happens first.
   */
  startNotificationAttempt(key: string, epoch: number, at: number): Promise<boolean>;
  /** Appends the attempt, sets the status and clears `sendingSince`. */
  recordNotificationAttempt(key: string, attempt: NotificationAttempt, status: NotificationRecord['status']): Promise<void>;
  listNotifications(tenant: string, incidentId: string): Promise<NotificationRecord[]>;
  /**
   * Claims of `partition` still `pending` under an epoch below `belowEpoch`, all tenants: their holder died or
   * lost the partition between claim and send. Ordered by key, at most `limit`, keys after `afterKey` when given.
   */
  pendingNotifications(partition: number, belowEpoch: number, limit: number, afterKey?: string): Promise<NotificationRecord[]>;
  /**
   * Takes a pending claim over for `epoch`: succeeds only while the stored record is as `seen` was read (still
   * `pending`, under `seen.epoch`, with as many attempts and the same `sendingSince`) and `epoch` is higher, so of owners racing for one
   * claim exactly one gets it. Returns whether this call took it.
   */
  takeOverNotification(seen: NotificationRecord, epoch: number): Promise<boolean>;

  // Detector state ------------------------------------------------------------------------------------------
  /** Upserts per (tenant, targetId); a snapshot whose epoch is lower than the stored one is ignored (same fence as incidents). */
  saveSnapshots(snapshots: readonly ActorSnapshot[]): Promise<void>;
  loadSnapshots(partition: number): Promise<ActorSnapshot[]>;

  // Tenants, keys, users ----------------------------------------------------------------------------------------
  createTenant(tenant: Tenant): Promise<Tenant>;
  getTenant(id: string): Promise<Tenant | null>;
  listTenants(): Promise<Tenant[]>;
  createApiKey(key: ApiKey): Promise<ApiKey>;
  /** Also returns a revoked key (with `revokedAt`): the caller refuses it. */
  findApiKeyByHash(hash: string): Promise<ApiKey | null>;
  listApiKeys(tenant: string): Promise<ApiKey[]>;
  revokeApiKey(tenant: string, id: string, at: number): Promise<boolean>;
  createUser(user: User): Promise<User>;
  /** E-mail addresses are unique across tenants (login happens before a tenant is known) and compared case-insensitively. */
  findUserByEmail(email: string): Promise<User | null>;
  listUsers(tenant: string): Promise<User[]>;
  deleteUser(tenant: string, id: string): Promise<boolean>;

  // Operations --------------------------------------------------------------------------------------------------
  /** Cheap round trip for /readyz. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** The tenants, keys and users slice of the port, as each adapter builds it. */
export type StoreAuthPart = Pick<
  Store,
  'createTenant' | 'getTenant' | 'listTenants' | 'createApiKey' | 'findApiKeyByHash' | 'listApiKeys' | 'revokeApiKey' | 'createUser' | 'findUserByEmail' | 'listUsers' | 'deleteUser'
>;

/** The incidents, notifications and detector-state slice of the port, as each adapter builds it. */
export type StoreIncidentsPart = Pick<
  Store,
  | 'upsertIncident'
  | 'getIncident'
  | 'listIncidents'
  | 'findActiveIncident'
  | 'updateIncident'
  | 'incidentsInWindow'
  | 'incidentSpans'
  | 'claimNotification'
  | 'startNotificationAttempt'
  | 'recordNotificationAttempt'
  | 'listNotifications'
  | 'pendingNotifications'
  | 'takeOverNotification'
  | 'saveSnapshots'
  | 'loadSnapshots'
>;
