// Mattermost incoming webhook (Slack-compatible, https://developers.mattermost.com/integrate/webhooks/incoming/):
// text (Markdown), with optional channel, username and icon_url overrides.
import { z } from 'zod';
import { httpUrl } from '../../api/fields.js';
import { DEFAULT_MARKDOWN_BODY, DEFAULT_TITLE } from '../defaults.js';
import { cap, JSON_HEADERS, type ChannelDriver } from '../driver.js';

const config = z.strictObject({
  webhookUrl: httpUrl.describe('Write-only (masked in responses): the URL is the credential'),
  channel: z.string().min(1).max(64).optional().describe('Channel name to post to instead of the webhook\'s own'),
  username: z.string().min(1).max(64).optional(),
  iconUrl: httpUrl.optional(),
});

export const mattermost: ChannelDriver<z.output<typeof config>> = {
  kind: 'mattermost',
  config,
  secrets: ['webhookUrl'],
  endpoints: ['webhookUrl'],
  defaults: { title: DEFAULT_TITLE, body: DEFAULT_MARKDOWN_BODY },
  build(n, msg, cfg) {
    const body = {
      text: cap(`#### ${msg.title}\n${msg.body}`, 16_383),
      ...(cfg.channel ? { channel: cfg.channel } : {}),
      ...(cfg.username ? { username: cfg.username } : {}),
      ...(cfg.iconUrl ? { icon_url: cfg.iconUrl } : {}),
    };
    return { type: 'http', method: 'POST', url: cfg.webhookUrl, headers: { ...JSON_HEADERS, 'x-lightwatch-idempotency-key': n.key }, body: JSON.stringify(body) };
  },
};
