// Elasticsearch `_bulk` (NDJSON pairs of action and document), as Filebeat, Fluent Bit, Logstash and rsyslog's
// omelasticsearch send it. `index`/`create` documents become log drafts (ECS and rsyslog field names mapped);
// `delete`/`update` are answered per item as unsupported. A malformed action line fails the whole request,
// as it does in Elasticsearch, because the pairing of the lines after it is lost. Pure.
import type { DraftEvent, JsonValue } from '../../lib/events/event.js';
import { badRequest } from '../../lib/errors/errors.js';
import type { LightwatchError } from '../../lib/errors/errors.js';
import { batchTooLarge, describeJsonProblem, splitLines, tryParseJson } from './json.js';
import { levelInLine, normalizeLevel } from './levels.js';
import { isObject, KeyRoles, scalarString, typeName } from './values.js';
import type { JsonObject, ParsedItem, Rejection } from './values.js';

export type BulkAction = 'index' | 'create' | 'delete' | 'update';

/** What the bulk response needs to know about each action (indexed like the actions). */
export interface BulkActionMeta {
  action: BulkAction;
  index: string;
  id?: string;
}

export interface BulkOptions {
  maxItems: number;
  maxDepth: number;
  defaultTarget?: string;
  /** Index named in the path (`/{index}/_bulk`), used when an action names none. */
  defaultIndex?: string;
}

export interface BulkResult {
  items: ParsedItem[];
  rejected: Rejection[];
  format: 'elasticsearch_bulk';
  bulk: BulkActionMeta[];
}

export const DEFAULT_BULK_INDEX = 'lightwatch';

// rsyslog's default omelasticsearch template sends message, fromhost, facility, priority, timereported and
// timegenerated; custom templates and Beats use the ECS names.
const docRoles = new KeyRoles({
  ts: ['@timestamp', 'timestamp', 'time', 'ts', 'timereported', 'timegenerated'],
  message: ['message', 'msg'],
  level: ['log.level', 'level', 'severity', 'loglevel', 'syslog.severity_label', 'priority'],
});

/** Item index = action ordinal (0-based), which is also the position in the bulk response's `items`. */
export function parseBulk(text: string, opts: BulkOptions): BulkResult {
  let lines: { line: number; text: string }[];
  try {
    lines = splitLines(text, opts.maxItems * 2 + 1);
  } catch {
    // Two lines per action: say it in actions, the unit the limit is about.
    throw batchTooLarge(`more than ${opts.maxItems} actions`, opts.maxItems);
  }
  const items: ParsedItem[] = [];
  const rejected: Rejection[] = [];
  const bulk: BulkActionMeta[] = [];
  let i = 0;
  while (i < lines.length) {
    const actionLine = lines[i++] as { line: number; text: string };
    const where = `line ${actionLine.line + 1}`;
    const parsed = tryParseJson(actionLine.text, opts.maxDepth);
    if (!parsed.ok) throw malformed(`${where}: action ${describeJsonProblem(actionLine.text, parsed.problem)}`, where);
    const { action, meta } = actionOf(parsed.value, where);
    const ordinal = bulk.length;
    if (ordinal >= opts.maxItems) throw batchTooLarge(`more than ${opts.maxItems} actions`, opts.maxItems);
    const index = typeof meta._index === 'string' && meta._index !== '' ? meta._index : (opts.defaultIndex ?? DEFAULT_BULK_INDEX);
    const id = scalarString(meta._id);
    bulk.push(id === undefined || id === '' ? { action, index } : { action, index, id });
    if (action === 'delete') {
      rejected.push({ index: ordinal, error: 'delete is not supported: Lightwatch keeps events append-only' });
      continue;
    }
    const docLine = lines[i++];
    if (docLine === undefined) throw malformed(`${where}: the ${action} action has no document line after it`, where);
    if (action === 'update') {
      rejected.push({ index: ordinal, error: 'update is not supported: Lightwatch keeps events append-only' });
      continue;
    }
    const doc = tryParseJson(docLine.text, opts.maxDepth);
    if (!doc.ok) {
      rejected.push({ index: ordinal, error: `line ${docLine.line + 1}: document ${describeJsonProblem(docLine.text, doc.problem)}` });
      continue;
    }
    if (!isObject(doc.value)) {
      rejected.push({ index: ordinal, error: `line ${docLine.line + 1}: document must be a JSON object, not ${typeName(doc.value)}` });
      continue;
    }
    const draft = docDraft(doc.value, index, opts.defaultTarget);
    if (id !== undefined && id !== '') draft.clientId = `${index}/${id}`;
    items.push({ index: ordinal, draft });
  }
  return { items, rejected, format: 'elasticsearch_bulk', bulk };
}

function malformed(message: string, at: string): LightwatchError {
  return badRequest(`malformed bulk request: ${message}`, [{ at, message }], 'malformed_bulk');
}

function actionOf(v: unknown, where: string): { action: BulkAction; meta: JsonObject } {
  if (!isObject(v)) throw malformed(`${where}: an action line must be an object like {"index":{}}`, where);
  let found: { action: BulkAction; meta: JsonObject } | undefined;
  for (const key in v) {
    if (found !== undefined) throw malformed(`${where}: an action line holds exactly one action`, where);
    if (key !== 'index' && key !== 'create' && key !== 'delete' && key !== 'update') {
      throw malformed(`${where}: unknown action "${key.slice(0, 40)}" (expected index, create, delete or update)`, where);
    }
    const meta = v[key];
    if (meta !== null && !isObject(meta)) throw malformed(`${where}: the ${key} action's metadata must be an object`, where);
    found = { action: key, meta: meta ?? {} };
  }
  if (found === undefined) throw malformed(`${where}: empty action line`, where);
  return found;
}

/** Nested (`{"host": {"name": ...}}`) or dotted (`"host.name"`) ECS field, as a non-empty string. */
function ecs(doc: JsonObject, path: string, outer: string, inner: string): string | undefined {
  const dotted = doc[path];
  if (typeof dotted === 'string' && dotted !== '') return dotted;
  const o = doc[outer];
  if (isObject(o) && typeof o[inner] === 'string' && o[inner] !== '') return o[inner];
  return undefined;
}

function docDraft(doc: JsonObject, index: string, defaultTarget: string | undefined): DraftEvent {
  const fields: Record<string, unknown> = {};
  const [ts, msg, lvl] = docRoles.pick(doc, fields);
  let message = scalarString(msg);
  if (msg !== undefined && message === undefined) fields.message = msg;
  // Docker-style `log` string (not ECS's `log` object) is the message when nothing else is.
  if (message === undefined && typeof fields.log === 'string') {
    message = fields.log;
    delete fields.log;
  }
  message ??= '';
  // rsyslog's %msg% keeps the space that followed the tag.
  if (message.charCodeAt(0) === 32) message = message.slice(1);
  let level = lvl === undefined ? undefined : normalizeLevel(lvl);
  if (lvl !== undefined && !(typeof lvl === 'string' || typeof lvl === 'number')) {
    fields.level = lvl;
    level = undefined;
  }
  if (level === undefined) {
    const nested = isObject(doc.log) ? doc.log.level : undefined;
    level = nested !== undefined ? normalizeLevel(nested) : (levelInLine(message) ?? 'info');
  }
  fields._index = index;
  const target =
    ecs(doc, 'service.name', 'service', 'name') ??
    ecs(doc, 'host.name', 'host', 'name') ??
    (typeof doc.host === 'string' && doc.host !== '' ? doc.host : undefined) ??
    (typeof doc.hostname === 'string' && doc.hostname !== '' ? doc.hostname : undefined) ??
    (typeof doc.fromhost === 'string' && doc.fromhost !== '' ? doc.fromhost : undefined) ??
    defaultTarget;
  const draft: DraftEvent = { kind: 'log', body: { level, message, fields: fields as Record<string, JsonValue>, format: 'elasticsearch' } };
  if (typeof ts === 'string' || typeof ts === 'number') draft.ts = ts;
  else if (ts !== undefined) fields['@timestamp'] = ts;
  if (target !== undefined) draft.target = target;
  return draft;
}
