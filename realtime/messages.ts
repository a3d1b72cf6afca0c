// The WebSocket message formats (CONTRACTS.md, "WebSocket messages"): server messages built by concatenation so
// an event's message is one string built once and published to every subscriber, and client messages parsed
// with errors that say what is wrong. Pure; no I/O.

/** `{"type":"event","channel":…,"cursor":…,"data":…}`; channel and cursor need no escaping (fixed names, base64url). */
export function eventMessage(channel: string, cursor: string, dataJson: string): string {
  return '{"type":"event","channel":"' + channel + '","cursor":"' + cursor + '","data":' + dataJson + '}';
}

export function laggedMessage(cursor: string): string {
  return '{"type":"lagged","cursor":"' + cursor + '"}';
}

export const RESET_MESSAGE = '{"type":"reset"}';

export function errorMessage(message: string, code?: string, id?: ClientMessageId): string {
  return JSON.stringify({ type: 'error', message, ...(code ? { code } : {}), ...(id !== undefined ? { id } : {}) });
}

export function pongMessage(id?: ClientMessageId): string {
  return id === undefined ? '{"type":"pong"}' : JSON.stringify({ type: 'pong', id });
}

export type ClientMessageId = string | number;

export type ClientMessage =
  | { type: 'subscribe'; channel: string; filter: Array<[string, string]>; since?: string; id?: ClientMessageId }
  | { type: 'unsubscribe'; channel: string; filter: Array<[string, string]>; id?: ClientMessageId }
  | { type: 'ping'; id?: ClientMessageId };

export type ParsedClientMessage = { ok: true; message: ClientMessage } | { ok: false; message: string; id?: ClientMessageId };

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Filter object → (name, value) pairs in the query-parameter vocabulary: `{"level": "error,warn"}` or
 * `{"level": ["error", "warn"]}`, `{"label.env": "prod"}` or `{"labels": {"env": "prod"}}`.
 */
function filterPairs(filter: unknown): Array<[string, string]> | string {
  if (filter === undefined || filter === null) return [];
  if (!isRecord(filter)) return 'filter must be an object of filter names to values';
  const pairs: Array<[string, string]> = [];
  for (const [name, value] of Object.entries(filter)) {
    if (name === 'labels') {
      if (!isRecord(value)) return 'filter.labels must be an object of label names to values';
      for (const [label, lv] of Object.entries(value)) {
        if (typeof lv !== 'string') return `filter.labels.${label.slice(0, 40)} must be a string`;
        pairs.push([`label.${label}`, lv]);
      }
    } else if (typeof value === 'string') {
      pairs.push([name, value]);
    } else if (Array.isArray(value) && value.every((x) => typeof x === 'string')) {
      pairs.push([name, value.join(',')]);
    } else if (typeof value === 'number' || typeof value === 'boolean') {
      pairs.push([name, String(value)]);
    } else {
      return `filter.${name.slice(0, 40)} must be a string or a list of strings`;
    }
  }
  return pairs;
}

export function parseClientMessage(text: string): ParsedClientMessage {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { ok: false, message: 'message is not valid JSON' };
  }
  if (!isRecord(raw)) return { ok: false, message: 'message must be a JSON object with a "type"' };
  const id = typeof raw.id === 'string' || typeof raw.id === 'number' ? raw.id : undefined;
  const withId = <T extends object>(m: T): T & { id?: ClientMessageId } => (id === undefined ? m : { ...m, id });
  const fail = (message: string): ParsedClientMessage => (id === undefined ? { ok: false, message } : { ok: false, message, id });
  switch (raw.type) {
    case 'ping':
      return { ok: true, message: withId({ type: 'ping' as const }) };
    case 'subscribe':
    case 'unsubscribe': {
      if (typeof raw.channel !== 'string' || raw.channel.length === 0) return fail(`${raw.type} needs a "channel" string`);
      const filter = filterPairs(raw.filter);
      if (typeof filter === 'string') return fail(filter);
      if (raw.type === 'unsubscribe') return { ok: true, message: withId({ type: 'unsubscribe' as const, channel: raw.channel, filter }) };
      if (raw.since !== undefined && typeof raw.since !== 'string') return fail('"since" must be a cursor string');
      return {
        ok: true,
        message: withId({
          type: 'subscribe' as const,
          channel: raw.channel,
          filter,
          ...(typeof raw.since === 'string' ? { since: raw.since } : {}),
        }),
      };
    }
    default:
      return fail(`unknown message type ${JSON.stringify(raw.type ?? null).slice(0, 40)}; types: subscribe, unsubscribe, ping`);
  }
}
