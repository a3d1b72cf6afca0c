// TLS check: the handshake completes and the certificate is valid now, not expiring within warnDays,
// issued for the server name and chained to a trusted root (system roots or the given CA). Each failure
// is named: "certificate expires in 3 days", "self-signed certificate", "certificate does not match …".
import { checkServerIdentity, connect, type PeerCertificate } from 'node:tls';
import type { CheckSettingsOf } from '../../../lib/api/check-settings.js';
import type { Probe } from '../probe.js';
import { describeError } from '../reasons.js';

const DAY_MS = 86_400_000;

/** The verdict on a certificate seen at `now` (pure, so expiry and warning are tested on any date). */
export function judgeCertificate(s: CheckSettingsOf['tls'], cert: Pick<PeerCertificate, 'valid_from' | 'valid_to'>, authorizationError: string | null, identityError: string | null, now: number): { ok: boolean; error?: string } {
  const notAfter = Date.parse(cert.valid_to);
  const notBefore = Date.parse(cert.valid_from);
  if (now > notAfter) return { ok: false, error: `certificate expired ${Math.floor((now - notAfter) / DAY_MS)} days ago (${new Date(notAfter).toISOString()})` };
  if (now < notBefore) return { ok: false, error: `certificate is not valid before ${new Date(notBefore).toISOString()}` };
  const chainError = authorizationError === 'CERT_HAS_EXPIRED' || authorizationError === 'ERR_TLS_CERT_ALTNAME_INVALID' ? null : authorizationError;
  if (s.checkChain && chainError !== null) return { ok: false, error: describeError({ code: chainError }) };
  if (s.checkHostname && identityError !== null) return { ok: false, error: identityError };
  const daysLeft = Math.floor((notAfter - now) / DAY_MS);
  if (daysLeft < s.warnDays) return { ok: false, error: `certificate expires in ${daysLeft} day${daysLeft === 1 ? '' : 's'} (${new Date(notAfter).toISOString()})` };
  return { ok: true };
}

export const tlsProbe: Probe<CheckSettingsOf['tls']> = {
  async attempt(s, { signal, guard }) {
    const host = await guard.address(s.host);
    return new Promise((resolve, reject) => {
      const servername = s.servername ?? s.host;
      const socket = connect({ host, port: s.port, servername: /^[\d.]+$|:/.test(servername) ? undefined : servername, ca: s.ca, rejectUnauthorized: false, lookup: guard.lookup as never, signal } as never);
      socket.on('error', reject);
      socket.on('secureConnect', () => {
        const cert = socket.getPeerCertificate();
        const authError = socket.authorizationError === undefined || socket.authorizationError === null ? null : String((socket.authorizationError as unknown as { code?: string }).code ?? socket.authorizationError);
        const identity = checkServerIdentity(servername, cert);
        socket.destroy();
        if (!cert || cert.valid_to === undefined) return resolve({ ok: false, error: 'server sent no certificate' });
        resolve(judgeCertificate(s, cert, authError, identity ? `certificate does not match ${servername}: ${identity.message.replace(/^Hostname\/IP does not match certificate's altnames: /, '')}` : null, Date.now()));
      });
    });
  },
};
