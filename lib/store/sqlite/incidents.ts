// Incidents (with their timeline, fenced by the detector's epoch), notification records and detector actor
// snapshots on SQLite.
import { badRequest } from '../../errors/errors.js';
import { encodeCursor } from '../cursor.js';
import type { StoreIncidentsPart } from '../port.js';
import { checkIncidentFilter, requireInteger, requireString } from '../query.js';
import type { ActorSnapshot, Incident, IncidentSpan, NotificationRecord } from '../types.js';
import { parseDoc, statementCache, type Db } from './db.js';

const ACTIVE = ['pending', 'open', 'acknowledged'];

/** Pending claims of a partition below an epoch (params: partition, after key, epoch, limit). The expressions of the
 *  partial index notifications_pending, word for word: otherwise the planner cannot use it. */
export const PENDING_NOTIFICATIONS_SQL = `SELECT doc FROM notifications WHERE json_extract(doc, '$.status') = 'pending' AND json_extract(doc, '$.partition') = ?
  AND key > ? AND json_extract(doc, '$.epoch') < ? ORDER BY key LIMIT ?`;

export function createSqliteIncidents(db: Db): StoreIncidentsPart {
  const prepare = statementCache(db);
  // The DO UPDATE's WHERE is the fence: a write from an older epoch changes nothing and reports 0 changes.
  const upsert = db.prepare(
    `INSERT INTO incidents (tenant, id, target_id, rule_id, status, opened_at, resolved_at, epoch, doc) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (tenant, id) DO UPDATE SET target_id = excluded.target_id, rule_id = excluded.rule_id, status = excluded.status,
       opened_at = excluded.opened_at, resolved_at = excluded.resolved_at, epoch = excluded.epoch, doc = excluded.doc
     WHERE excluded.epoch >= incidents.epoch`,
  );
  const getOne = db.prepare('SELECT doc FROM incidents WHERE tenant = ? AND id = ?');
  const setDoc = db.prepare('UPDATE incidents SET status = ?, resolved_at = ?, doc = ? WHERE tenant = ? AND id = ?');
  const active = db.prepare(
    `SELECT doc FROM incidents WHERE tenant = ? AND target_id = ? AND rule_id = ? AND status IN ('pending', 'open', 'acknowledged')
     ORDER BY opened_at DESC, id DESC LIMIT 1`,
  );
  const inWindow = db.prepare(
    `SELECT doc FROM incidents WHERE tenant = ? AND target_id = ? AND opened_at < ? AND (resolved_at IS NULL OR resolved_at > ?)
     ORDER BY opened_at, id`,
  );
  // The timeline stays in the document: json_extract reads the two small fields the columns lack. Open and
  // resolved-in-window incidents are two seeks on incidents_resolved (disjoint, so UNION ALL is the OR): with
  // `opened_at < to` first the planner walked every incident of the tenant's history, 90 days of them for a
  // 90-hour board window.
  const spanColumns = `id, target_id, rule_id, status, opened_at, resolved_at, json_extract(doc, '$.severity') AS severity, json_extract(doc, '$.title') AS title`;
  const spansStmt = db.prepare(
    `SELECT ${spanColumns} FROM incidents WHERE tenant = ? AND resolved_at IS NULL AND opened_at < ?
     UNION ALL
     SELECT ${spanColumns} FROM incidents WHERE tenant = ? AND resolved_at > ? AND opened_at < ?
     ORDER BY opened_at, id`,
  );
  const spans = { all: (tenant: string, to: number, from: number): unknown[] => spansStmt.all(tenant, to, tenant, from, to) };
  const claim = db.prepare('INSERT OR IGNORE INTO notifications (key, tenant, incident_id, created_at, doc) VALUES (?, ?, ?, ?, ?)');
  const getNotification = db.prepare('SELECT doc FROM notifications WHERE key = ?');
  const setNotification = db.prepare('UPDATE notifications SET doc = ? WHERE key = ?');
  const listNotifications = db.prepare('SELECT doc FROM notifications WHERE tenant = ? AND incident_id = ? ORDER BY created_at, key');
  const pendingNotifications = db.prepare(PENDING_NOTIFICATIONS_SQL);
  const saveSnapshot = db.prepare(
    `INSERT INTO snapshots (tenant, target_id, partition, epoch, doc) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (tenant, target_id) DO UPDATE SET partition = excluded.partition, epoch = excluded.epoch, doc = excluded.doc
     WHERE excluded.epoch >= snapshots.epoch`,
  );
  const loadSnapshots = db.prepare('SELECT doc FROM snapshots WHERE partition = ? ORDER BY tenant, target_id');

  const updateTx = db.transaction((tenant: string, id: string, patch: Partial<Incident>, entry: Incident['timeline'][number]) => {
    const current = parseDoc<Incident>(getOne.get(tenant, id) as { doc: string } | undefined);
    if (!current) return null;
    const next: Incident = { ...current, timeline: [...current.timeline, entry] };
    if (patch.status !== undefined) next.status = patch.status;
    if (patch.acknowledgedAt !== undefined) next.acknowledgedAt = patch.acknowledgedAt;
    if (patch.acknowledgedBy !== undefined) next.acknowledgedBy = patch.acknowledgedBy;
    if (patch.resolvedAt !== undefined) next.resolvedAt = requireInteger(patch.resolvedAt, 'resolvedAt');
    if (patch.updatedAt !== undefined) next.updatedAt = patch.updatedAt;
    setDoc.run(next.status, next.resolvedAt ?? null, JSON.stringify(next), tenant, id);
    return next;
  });

  const attemptTx = db.transaction((key: string, attempt: NotificationRecord['attempts'][number], status: NotificationRecord['status']) => {
    const current = parseDoc<NotificationRecord>(getNotification.get(key) as { doc: string } | undefined);
    if (!current) return;
    const { sendingSince: _ended, ...rest } = current;
    const next: NotificationRecord = { ...rest, status, attempts: [...current.attempts, attempt], updatedAt: Math.max(current.updatedAt, attempt.at) };
    setNotification.run(JSON.stringify(next), key);
  });

  const startTx = db.transaction((key: string, epoch: number, at: number): boolean => {
    const current = parseDoc<NotificationRecord>(getNotification.get(key) as { doc: string } | undefined);
    if (!current || current.status !== 'pending' || current.epoch !== epoch) return false;
    setNotification.run(JSON.stringify({ ...current, sendingSince: at, updatedAt: Math.max(current.updatedAt, at) }), key);
    return true;
  });

  const takeOverTx = db.transaction((seen: NotificationRecord, epoch: number): boolean => {
    const current = parseDoc<NotificationRecord>(getNotification.get(seen.key) as { doc: string } | undefined);
    if (!current || current.tenant !== seen.tenant || current.status !== 'pending' || current.epoch !== seen.epoch || current.attempts.length !== seen.attempts.length || current.sendingSince !== seen.sendingSince || epoch <= current.epoch) return false;
    setNotification.run(JSON.stringify({ ...current, epoch }), seen.key);
    return true;
  });

  const snapshotsTx = db.transaction((snapshots: readonly ActorSnapshot[]) => {
    for (const s of snapshots) {
      saveSnapshot.run(requireString(s.tenant, 'tenant'), requireString(s.targetId, 'targetId'), requireInteger(s.partition, 'partition'), requireInteger(s.epoch, 'epoch'), JSON.stringify(s));
    }
  });

  return {
    async upsertIncident(incident) {
      const tenant = requireString(incident?.tenant, 'tenant');
      const changes = upsert.run(
        tenant,
        requireString(incident.id, 'id'),
        requireString(incident.targetId, 'targetId'),
        requireString(incident.ruleId, 'ruleId'),
        requireString(incident.status, 'status'),
        requireInteger(incident.openedAt, 'openedAt'),
        incident.resolvedAt ?? null,
        requireInteger(incident.epoch, 'epoch'),
        JSON.stringify(incident),
      ).changes;
      return changes > 0;
    },

    async getIncident(tenant, id) {
      return parseDoc<Incident>(getOne.get(requireString(tenant, 'tenant'), requireString(id, 'id')) as { doc: string } | undefined);
    },

    async listIncidents(filter) {
      const f = checkIncidentFilter(filter);
      const where = ['tenant = ?'];
      const params: unknown[] = [f.tenant];
      if (f.targetId !== undefined) {
        where.push('target_id = ?');
        params.push(f.targetId);
      }
      if (f.status !== undefined) {
        where.push(`status IN (${f.status.map(() => '?').join(', ')})`);
        params.push(...f.status);
      }
      if (f.to !== undefined) {
        where.push('opened_at < ?');
        params.push(f.to);
      }
      if (f.from !== undefined) {
        where.push('(resolved_at IS NULL OR resolved_at > ?)');
        params.push(f.from);
      }
      if (f.after) {
        where.push('(opened_at, id) < (?, ?)');
        params.push(f.after.ts, f.after.id);
      }
      const sql = `SELECT doc FROM incidents WHERE ${where.join(' AND ')} ORDER BY opened_at DESC, id DESC LIMIT ?`;
      const rows = prepare(sql).all(...params, f.limit + 1) as Array<{ doc: string }>;
      const more = rows.length > f.limit;
      const items = (more ? rows.slice(0, f.limit) : rows).map((r) => JSON.parse(r.doc) as Incident);
      const last = items[items.length - 1];
      const nextCursor = more && last ? encodeCursor({ ts: last.openedAt, id: last.id, order: 'desc', filter: f.fingerprint }) : null;
      return { items, nextCursor };
    },

    async findActiveIncident(tenant, targetId, ruleId) {
      const row = active.get(requireString(tenant, 'tenant'), requireString(targetId, 'targetId'), requireString(ruleId, 'ruleId'));
      return parseDoc<Incident>(row as { doc: string } | undefined);
    },

    async updateIncident(tenant, id, patch, entry) {
      if (patch.status !== undefined && ![...ACTIVE, 'resolved'].includes(patch.status)) {
        throw badRequest('status must be an incident state', [{ at: 'status', message: 'must be pending, open, acknowledged or resolved' }]);
      }
      return updateTx(requireString(tenant, 'tenant'), requireString(id, 'id'), patch, entry);
    },

    async incidentsInWindow(tenant, targetId, from, to) {
      const rows = inWindow.all(requireString(tenant, 'tenant'), requireString(targetId, 'targetId'), requireInteger(to, 'to'), requireInteger(from, 'from'));
      return (rows as Array<{ doc: string }>).map((r) => JSON.parse(r.doc) as Incident);
    },

    async incidentSpans(tenant, from, to) {
      const rows = spans.all(requireString(tenant, 'tenant'), requireInteger(to, 'to'), requireInteger(from, 'from')) as Array<{
        id: string; target_id: string; rule_id: string; status: Incident['status']; opened_at: number; resolved_at: number | null; severity: Incident['severity']; title: string;
      }>;
      return rows.map((r): IncidentSpan => {
        const span: IncidentSpan = { id: r.id, targetId: r.target_id, ruleId: r.rule_id, status: r.status, severity: r.severity, title: r.title, openedAt: r.opened_at };
        if (r.resolved_at !== null) span.resolvedAt = r.resolved_at;
        return span;
      });
    },

    async claimNotification(record) {
      const key = requireString(record?.key, 'key');
      return claim.run(key, requireString(record.tenant, 'tenant'), requireString(record.incidentId, 'incidentId'), requireInteger(record.createdAt, 'createdAt'), JSON.stringify(record)).changes > 0;
    },

    async startNotificationAttempt(key, epoch, at) {
      return startTx(requireString(key, 'key'), requireInteger(epoch, 'epoch'), requireInteger(at, 'at'));
    },

    async recordNotificationAttempt(key, attempt, status) {
      attemptTx(requireString(key, 'key'), attempt, status);
    },

    async listNotifications(tenant, incidentId) {
      const rows = listNotifications.all(requireString(tenant, 'tenant'), requireString(incidentId, 'incidentId'));
      return (rows as Array<{ doc: string }>).map((r) => JSON.parse(r.doc) as NotificationRecord);
    },

    async pendingNotifications(partition, belowEpoch, limit, afterKey = '') {
      const rows = pendingNotifications.all(requireInteger(partition, 'partition'), requireString(afterKey, 'afterKey', { allowEmpty: true }), requireInteger(belowEpoch, 'belowEpoch'), requireInteger(limit, 'limit'));
      return (rows as Array<{ doc: string }>).map((r) => JSON.parse(r.doc) as NotificationRecord);
    },

    async takeOverNotification(seen, epoch) {
      requireString(seen?.key, 'key');
      requireInteger(seen.epoch, 'epoch');
      return takeOverTx(seen, requireInteger(epoch, 'epoch'));
    },

    async saveSnapshots(snapshots) {
      if (snapshots.length > 0) snapshotsTx(snapshots);
    },

    async loadSnapshots(partition) {
      return (loadSnapshots.all(requireInteger(partition, 'partition')) as Array<{ doc: string }>).map((r) => JSON.parse(r.doc) as ActorSnapshot);
    },
  };
}
