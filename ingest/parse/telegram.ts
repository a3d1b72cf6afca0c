// Telegram Bot API webhook updates (https://core.telegram.org/bots/api#update) as log events: the text (or
// caption) of a message, edited message or channel post, parsed like any log line (level, logfmt/JSON
// fields, timestamps); the chat is the target; chat and sender go into labels. Updates without text
// (joins, stickers, callbacks) are skipped, not refused: Telegram would otherwise retry them. Pure.
import { badRequest } from '../../lib/errors/errors.js';
import { parseJson } from './json.js';
import { parseTextBody } from './text/text.js';
import { isObject, scalarString, type JsonObject, type ParsedItem, type Rejection } from './values.js';

export interface TelegramOptions {
  maxDepth: number;
  maxLineBytes: number;
  maxItems: number;
  now: number;
}

const MESSAGE_FIELDS = ['message', 'edited_message', 'channel_post', 'edited_channel_post'] as const;

/** The chat as a target name: @username, else its title, else its numeric id. */
function chatTarget(chat: JsonObject): string {
  const username = scalarString(chat.username);
  if (username) return `@${username}`;
  return scalarString(chat.title) ?? scalarString(chat.id) ?? 'telegram';
}

function senderOf(msg: JsonObject): { id?: string; name?: string } {
  const from = isObject(msg.from) ? msg.from : isObject(msg.sender_chat) ? msg.sender_chat : undefined;
  if (!from) return {};
  const name = scalarString(from.username) ?? ([scalarString(from.first_name), scalarString(from.last_name)].filter(Boolean).join(' ') || scalarString(from.title));
  const id = scalarString(from.id);
  return { ...(id ? { id } : {}), ...(name ? { name } : {}) };
}

export function parseTelegramUpdate(text: string, opts: TelegramOptions): { items: ParsedItem[]; rejected: Rejection[]; format: string; skipped?: Record<string, number> } {
  const update = parseJson(text, opts.maxDepth);
  if (!isObject(update) || scalarString(update.update_id) === undefined) throw badRequest('not a Telegram Update: expected an object with update_id', [{ at: '/update_id', message: 'required' }], 'bad_update');
  const field = MESSAGE_FIELDS.find((f) => isObject(update[f]));
  const msg = field ? (update[field] as JsonObject) : undefined;
  const body = msg ? (scalarString(msg.text) ?? scalarString(msg.caption)) : undefined;
  if (!msg || !isObject(msg.chat) || body === undefined || body.trim() === '') return { items: [], rejected: [], format: 'telegram', skipped: { no_text: 1 } };
  const chat = msg.chat;
  const target = chatTarget(chat);
  const sender = senderOf(msg);
  const labels: Record<string, string> = { source: 'telegram', telegram_chat_id: scalarString(chat.id) ?? '', telegram_chat: target, telegram_chat_type: scalarString(chat.type) ?? '' };
  if (sender.id) labels.telegram_sender_id = sender.id;
  if (sender.name) labels.telegram_sender = sender.name;
  if (field === 'edited_message' || field === 'edited_channel_post') labels.telegram_edited = 'true';
  const dateSec = Number(msg.date);
  const parsed = parseTextBody(body, { maxItems: opts.maxItems, maxDepth: opts.maxDepth, maxLineBytes: opts.maxLineBytes, now: opts.now, defaultTarget: target });
  for (const it of parsed.items) {
    it.draft.target = target; // the chat is the target, whatever a line names
    it.draft.labels = { ...(isObject(it.draft.labels) ? (it.draft.labels) : {}), ...labels };
    if (it.draft.ts === undefined && Number.isFinite(dateSec) && dateSec > 0) it.draft.ts = dateSec * 1000;
  }
  return { items: parsed.items, rejected: parsed.rejected, format: 'telegram' };
}
