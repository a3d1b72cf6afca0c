// E-mail over SMTP (nodemailer): TLS from the first byte when `secure`, else STARTTLS when the server offers
// it; auth when a username is given; a text and an HTML body; several recipients.
import { z } from 'zod';
import { DEFAULT_BODY, DEFAULT_HTML, DEFAULT_TITLE } from '../defaults.js';
import { cap, type ChannelDriver } from '../driver.js';

const HOST = /^(?=.{1,253}$)([A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$|^\[?[0-9a-fA-F:.]+\]?$/;
const ADDRESS = /^[^\s@<>",;]+@[^\s@<>",;]+$/;
const FROM = /^[^<>\r\n"]{0,100}<[^\s@<>",;]+@[^\s@<>",;]+>$/;

const config = z
  .strictObject({
    host: z.string().regex(HOST, 'not a valid host name or IP address'),
    port: z.number().int().min(1).max(65_535).default(587),
    secure: z.boolean().default(false).describe('TLS from the first byte (usually port 465); false = STARTTLS when offered'),
    username: z.string().min(1).max(256).optional(),
    password: z.string().min(1).max(256).optional().describe('Write-only (masked in responses)'),
    from: z.string().max(320).refine((s) => ADDRESS.test(s) || FROM.test(s), 'an address (ops@example.com) or "Name <ops@example.com>"'),
    to: z.array(z.string().max(254).regex(ADDRESS, 'not an e-mail address')).min(1).max(50),
  })
  .refine((c) => c.password === undefined || c.username !== undefined, { message: 'a password needs a username', path: ['password'] });

export const email: ChannelDriver<z.output<typeof config>> = {
  kind: 'email',
  config,
  secrets: ['password'],
  endpoints: [],
  defaults: { title: DEFAULT_TITLE, body: DEFAULT_BODY, html: DEFAULT_HTML },
  build(n, msg, cfg) {
    return {
      type: 'smtp',
      host: cfg.host,
      port: cfg.port,
      secure: cfg.secure,
      ...(cfg.username ? { auth: { user: cfg.username, pass: cfg.password ?? '' } } : {}),
      from: cfg.from,
      to: cfg.to,
      subject: cap(msg.title.replace(/[\r\n]+/g, ' '), 250),
      text: msg.body,
      html: msg.html,
      idempotencyKey: n.key,
    };
  },
};
