// Real servers for the check tests, started in-process on free ports: a tiny UDP DNS server, a gRPC health
// server, TCP servers that answer, stay silent or speak plain text, and certificates made with openssl.
import { execFileSync } from 'node:child_process';
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Server as GrpcServer, ServerCredentials, status as GrpcStatus } from '@grpc/grpc-js';
import { HEALTH_CHECK_PATH, decodeHealthResponse } from '../kinds/grpc.js';

/** A TCP server whose connections are handled by `onConnection`; close() ends them all. */
export async function tcpServer(onConnection: (s: Socket) => void): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => undefined);
    onConnection(s);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as { port: number }).port,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise((r) => server.close(() => r()));
    },
  };
}

// DNS ------------------------------------------------------------------------------------------------------

export type DnsZone = Record<string, { A?: string[]; TXT?: string[]; MX?: Array<[number, string]>; CNAME?: string }>;

const TYPES: Record<number, string> = { 1: 'A', 5: 'CNAME', 15: 'MX', 16: 'TXT', 28: 'AAAA' };

function encodeName(name: string): Buffer {
  return Buffer.concat([...name.replace(/\.$/, '').split('.').map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l)])), Buffer.from([0])]);
}

function answer(nameAt: number, type: number, rdata: Buffer): Buffer {
  const h = Buffer.alloc(12);
  h.writeUInt16BE(0xc000 | nameAt, 0);
  h.writeUInt16BE(type, 2);
  h.writeUInt16BE(1, 4);
  h.writeUInt32BE(60, 6);
  h.writeUInt16BE(rdata.length, 10);
  return Buffer.concat([h, rdata]);
}

/** A UDP DNS server for one zone: answers A/TXT/MX/CNAME, NXDOMAIN for unknown names. */
export async function dnsServer(zone: DnsZone): Promise<{ address: string; close(): Promise<void> }> {
  const sock: UdpSocket = createSocket('udp4');
  sock.on('message', (msg, rinfo) => {
    let i = 12;
    const labels: string[] = [];
    while (msg[i] !== 0) {
      const len = msg[i] as number;
      labels.push(msg.subarray(i + 1, i + 1 + len).toString());
      i += len + 1;
    }
    const qtype = msg.readUInt16BE(i + 1);
    const qEnd = i + 5;
    const name = labels.join('.').toLowerCase();
    const rec = zone[name];
    const answers: Buffer[] = [];
    const kind = TYPES[qtype];
    if (rec && kind === 'A') for (const a of rec.A ?? []) answers.push(answer(12, 1, Buffer.from(a.split('.').map(Number))));
    if (rec && kind === 'TXT') for (const t of rec.TXT ?? []) answers.push(answer(12, 16, Buffer.concat([Buffer.from([t.length]), Buffer.from(t)])));
    if (rec && kind === 'MX') for (const [p, x] of rec.MX ?? []) answers.push(answer(12, 15, Buffer.concat([Buffer.from([p >> 8, p & 0xff]), encodeName(x)])));
    if (rec?.CNAME !== undefined && kind === 'CNAME') answers.push(answer(12, 5, encodeName(rec.CNAME)));
    const header = Buffer.alloc(12);
    msg.copy(header, 0, 0, 2);
    header.writeUInt16BE(0x8180 | (rec ? 0 : 3), 2); // response, recursion available; NXDOMAIN when unknown
    header.writeUInt16BE(1, 4);
    header.writeUInt16BE(answers.length, 6);
    sock.send(Buffer.concat([header, msg.subarray(12, qEnd), ...answers]), rinfo.port, rinfo.address);
  });
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', r));
  return { address: `127.0.0.1:${sock.address().port}`, close: () => new Promise((r) => sock.close(() => r())) };
}

// gRPC -----------------------------------------------------------------------------------------------------

/** A gRPC server with grpc.health.v1.Health/Check answering `statuses[service]` (NOT_FOUND when absent). */
export async function grpcHealthServer(statuses: Record<string, number>): Promise<{ port: number; close(): Promise<void> }> {
  const server = new GrpcServer();
  // An object, not the bare string: grpc-js takes a falsy request ('') for a missing one.
  const decodeRequest = (b: Buffer): { service: string } => ({ service: b.length === 0 ? '' : b.subarray(2).toString('utf8') });
  server.addService(
    { Check: { path: HEALTH_CHECK_PATH, requestStream: false, responseStream: false, requestSerialize: (r: { service: string }) => Buffer.from(r.service), requestDeserialize: decodeRequest, responseSerialize: (n: number) => Buffer.from([0x08, n]), responseDeserialize: decodeHealthResponse } },
    {
      Check: (call: { request: { service: string } }, cb: (err: { code: number; details: string } | null, v?: number) => void) => {
        const s = statuses[call.request.service];
        if (s === undefined) cb({ code: GrpcStatus.NOT_FOUND, details: 'unknown service' });
        else cb(null, s);
      },
    },
  );
  const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))));
  return { port, close: () => new Promise((r) => server.tryShutdown(() => r())) };
}

// Certificates ---------------------------------------------------------------------------------------------

export interface TestCerts {
  ca: string;
  /** Signed by `ca` for localhost and 127.0.0.1, valid for 3 days from now. */
  shortLived: { key: string; cert: string };
  /** Signed by `ca`, valid only in January 2020. */
  expired: { key: string; cert: string };
  /** Self-signed for localhost, valid 30 days. */
  selfSigned: { key: string; cert: string };
  cleanup(): void;
}

/** Makes the test certificates with openssl in a temporary directory. */
export function makeCerts(): TestCerts {
  const dir = mkdtempSync(join(tmpdir(), 'lw-certs-'));
  const ossl = (...args: string[]): void => void execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  ossl('req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.pem', '-subj', '/CN=Lightwatch Test CA', '-days', '30');
  ossl('req', ...ec, '-keyout', 'leaf.key', '-out', 'leaf.csr', '-subj', '/CN=localhost');
  writeFileSync(join(dir, 'ext'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
  ossl('x509', '-req', '-in', 'leaf.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '3', '-extfile', 'ext', '-out', 'leaf.pem');
  mkdirSync(join(dir, 'db'));
  writeFileSync(join(dir, 'db/index'), '');
  writeFileSync(join(dir, 'db/serial'), '1000\n');
  writeFileSync(join(dir, 'ca.cnf'), '[ca]\ndefault_ca = d\n[d]\ndir = .\ndatabase = db/index\nserial = db/serial\nnew_certs_dir = db\ndefault_md = sha256\npolicy = p\ncopy_extensions = copy\n[p]\ncommonName = supplied\n');
  ossl('ca', '-batch', '-config', 'ca.cnf', '-cert', 'ca.pem', '-keyfile', 'ca.key', '-in', 'leaf.csr', '-out', 'expired.pem', '-startdate', '20200101000000Z', '-enddate', '20200201000000Z', '-notext');
  ossl('req', '-x509', ...ec, '-keyout', 'self.key', '-out', 'self.pem', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost', '-days', '30');
  const read = (f: string): string => readFileSync(join(dir, f), 'utf8');
  return {
    ca: read('ca.pem'),
    shortLived: { key: read('leaf.key'), cert: read('leaf.pem') },
    expired: { key: read('leaf.key'), cert: read('expired.pem') },
    selfSigned: { key: read('self.key'), cert: read('self.pem') },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
