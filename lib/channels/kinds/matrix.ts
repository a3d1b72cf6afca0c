// Matrix client-server API (https://spec.matrix.org/latest/client-server-api/#put_matrixclientv3roomsroomidsendeventtypetxnid):
// PUT /_matrix/client/v3/rooms/{roomId}/send/m.room.message/{txnId}, an m.text with an HTML formatted_body.
// The transaction id is the notification key, so a retried attempt is deduplicated by the homeserver.
import { z } from 'zod';
import { httpUrl } from '../../api/fields.js';
import { DEFAULT_BODY, DEFAULT_TITLE } from '../defaults.js';
import { JSON_HEADERS, trimBase, type ChannelDriver } from '../driver.js';

const config = z.strictObject({
  homeserverUrl: httpUrl,
  accessToken: z.string().regex(/^[\x21-\x7e]{1,512}$/, 'printable characters without spaces').describe('Write-only (masked in responses)'),
  roomId: z.string().regex(/^![^:\s]+:[^\s]+$/, 'a room id such as !abcdef:example.org (not an #alias)'),
});

const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export const matrix: ChannelDriver<z.output<typeof config>> = {
  kind: 'matrix',
  config,
  secrets: ['accessToken'],
  endpoints: ['homeserverUrl'],
  defaults: { title: DEFAULT_TITLE, body: DEFAULT_BODY },
  build(n, msg, cfg) {
    const body = {
      msgtype: 'm.text',
      body: `${msg.title}\n${msg.body}`,
      format: 'org.matrix.custom.html',
      formatted_body: `<b>${escapeHtml(msg.title)}</b><br>${escapeHtml(msg.body).replace(/\n/g, '<br>')}`,
    };
    const txnId = encodeURIComponent(`lw.${n.key}`);
    const url = `${trimBase(cfg.homeserverUrl)}/_matrix/client/v3/rooms/${encodeURIComponent(cfg.roomId)}/send/m.room.message/${txnId}`;
    return { type: 'http', method: 'PUT', url, headers: { ...JSON_HEADERS, authorization: `Bearer ${cfg.accessToken}` }, body: JSON.stringify(body) };
  },
};
