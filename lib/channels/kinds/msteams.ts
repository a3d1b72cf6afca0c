// Microsoft Teams through a Workflows webhook ("When a Teams webhook request is received"): a message with
// one Adaptive Card attachment (Workflows accept Adaptive Cards only, not the old MessageCard).
import { z } from 'zod';
import { httpUrl } from '../../api/fields.js';
import { DEFAULT_MARKDOWN_BODY, DEFAULT_TITLE } from '../defaults.js';
import { cap, JSON_HEADERS, type ChannelDriver } from '../driver.js';
import { statusOf } from '../notice.js';

const config = z.strictObject({
  webhookUrl: httpUrl.describe('Write-only (masked in responses): the Workflows URL carries its signature'),
});

export const msteams: ChannelDriver<z.output<typeof config>> = {
  kind: 'msteams',
  config,
  secrets: ['webhookUrl'],
  endpoints: ['webhookUrl'],
  defaults: { title: DEFAULT_TITLE, body: DEFAULT_MARKDOWN_BODY },
  build(n, msg, cfg) {
    const card = {
      $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
      type: 'AdaptiveCard',
      version: '1.4',
      body: [
        { type: 'TextBlock', size: 'Medium', weight: 'Bolder', text: cap(msg.title, 1000), wrap: true, color: statusOf(n) === 'resolved' ? 'Good' : 'Attention' },
        { type: 'TextBlock', text: cap(msg.body, 10_000), wrap: true },
      ],
      ...(n.links.incident ? { actions: [{ type: 'Action.OpenUrl', title: 'Open incident', url: n.links.incident }] } : {}),
    };
    const body = { type: 'message', attachments: [{ contentType: 'application/vnd.microsoft.card.adaptive', contentUrl: null, content: card }] };
    return { type: 'http', method: 'POST', url: cfg.webhookUrl, headers: { ...JSON_HEADERS }, body: JSON.stringify(body) };
  },
};
