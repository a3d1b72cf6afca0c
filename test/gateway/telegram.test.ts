// POST /ingest/telegram/{secret}: Telegram Bot API webhook updates become log events (chat as target, chat
// and sender in labels, the text parsed like a log line); a wrong secret is a 401.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CanonicalEvent } from '../../lib/events/event.js';
import { eventsOfEntry } from '../../lib/streams/codec.js';
import { startTestbed, type Testbed } from '../support/gateway.js';
import { streamEntries } from '../support/stream-entries.js';

const update = (text: string, over: Record<string, unknown> = {}) => ({
  update_id: 10_000,
  message: { message_id: 1365, date: 1_700_000_000, chat: { id: -1001234567890, title: 'Ops Room', type: 'supergroup' }, from: { id: 1111111, is_bot: false, first_name: 'Ann', username: 'ann' }, text, ...over },
});

describe('gateway: Telegram bot webhook as a log source', () => {
  let bed: Testbed;
  beforeAll(async () => {
    bed = await startTestbed();
  });
  afterAll(async () => {
    await bed?.close();
  });

  const post = (secret: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${bed.url}/ingest/telegram/${encodeURIComponent(secret)}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

  async function logs(): Promise<CanonicalEvent[]> {
    const out: CanonicalEvent[] = [];
    for (const s of bed.names.allEvents()) for (const [, f] of await streamEntries(bed.redis, s)) out.push(...eventsOfEntry(f));
    return out.filter((e) => e.labels.source === 'telegram');
  }

  it('turns a chat message into a log event of the chat, parsed like a log line', async () => {
    const res = await post(bed.adminKey, update('ERROR payment service down level=error region=eu'), { 'x-telegram-bot-api-secret-token': bed.adminKey });
    expect(res.status).toBe(202);
    expect(await res.json()).toMatchObject({ accepted: 1, rejected: [] });
    const [e] = await logs();
    expect(e).toMatchObject({ kind: 'log', target: 'Ops Room', ts: 1_700_000_000_000, labels: { telegram_chat_id: '-1001234567890', telegram_chat: 'Ops Room', telegram_chat_type: 'supergroup', telegram_sender: 'ann', telegram_sender_id: '1111111' } });
    expect(e?.kind === 'log' && e.body.level).toBe('error');
  });

  it('skips updates without text; refuses a forged update (wrong secret or header) with 401 and a non-update with 400', async () => {
    expect(await (await post(bed.adminKey, { update_id: 2, message: { message_id: 2, date: 1, chat: { id: 5, type: 'private' }, sticker: {} } })).json()).toMatchObject({ accepted: 0 });
    expect((await post('lw_wrong', update('x'))).status).toBe(401);
    expect((await post(bed.adminKey, update('x'), { 'x-telegram-bot-api-secret-token': 'other' })).status).toBe(401);
    const bad = await post(bed.adminKey, { hello: 1 });
    expect(bad.status).toBe(400);
    expect(bed.handlerErrors).toEqual([]);
  });
});
