// Incidents (fenced by the detector's epoch), notification records and actor snapshots on MongoDB.
// The fence is a conditional upsert: the filter requires the stored epoch to be at most the writer's, so a
// stale writer's upsert tries to insert a second (tenant, id) and the unique index refuses it (11000).
import { MongoBulkWriteError, type AnyBulkWriteOperation, type Db, type Document } from 'mongodb';
import { badRequest } from '../../errors/errors.js';
import { encodeCursor } from '../cursor.js';
import type { StoreIncidentsPart } from '../port.js';
import { checkIncidentFilter, requireInteger, requireString } from '../query.js';
import type { ActorSnapshot, Incident, IncidentSpan, NotificationRecord } from '../types.js';
import { COLLECTIONS } from './schema.js';
import { countIgnoringDuplicates, eqString, isDuplicateKey } from './util.js';

const HIDE_ID = { projection: { _id: 0 } } as const;
const STATES = ['pending', 'open', 'acknowledged', 'resolved'];

export function createMongoIncidents(db: Db): StoreIncidentsPart {
  const incidents = db.collection<Document>(COLLECTIONS.incidents);
  const notifications = db.collection<Document>(COLLECTIONS.notifications);
  const snapshots = db.collection<Document>(COLLECTIONS.snapshots);
  const key = (tenant: unknown, id: unknown): Document => ({ tenant: eqString(requireString(tenant, 'tenant')), id: eqString(requireString(id, 'id')) });

  return {
    async upsertIncident(incident) {
      const epoch = requireInteger(incident?.epoch, 'epoch');
      requireString(incident.targetId, 'targetId');
      requireString(incident.ruleId, 'ruleId');
      try {
        await incidents.replaceOne({ ...key(incident.tenant, incident.id), epoch: { $lte: epoch } }, { ...incident }, { upsert: true });
        return true;
      } catch (err) {
        if (isDuplicateKey(err)) return false;
        throw err;
      }
    },

    async getIncident(tenant, id) {
      return (await incidents.findOne(key(tenant, id), HIDE_ID)) as Incident | null;
    },

    async listIncidents(filter) {
      const f = checkIncidentFilter(filter);
      const and: Document[] = [{ tenant: eqString(f.tenant) }];
      if (f.targetId !== undefined) and.push({ targetId: eqString(f.targetId) });
      if (f.status !== undefined) and.push({ status: { $in: f.status.map(String) } });
      if (f.to !== undefined) and.push({ openedAt: { $lt: f.to } });
      // `resolvedAt: null` also matches a missing field: still open.
      if (f.from !== undefined) and.push({ $or: [{ resolvedAt: null }, { resolvedAt: { $gt: f.from } }] });
      if (f.after) {
        and.push({ openedAt: { $lte: f.after.ts } });
        and.push({ $or: [{ openedAt: { $lt: f.after.ts } }, { id: { $lt: String(f.after.id) } }] });
      }
      const docs = (await incidents
        .find({ $and: and }, HIDE_ID)
        .sort({ openedAt: -1, id: -1 })
        .limit(f.limit + 1)
        .toArray()) as unknown as Incident[];
      const more = docs.length > f.limit;
      const items = more ? docs.slice(0, f.limit) : docs;
      const last = items[items.length - 1];
      const nextCursor = more && last ? encodeCursor({ ts: last.openedAt, id: last.id, order: 'desc', filter: f.fingerprint }) : null;
      return { items, nextCursor };
    },

    async findActiveIncident(tenant, targetId, ruleId) {
      return (await incidents.findOne(
        {
          tenant: eqString(requireString(tenant, 'tenant')),
          targetId: eqString(requireString(targetId, 'targetId')),
          ruleId: eqString(requireString(ruleId, 'ruleId')),
          status: { $in: ['pending', 'open', 'acknowledged'] },
        },
        { ...HIDE_ID, sort: { openedAt: -1, id: -1 } },
      )) as Incident | null;
    },

    async updateIncident(tenant, id, patch, entry) {
      const set: Document = {};
      if (patch.status !== undefined) {
        if (!STATES.includes(patch.status)) throw badRequest('status must be an incident state', [{ at: 'status', message: 'must be pending, open, acknowledged or resolved' }]);
        set.status = String(patch.status);
      }
      if (patch.acknowledgedAt !== undefined) set.acknowledgedAt = requireInteger(patch.acknowledgedAt, 'acknowledgedAt');
      if (patch.acknowledgedBy !== undefined) set.acknowledgedBy = requireString(patch.acknowledgedBy, 'acknowledgedBy');
      if (patch.resolvedAt !== undefined) set.resolvedAt = requireInteger(patch.resolvedAt, 'resolvedAt');
      if (patch.updatedAt !== undefined) set.updatedAt = requireInteger(patch.updatedAt, 'updatedAt');
      const update: Document = { $push: { timeline: entry } };
      if (Object.keys(set).length > 0) update.$set = set;
      return (await incidents.findOneAndUpdate(key(tenant, id), update, { ...HIDE_ID, returnDocument: 'after' })) as Incident | null;
    },

    async incidentSpans(tenant, from, to) {
      const filter = {
        tenant: eqString(requireString(tenant, 'tenant')),
        openedAt: { $lt: requireInteger(to, 'to') },
        $or: [{ resolvedAt: null }, { resolvedAt: { $gt: requireInteger(from, 'from') } }],
      };
      const projection = { _id: 0, id: 1, targetId: 1, ruleId: 1, status: 1, severity: 1, title: 1, openedAt: 1, resolvedAt: 1 };
      return (await incidents.find(filter, { projection }).sort({ openedAt: 1, id: 1 }).toArray()) as unknown as IncidentSpan[];
    },

    async incidentsInWindow(tenant, targetId, from, to) {
      const filter = {
        tenant: eqString(requireString(tenant, 'tenant')),
        targetId: eqString(requireString(targetId, 'targetId')),
        openedAt: { $lt: requireInteger(to, 'to') },
        // `resolvedAt: null` also matches a missing field: still open.
        $or: [{ resolvedAt: null }, { resolvedAt: { $gt: requireInteger(from, 'from') } }],
      };
      return (await incidents.find(filter, HIDE_ID).sort({ openedAt: 1, id: 1 }).toArray()) as unknown as Incident[];
    },

    async claimNotification(record) {
      try {
        await notifications.insertOne({ ...record, _id: requireString(record?.key, 'key') } as unknown as Document);
        return true;
      } catch (err) {
        if (isDuplicateKey(err)) return false;
        throw err;
      }
    },

    async recordNotificationAttempt(k, attempt, status) {
      const filter: Document = { _id: eqString(requireString(k, 'key')) };
      const update: Document = { $push: { attempts: attempt }, $set: { status: String(status) }, $unset: { sendingSince: '' }, $max: { updatedAt: requireInteger(attempt.at, 'at') } };
      await notifications.updateOne(filter, update);
    },

    async startNotificationAttempt(k, epoch, at) {
      const filter: Document = { _id: eqString(requireString(k, 'key')), status: 'pending', epoch: { $eq: requireInteger(epoch, 'epoch') } };
      const when = requireInteger(at, 'at');
      return (await notifications.updateOne(filter, { $set: { sendingSince: when }, $max: { updatedAt: when } })).matchedCount === 1;
    },

    async listNotifications(tenant, incidentId) {
      const docs = await notifications
        .find({ tenant: eqString(requireString(tenant, 'tenant')), incidentId: eqString(requireString(incidentId, 'incidentId')) }, HIDE_ID)
        .sort({ createdAt: 1, key: 1 })
        .toArray();
      return docs as unknown as NotificationRecord[];
    },

    async pendingNotifications(partition, belowEpoch, limit, afterKey = '') {
      const filter: Document = {
        status: 'pending',
        partition: { $eq: requireInteger(partition, 'partition') },
        _id: { $gt: String(requireString(afterKey, 'afterKey', { allowEmpty: true })) },
        epoch: { $lt: requireInteger(belowEpoch, 'belowEpoch') },
      };
      const docs = await notifications.find(filter, HIDE_ID).sort({ _id: 1 }).limit(requireInteger(limit, 'limit')).toArray();
      return docs as unknown as NotificationRecord[];
    },

    async takeOverNotification(seen, epoch) {
      const to = requireInteger(epoch, 'epoch');
      const from = requireInteger(seen?.epoch, 'epoch');
      if (to <= from) return false;
      // One conditional update: the filter is the record as it was read, so of two racing owners one matches.
      const filter: Document = {
        _id: eqString(requireString(seen.key, 'key')),
        tenant: eqString(requireString(seen.tenant, 'tenant')),
        status: 'pending',
        epoch: { $eq: from },
        attempts: { $size: seen.attempts.length },
        sendingSince: seen.sendingSince === undefined ? { $exists: false } : { $eq: requireInteger(seen.sendingSince, 'sendingSince') },
      };
      return (await notifications.updateOne(filter, { $set: { epoch: to } })).modifiedCount === 1;
    },

    async saveSnapshots(list) {
      if (list.length === 0) return;
      const ops: AnyBulkWriteOperation<Document>[] = list.map((s) => ({
        replaceOne: {
          filter: {
            tenant: eqString(requireString(s.tenant, 'tenant')),
            targetId: eqString(requireString(s.targetId, 'targetId')),
            epoch: { $lte: requireInteger(s.epoch, 'epoch') },
          },
          replacement: { ...s, partition: requireInteger(s.partition, 'partition') },
          upsert: true,
        },
      }));
      try {
        await snapshots.bulkWrite(ops, { ordered: false });
      } catch (err) {
        // A duplicate key here is the fence refusing an older epoch's snapshot: nothing to do for that one.
        if (!(err instanceof MongoBulkWriteError)) throw err;
        countIgnoringDuplicates(err, () => 0);
      }
    },

    async loadSnapshots(partition) {
      return (await snapshots.find({ partition: { $eq: requireInteger(partition, 'partition') } }, HIDE_ID).sort({ tenant: 1, targetId: 1 }).toArray()) as unknown as ActorSnapshot[];
    },
  };
}
