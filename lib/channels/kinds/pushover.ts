// Pushover Message API (https://pushover.net/api): form-encoded POST to /1/messages.json with token, user,
// title (250), message (1024), priority (-2..1; 2 needs retry/expire and is not used), url, timestamp.
import { z } from 'zod';
import { httpUrl } from '../../api/fields.js';
import { DEFAULT_BODY, DEFAULT_TITLE } from '../defaults.js';
import { cap, trimBase, type ChannelDriver } from '../driver.js';

const key = z.string().regex(/^[A-Za-z0-9]{30}$/, 'Pushover keys are 30 letters and digits');
const config = z.strictObject({
  token: key.describe('Application API token; write-only (masked in responses)'),
  user: key.describe('User or group key; write-only (masked in responses)'),
  device: z.string().regex(/^[A-Za-z0-9_-]{1,25}(,[A-Za-z0-9_-]{1,25})*$/, 'device names: letters, digits, _ and -, comma separated').optional(),
  sound: z.string().regex(/^[a-z0-9_-]{1,64}$/).optional(),
  apiBaseUrl: httpUrl.default('https://api.pushover.net'),
});

const PRIORITY = { critical: 1, warning: 0, info: -1 } as const;

export const pushover: ChannelDriver<z.output<typeof config>> = {
  kind: 'pushover',
  config,
  secrets: ['token', 'user'],
  endpoints: ['apiBaseUrl'],
  defaults: { title: DEFAULT_TITLE, body: DEFAULT_BODY },
  build(n, msg, cfg) {
    const form = new URLSearchParams({
      token: cfg.token,
      user: cfg.user,
      title: cap(msg.title, 250),
      message: cap(msg.body || msg.title, 1024),
      priority: String(n.transition === 'resolved' ? -1 : PRIORITY[n.incident.severity]),
      timestamp: String(Math.floor(n.at / 1000)),
    });
    if (n.links.incident) {
      form.set('url', cap(n.links.incident, 512));
      form.set('url_title', 'Open incident');
    }
    if (cfg.device) form.set('device', cfg.device);
    if (cfg.sound) form.set('sound', cfg.sound);
    return { type: 'http', method: 'POST', url: `${trimBase(cfg.apiBaseUrl)}/1/messages.json`, headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form.toString() };
  },
};
