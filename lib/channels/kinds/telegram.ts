// Telegram Bot API sendMessage (https://core.telegram.org/bots/api#sendmessage): chat_id and text (4096
// characters at most), link previews off.
import { z } from 'zod';
import { httpUrl } from '../../api/fields.js';
import { DEFAULT_BODY, DEFAULT_TITLE } from '../defaults.js';
import { cap, JSON_HEADERS, trimBase, type ChannelDriver } from '../driver.js';

const config = z.strictObject({
  botToken: z.string().min(1).max(256).regex(/^[^\s/]+$/, 'must not contain spaces or slashes').describe('Write-only (masked in responses)'),
  chatId: z.union([z.string().min(1).max(64).regex(/^-?\d+$|^@\w{4,}$/, 'a numeric chat id or @channelname'), z.number().int().transform(String)]),
  apiBaseUrl: httpUrl.optional(),
});

export const telegram: ChannelDriver<z.output<typeof config>> = {
  kind: 'telegram',
  config,
  secrets: ['botToken'],
  endpoints: ['apiBaseUrl'],
  defaults: { title: DEFAULT_TITLE, body: DEFAULT_BODY },
  build(n, msg, cfg, env) {
    const base = trimBase(cfg.apiBaseUrl ?? env.telegramApiBaseUrl);
    // Numeric ids travel as numbers, @channel names as strings, as the Bot API documents chat_id.
    const chatId = /^-?\d+$/.test(cfg.chatId) ? Number(cfg.chatId) : cfg.chatId;
    const body = JSON.stringify({ chat_id: chatId, text: cap(`${msg.title}\n${msg.body}`, 4096), disable_web_page_preview: true });
    return { type: 'http', method: 'POST', url: `${base}/bot${cfg.botToken}/sendMessage`, headers: { ...JSON_HEADERS, 'x-lightwatch-idempotency-key': n.key }, body };
  },
};
