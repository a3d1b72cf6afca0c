// gRPC check: the standard health service, grpc.health.v1.Health/Check, answers SERVING for the service
// (empty = the whole server). The two tiny messages are encoded by hand: one string field in, one enum out.
import { credentials, Client, Metadata, status as Status, type ServiceError } from '@grpc/grpc-js';
import type { CheckSettingsOf } from '../../../lib/api/check-settings.js';
import type { Probe } from '../probe.js';
import { describeError } from '../reasons.js';

export const HEALTH_CHECK_PATH = '/grpc.health.v1.Health/Check';
export const SERVING_STATUS = ['UNKNOWN', 'SERVING', 'NOT_SERVING', 'SERVICE_UNKNOWN'] as const;

/** HealthCheckRequest { string service = 1; } */
export function encodeHealthRequest(service: string): Buffer {
  // Even an empty service is sent as an explicit field: grpc-js sends no frame at all for a 0-byte message.
  const body = Buffer.from(service, 'utf8');
  const len: number[] = [];
  let n = body.length;
  while (n > 0x7f) {
    len.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  len.push(n);
  return Buffer.concat([Buffer.from([0x0a, ...len]), body]);
}

/** HealthCheckResponse { ServingStatus status = 1; } → the status number (0 when absent). */
export function decodeHealthResponse(buf: Buffer): number {
  let i = 0;
  while (i < buf.length) {
    const tag = buf[i++] as number;
    let v = 0;
    let shift = 0;
    let b: number;
    if ((tag & 7) !== 0) break; // only varints are expected here
    do {
      b = buf[i++] as number;
      v |= (b & 0x7f) << shift;
      shift += 7;
    } while (b & 0x80 && i < buf.length);
    if (tag >> 3 === 1) return v;
  }
  return 0;
}

function reasonOf(err: ServiceError): string {
  if (err.code === Status.UNIMPLEMENTED) return 'the server has no grpc.health.v1 health service';
  if (err.code === Status.NOT_FOUND) return 'service unknown to the health service';
  const inner = /(ECONNREFUSED|ENOTFOUND|EHOSTUNREACH|ECONNRESET|ETIMEDOUT|ENOTALLOWED)/.exec(err.details);
  if (inner) return describeError({ code: inner[1] === 'ENOTALLOWED' ? undefined : inner[1], message: err.details });
  return `${Status[err.code]}: ${err.details}`.slice(0, 300);
}

export const grpcProbe: Probe<CheckSettingsOf['grpc']> = {
  async attempt(s, { signal, timeoutMs, guard }) {
    const address = await guard.address(s.host);
    const hostPart = address.includes(':') ? `[${address}]` : address;
    const options = address !== s.host && s.tls ? { 'grpc.ssl_target_name_override': s.host, 'grpc.default_authority': s.host } : {};
    const client = new Client(`${hostPart}:${s.port}`, s.tls ? credentials.createSsl() : credentials.createInsecure(), options);
    try {
      const status = await new Promise<number>((resolve, reject) => {
        const call = client.makeUnaryRequest(
          HEALTH_CHECK_PATH,
          (service: string) => encodeHealthRequest(service),
          (buf: Buffer) => decodeHealthResponse(buf),
          s.service,
          new Metadata(),
          { deadline: Date.now() + timeoutMs },
          (err, value) => (err ? reject(new Error(reasonOf(err))) : resolve(value ?? 0)),
        );
        signal.addEventListener('abort', () => call.cancel(), { once: true });
      });
      if (status === 1) return { ok: true };
      return { ok: false, error: `health status ${SERVING_STATUS[status] ?? status}${s.service === '' ? '' : ` for ${s.service}`}` };
    } finally {
      client.close();
    }
  },
};
