// Discord webhook (https://discord.com/developers/docs/resources/webhook#execute-webhook): one embed with
// title (256), description (4096), colour by state, link and timestamp; `content` stays empty.
import { z } from 'zod';
import { httpUrl } from '../../api/fields.js';
import { DEFAULT_MARKDOWN_BODY, DEFAULT_TITLE } from '../defaults.js';
import { cap, JSON_HEADERS, type ChannelDriver } from '../driver.js';
import { statusOf } from '../notice.js';

const config = z.strictObject({
  webhookUrl: httpUrl.describe('Write-only (masked in responses): the URL is the credential'),
  username: z.string().min(1).max(80).optional(),
});

const COLOURS = { resolved: 0x2eb886, acknowledged: 0xdaa038, firing: 0xd0021b } as const;

export const discord: ChannelDriver<z.output<typeof config>> = {
  kind: 'discord',
  config,
  secrets: ['webhookUrl'],
  endpoints: ['webhookUrl'],
  defaults: { title: DEFAULT_TITLE, body: DEFAULT_MARKDOWN_BODY },
  build(n, msg, cfg) {
    const colour = n.transition === 'acknowledged' ? COLOURS.acknowledged : COLOURS[statusOf(n)];
    const embed = {
      title: cap(msg.title, 256),
      description: cap(msg.body, 4096),
      color: colour,
      timestamp: new Date(n.at).toISOString(),
      ...(n.links.incident ? { url: n.links.incident } : {}),
    };
    const body = { ...(cfg.username ? { username: cfg.username } : {}), embeds: [embed], allowed_mentions: { parse: [] } };
    return { type: 'http', method: 'POST', url: cfg.webhookUrl, headers: { ...JSON_HEADERS }, body: JSON.stringify(body) };
  },
};
