// The request shapes each service documents, as checks a local receiver runs: method, path, headers, and
// body fields with their types, allowed values and length limits. One function per channel kind.
import type { ShapeCheck } from './receiver.js';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown, max = Infinity): boolean => typeof v === 'string' && v.length > 0 && v.length <= max;

function expect(problems: string[], ok: boolean, what: string): void {
  if (!ok) problems.push(what);
}

const json = (h: Obj): boolean => String(h['content-type'] ?? '').startsWith('application/json');

/** PagerDuty Events API v2: POST /v2/enqueue. */
export const pagerdutyShape: ShapeCheck = ({ method, path, headers, body }) => {
  const p: string[] = [];
  expect(p, method === 'POST' && path === '/v2/enqueue', 'POST /v2/enqueue');
  expect(p, json(headers), 'content-type application/json');
  if (!isObj(body)) return [...p, 'a JSON object'];
  expect(p, typeof body.routing_key === 'string' && body.routing_key.length === 32, 'routing_key of 32 characters');
  expect(p, ['trigger', 'acknowledge', 'resolve'].includes(String(body.event_action)), 'event_action trigger|acknowledge|resolve');
  expect(p, str(body.dedup_key, 255), 'dedup_key up to 255 characters');
  if (body.event_action === 'trigger') {
    const pl = body.payload;
    if (!isObj(pl)) return [...p, 'payload for trigger'];
    expect(p, str(pl.summary, 1024), 'payload.summary up to 1024 characters');
    expect(p, str(pl.source, 255), 'payload.source');
    expect(p, ['critical', 'error', 'warning', 'info'].includes(String(pl.severity)), 'payload.severity critical|error|warning|info');
    expect(p, pl.timestamp === undefined || !Number.isNaN(Date.parse(String(pl.timestamp))), 'payload.timestamp ISO 8601');
    expect(p, body.links === undefined || (Array.isArray(body.links) && body.links.every((l) => isObj(l) && str(l.href))), 'links[].href');
  } else {
    expect(p, body.payload === undefined, 'no payload on acknowledge/resolve');
  }
  return p;
};

/** Opsgenie Alert API: POST /v2/alerts, /v2/alerts/{alias}/acknowledge|close?identifierType=alias. */
export const opsgenieShape: ShapeCheck = ({ method, path, headers, body }) => {
  const p: string[] = [];
  expect(p, method === 'POST', 'POST');
  expect(p, /^GenieKey \S+$/.test(String(headers.authorization ?? '')), 'Authorization: GenieKey <key>');
  expect(p, json(headers), 'content-type application/json');
  if (!isObj(body)) return [...p, 'a JSON object'];
  const m = /^\/v2\/alerts(?:\/([^/?]+)\/(acknowledge|close)\?identifierType=alias)?$/.exec(path);
  if (!m) return [...p, 'path /v2/alerts or /v2/alerts/{alias}/(acknowledge|close)?identifierType=alias'];
  if (m[2]) {
    expect(p, body.note === undefined || str(body.note, 25_000), 'note up to 25000 characters');
    expect(p, body.source === undefined || str(body.source, 100), 'source up to 100 characters');
  } else {
    expect(p, str(body.message, 130), 'message up to 130 characters');
    expect(p, body.alias === undefined || str(body.alias, 512), 'alias up to 512 characters');
    expect(p, body.description === undefined || (typeof body.description === 'string' && body.description.length <= 15_000), 'description up to 15000 characters');
    expect(p, body.priority === undefined || ['P1', 'P2', 'P3', 'P4', 'P5'].includes(String(body.priority)), 'priority P1..P5');
    expect(p, body.details === undefined || (isObj(body.details) && Object.values(body.details).every((v) => typeof v === 'string')), 'details: string values');
  }
  return p;
};

/** Discord execute webhook. */
export const discordShape: ShapeCheck = ({ method, headers, body }) => {
  const p: string[] = [];
  expect(p, method === 'POST' && json(headers), 'POST JSON');
  if (!isObj(body)) return [...p, 'a JSON object'];
  expect(p, body.content !== undefined || Array.isArray(body.embeds), 'content or embeds');
  expect(p, body.content === undefined || (typeof body.content === 'string' && body.content.length <= 2000), 'content up to 2000 characters');
  if (Array.isArray(body.embeds)) {
    expect(p, body.embeds.length <= 10, 'at most 10 embeds');
    for (const e of body.embeds) {
      if (!isObj(e)) return [...p, 'embed object'];
      expect(p, e.title === undefined || str(e.title, 256), 'embed.title up to 256');
      expect(p, e.description === undefined || (typeof e.description === 'string' && e.description.length <= 4096), 'embed.description up to 4096');
      expect(p, e.color === undefined || (Number.isInteger(e.color) && (e.color as number) >= 0 && (e.color as number) <= 0xffffff), 'embed.color an integer colour');
      expect(p, e.timestamp === undefined || !Number.isNaN(Date.parse(String(e.timestamp))), 'embed.timestamp ISO 8601');
    }
  }
  return p;
};

/** Teams Workflows webhook with an Adaptive Card. */
export const msteamsShape: ShapeCheck = ({ method, headers, body }) => {
  const p: string[] = [];
  expect(p, method === 'POST' && json(headers), 'POST JSON');
  if (!isObj(body)) return [...p, 'a JSON object'];
  expect(p, body.type === 'message', 'type "message"');
  const att = Array.isArray(body.attachments) ? body.attachments : [];
  expect(p, att.length === 1, 'one attachment');
  const a = att[0];
  if (!isObj(a)) return [...p, 'attachment object'];
  expect(p, a.contentType === 'application/vnd.microsoft.card.adaptive', 'contentType application/vnd.microsoft.card.adaptive');
  const c = a.content;
  if (!isObj(c)) return [...p, 'card content'];
  expect(p, c.type === 'AdaptiveCard' && typeof c.version === 'string' && Array.isArray(c.body), 'an AdaptiveCard with version and body');
  expect(p, Array.isArray(c.body) && c.body.every((b) => isObj(b) && typeof b.type === 'string'), 'card elements with a type');
  return p;
};

/** Mattermost incoming webhook (Slack-compatible). */
export const mattermostShape: ShapeCheck = ({ method, headers, body }) => {
  const p: string[] = [];
  expect(p, method === 'POST' && json(headers), 'POST JSON');
  if (!isObj(body)) return [...p, 'a JSON object'];
  expect(p, str(body.text, 16_383) || Array.isArray(body.attachments), 'text (up to 16383) or attachments');
  for (const k of ['channel', 'username', 'icon_url']) expect(p, body[k] === undefined || typeof body[k] === 'string', `${k} a string`);
  return p;
};

/** ntfy publish as JSON: POST to the root. */
export const ntfyShape: ShapeCheck = ({ method, path, headers, body }) => {
  const p: string[] = [];
  expect(p, (method === 'POST' || method === 'PUT') && path === '/', 'POST /');
  expect(p, json(headers), 'JSON');
  if (!isObj(body)) return [...p, 'a JSON object'];
  expect(p, typeof body.topic === 'string' && /^[-_A-Za-z0-9]{1,64}$/.test(body.topic), 'topic');
  expect(p, body.priority === undefined || [1, 2, 3, 4, 5].includes(body.priority as number), 'priority 1..5');
  expect(p, body.tags === undefined || (Array.isArray(body.tags) && body.tags.every((t) => typeof t === 'string')), 'tags: strings');
  expect(p, body.title === undefined || typeof body.title === 'string', 'title');
  expect(p, body.message === undefined || typeof body.message === 'string', 'message');
  return p;
};

/** Pushover: form-encoded POST /1/messages.json. */
export const pushoverShape: ShapeCheck = ({ method, path, headers, body }) => {
  const p: string[] = [];
  expect(p, method === 'POST' && path === '/1/messages.json', 'POST /1/messages.json');
  expect(p, String(headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded'), 'form-encoded');
  if (!isObj(body)) return [...p, 'form fields'];
  expect(p, /^[A-Za-z0-9]{30}$/.test(String(body.token)), 'token of 30 characters');
  expect(p, /^[A-Za-z0-9]{30}$/.test(String(body.user)), 'user of 30 characters');
  expect(p, str(body.message, 1024), 'message up to 1024 characters');
  expect(p, body.title === undefined || str(body.title, 250), 'title up to 250');
  expect(p, body.priority === undefined || ['-2', '-1', '0', '1'].includes(String(body.priority)), 'priority -2..1 (2 needs retry/expire)');
  expect(p, body.url === undefined || str(body.url, 512), 'url up to 512');
  expect(p, body.timestamp === undefined || /^\d+$/.test(String(body.timestamp)), 'timestamp in Unix seconds');
  return p;
};

/** Gotify: POST /message with X-Gotify-Key. */
export const gotifyShape: ShapeCheck = ({ method, path, headers, body }) => {
  const p: string[] = [];
  expect(p, method === 'POST' && path === '/message', 'POST /message');
  expect(p, str(headers['x-gotify-key']), 'X-Gotify-Key');
  expect(p, json(headers), 'JSON');
  if (!isObj(body)) return [...p, 'a JSON object'];
  expect(p, str(body.message), 'message (required)');
  expect(p, body.priority === undefined || Number.isInteger(body.priority), 'priority an integer');
  expect(p, body.extras === undefined || isObj(body.extras), 'extras an object');
  return p;
};

/** Matrix: PUT /_matrix/client/v3/rooms/{roomId}/send/m.room.message/{txnId}. */
export const matrixShape: ShapeCheck = ({ method, path, headers, body }) => {
  const p: string[] = [];
  expect(p, method === 'PUT', 'PUT');
  expect(p, /^\/_matrix\/client\/v3\/rooms\/[^/]+\/send\/m\.room\.message\/[^/]+$/.test(path), 'path /_matrix/client/v3/rooms/{roomId}/send/m.room.message/{txnId}');
  expect(p, /^Bearer \S+$/.test(String(headers.authorization ?? '')), 'Authorization: Bearer');
  if (!isObj(body)) return [...p, 'a JSON object'];
  expect(p, body.msgtype === 'm.text' && typeof body.body === 'string', 'msgtype m.text with body');
  expect(p, body.format === undefined || (body.format === 'org.matrix.custom.html' && typeof body.formatted_body === 'string'), 'format org.matrix.custom.html with formatted_body');
  return p;
};

/** Alertmanager: POST /api/v2/alerts, an array of postable alerts. */
export const alertmanagerShape: ShapeCheck = ({ method, path, headers, body }) => {
  const p: string[] = [];
  expect(p, method === 'POST' && path === '/api/v2/alerts' && json(headers), 'POST /api/v2/alerts JSON');
  if (!Array.isArray(body)) return [...p, 'a JSON array'];
  for (const a of body) {
    if (!isObj(a) || !isObj(a.labels)) return [...p, 'alerts with labels'];
    expect(p, Object.keys(a.labels).length > 0 && Object.entries(a.labels).every(([k, v]) => /^[a-zA-Z_][a-zA-Z0-9_]*$/.test(k) && typeof v === 'string'), 'labels: valid names, string values');
    for (const k of ['startsAt', 'endsAt']) expect(p, a[k] === undefined || !Number.isNaN(Date.parse(String(a[k]))), `${k} RFC 3339`);
    expect(p, a.annotations === undefined || (isObj(a.annotations) && Object.values(a.annotations).every((v) => typeof v === 'string')), 'annotations: string values');
  }
  return p;
};

/** Telegram sendMessage. */
export const telegramShape: ShapeCheck = ({ method, path, body }) => {
  const p: string[] = [];
  expect(p, method === 'POST' && /^\/bot[^/]+\/sendMessage$/.test(path), 'POST /bot<token>/sendMessage');
  if (!isObj(body)) return [...p, 'a JSON object'];
  expect(p, typeof body.chat_id === 'number' || str(body.chat_id), 'chat_id');
  expect(p, str(body.text, 4096), 'text of 1-4096 characters');
  return p;
};

/** Slack incoming webhook. */
export const slackShape: ShapeCheck = ({ method, headers, body }) => {
  const p: string[] = [];
  expect(p, method === 'POST' && json(headers), 'POST JSON');
  expect(p, isObj(body) && str(body.text), 'text');
  return p;
};

/** Our own webhook: any JSON object with the idempotency key header. */
export const webhookShape: ShapeCheck = ({ method, headers, body }) => {
  const p: string[] = [];
  expect(p, method === 'POST' && json(headers), 'POST JSON');
  expect(p, str(headers['x-lightwatch-idempotency-key']), 'X-Lightwatch-Idempotency-Key');
  expect(p, isObj(body), 'a JSON object');
  return p;
};
