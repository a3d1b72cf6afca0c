// WebSocket check: the upgrade succeeds (101); optionally a message is sent and one received must contain
// the expected text. A refused upgrade is reported with its HTTP status.
import WebSocket from 'ws';
import type { CheckSettingsOf } from '../../../lib/api/check-settings.js';
import { admitUrl } from '../../../lib/net/guard.js';
import type { Probe } from '../probe.js';
import { onAbort } from '../util.js';

export const websocketProbe: Probe<CheckSettingsOf['websocket']> = {
  async attempt(s, { signal, timeoutMs, guard }) {
    await admitUrl(guard, s.url);
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(s.url, { headers: s.headers, handshakeTimeout: timeoutMs, lookup: guard.lookup, followRedirects: false });
      const cancel = onAbort(signal, () => ws.terminate());
      const finish = (r: { ok: boolean; error?: string }): void => {
        cancel();
        ws.terminate();
        resolve(r);
      };
      ws.on('error', (err) => {
        cancel();
        ws.terminate();
        reject(err);
      });
      ws.on('unexpected-response', (_req, res) => finish({ ok: false, error: `upgrade refused: status ${res.statusCode ?? 0}` }));
      ws.on('open', () => {
        if (s.send !== undefined) ws.send(s.send);
        if (s.expect === undefined) finish({ ok: true });
      });
      ws.on('message', (data: WebSocket.RawData) => {
        const text = Array.isArray(data) ? Buffer.concat(data).toString('utf8') : Buffer.from(data as ArrayBuffer).toString('utf8');
        if (s.expect !== undefined && text.includes(s.expect)) finish({ ok: true });
      });
      ws.on('close', (code) => finish({ ok: false, error: `closed (${code}) before the expected message` }));
    });
  },
};
