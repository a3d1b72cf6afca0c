// Slack incoming webhook (https://api.slack.com/messaging/webhooks): `{"text": …}`.
import { z } from 'zod';
import { httpUrl } from '../../api/fields.js';
import { DEFAULT_BODY, DEFAULT_TITLE } from '../defaults.js';
import { cap, JSON_HEADERS, type ChannelDriver } from '../driver.js';

const config = z.strictObject({
  webhookUrl: httpUrl.describe('Write-only (masked in responses): the URL is the credential'),
});

export const slack: ChannelDriver<z.output<typeof config>> = {
  kind: 'slack',
  config,
  secrets: ['webhookUrl'],
  endpoints: ['webhookUrl'],
  defaults: { title: DEFAULT_TITLE, body: DEFAULT_BODY },
  build(n, msg, cfg) {
    return { type: 'http', method: 'POST', url: cfg.webhookUrl, headers: { ...JSON_HEADERS, 'x-lightwatch-idempotency-key': n.key }, body: JSON.stringify({ text: cap(`${msg.title}\n${msg.body}`, 40_000) }) };
  },
};
