// TCP check: the connection opens; optionally a payload is sent and the first bytes received must contain
// the expected text. A server that accepts and never answers runs into the attempt's timeout.
import { connect } from 'node:net';
import type { CheckSettingsOf } from '../../../lib/api/check-settings.js';
import type { Probe } from '../probe.js';
import { unescapePayload } from '../util.js';

const MAX_READ = 64 * 1024;

export const tcpProbe: Probe<CheckSettingsOf['tcp']> = {
  async attempt(s, { signal, guard }) {
    const host = await guard.address(s.host);
    return new Promise((resolve, reject) => {
      const socket = connect({ host, port: s.port, lookup: guard.lookup, signal });
      let received = '';
      const finish = (r: { ok: boolean; error?: string }): void => {
        socket.destroy();
        resolve(r);
      };
      socket.on('error', reject);
      socket.on('connect', () => {
        if (s.send !== undefined) socket.write(unescapePayload(s.send));
        if (s.expect === undefined) finish({ ok: true });
      });
      socket.on('data', (chunk: Buffer) => {
        if (s.expect === undefined) return;
        received += chunk.toString('utf8');
        if (received.includes(unescapePayload(s.expect))) finish({ ok: true });
        else if (received.length >= MAX_READ) finish({ ok: false, error: `expected text not in the first ${MAX_READ} bytes` });
      });
      socket.on('end', () => finish({ ok: false, error: received === '' ? 'connection closed without data' : `expected text not received (got ${JSON.stringify(received.slice(0, 80))})` }));
    });
  },
};
