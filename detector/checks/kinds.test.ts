// Every check kind against a real server on this machine (PostgreSQL, MariaDB, Redis, RabbitMQ, Mosquitto,
// NATS) or one started here (DNS, gRPC health, TLS with openssl-made certificates, WebSocket, TCP), with the
// failures people meet: refused, unresolvable, expired, self-signed, silent, TLS on a plain port.
import { createServer as createTlsServer, type Server as TlsServer } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { CHECK_SETTINGS, type CheckKind, type CheckSettingsOf } from '../../lib/api/check-settings.js';
import { parseNetworks, type Networks } from '../../lib/net/networks.js';
import { freePort } from '../../lib/redis/local-server.js';
import { testRedisUrl } from '../../test/support/redis.js';
import { recordingReads } from '../../test/support/reads.js';
import { silentHost } from '../../test/support/silent-host.js';
import { compileTargetRules } from '../rules/compile.js';
import { createGuard } from '../../lib/net/guard.js';
import { PROBES } from './kinds/index.js';
import { parsePingSummary } from './kinds/ping.js';
import { judgeCertificate } from './kinds/tls.js';
import { runCheck } from './probe.js';
import { dnsServer, grpcHealthServer, makeCerts, tcpServer, type TestCerts } from './testing/servers.js';

const stop = new AbortController().signal;

/** Validates `settings` as the API does (defaults applied), then runs one check. */
function check<K extends CheckKind>(kind: K, settings: Record<string, unknown>, networks: Networks | null = null) {
  const parsed = CHECK_SETTINGS[kind].parse({ timeoutMs: 3000, ...settings }) as CheckSettingsOf[K];
  return runCheck({ kind, settings: parsed } as never, PROBES, stop, createGuard(networks));
}

/** The settings `kind` accepts that a successful check (and its scheduling) never reads, and the reverse. */
async function drift<K extends CheckKind>(kind: K, settings: Record<string, unknown>): Promise<{ unused: string[]; unaccepted: string[] }> {
  const reads = new Set<string>();
  const parsed = recordingReads(CHECK_SETTINGS[kind].parse({ timeoutMs: 3000, ...settings }) as object, reads) as CheckSettingsOf[K];
  const target = { id: 't', tenant: 'x', name: 't', kind, labels: {}, channels: [], paused: false, createdAt: 0, updatedAt: 0, [kind]: parsed };
  compileTargetRules(target, []);
  const r = await runCheck({ kind, settings: parsed } as never, PROBES, stop);
  expect(r).toMatchObject({ ok: true });
  const accepted = Object.keys(CHECK_SETTINGS[kind].shape);
  return { unused: accepted.filter((k) => !reads.has(k)), unaccepted: [...reads].filter((k) => !accepted.includes(k)) };
}

describe('http: Gatus conditions, keyword and JSON query', () => {
  it('all conditions must hold; a failed one names itself; keyword inverted; JSON query', async () => {
    const { createServer } = await import('node:http');
    const server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ data: { status: 'UP', items: [1, 2] } })));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/`;
    try {
      expect(await check('http', { url, conditions: ['[STATUS] == 200', '[RESPONSE_TIME] < 2000', '[BODY].data.status == UP', 'len([BODY].data.items) > 0', '[BODY] == pat(*UP*)'] })).toMatchObject({ ok: true, status: 200 });
      expect(await check('http', { url, conditions: ['[STATUS] == 200', 'len([BODY].data.items) > 5'] })).toMatchObject({ ok: false, error: 'condition failed: len([BODY].data.items) (2) > 5' });
      expect(await check('http', { url, conditions: ['[CERTIFICATE_EXPIRATION] > 48h'] })).toMatchObject({ ok: false, error: 'condition failed: [CERTIFICATE_EXPIRATION] (0) > 48h' });
      expect(await check('http', { url, bodyMatch: '/"status":"(DOWN|FAIL)"/', bodyMatchInvert: true })).toMatchObject({ ok: true });
      expect(await check('http', { url, bodyMatch: 'UP', bodyMatchInvert: true })).toMatchObject({ ok: false, error: 'body matched (inverted keyword)' });
      expect(await check('http', { url, jsonQuery: { path: 'data.items[1]', expected: '2' } })).toMatchObject({ ok: true });
      expect(await check('http', { url, jsonQuery: { path: 'data.status', expected: 'DOWN' } })).toMatchObject({ ok: false, error: 'condition failed: [BODY].data.status (UP) == DOWN' });
      expect(await drift('http', { url, method: 'GET', expectedStatus: [200], bodyMatch: 'UP', bodyMatchInvert: false, headers: { 'x-a': '1' }, jsonQuery: { path: 'data.status', expected: 'UP' }, conditions: ['[STATUS] == 200'] })).toEqual({ unused: [], unaccepted: [] });
    } finally {
      await new Promise((r) => server.close(r));
    }
  });

  it('a malformed condition is refused with its position', () => {
    const r = CHECK_SETTINGS.http.safeParse({ url: 'http://x/', conditions: ['[STATUS] == 200', '[STATU] == 200'] });
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]).toMatchObject({ path: ['conditions', 1], message: expect.stringMatching(/^at character 2: unknown placeholder \[STATU\]/) });
  });
});

describe('tcp', () => {
  it('connects, sends and expects; refused, silent and wrong answers are named', async () => {
    const echo = await tcpServer((s) => s.on('data', (d) => s.write(`+${d.toString()}`)));
    const silent = await tcpServer(() => undefined);
    const closed = await freePort();
    try {
      expect(await check('tcp', { host: '127.0.0.1', port: echo.port })).toMatchObject({ ok: true, attempts: 1 });
      expect(await check('tcp', { host: '127.0.0.1', port: echo.port, send: 'PING\\r\\n', expect: '+PING' })).toMatchObject({ ok: true });
      expect(await check('tcp', { host: '127.0.0.1', port: closed })).toMatchObject({ ok: false, error: 'connection refused' });
      expect(await check('tcp', { host: '127.0.0.1', port: silent.port, expect: 'hello', timeoutMs: 300 })).toMatchObject({ ok: false, error: 'timeout after 300 ms' });
      expect(await check('tcp', { host: 'no-such-host.invalid', port: 80 })).toMatchObject({ ok: false, error: 'NXDOMAIN' });
      expect(await drift('tcp', { host: '127.0.0.1', port: echo.port, send: 'x', expect: '+x' })).toEqual({ unused: [], unaccepted: [] });
    } finally {
      await echo.close();
      await silent.close();
    }
  });
});

describe('dns', () => {
  let dns: Awaited<ReturnType<typeof dnsServer>>;
  beforeAll(async () => {
    dns = await dnsServer({ 'svc.lw.test': { A: ['10.1.2.3', '10.1.2.4'], TXT: ['v=ok'], MX: [[10, 'mx.lw.test']] }, 'www.lw.test': { CNAME: 'svc.lw.test' } });
  });
  afterAll(() => dns.close());

  it('resolves each record type through the given resolver and compares the expected answers', async () => {
    const r = { resolver: dns.address };
    expect(await check('dns', { ...r, name: 'svc.lw.test', expected: ['10.1.2.4'] })).toMatchObject({ ok: true });
    expect(await check('dns', { ...r, name: 'svc.lw.test', type: 'TXT', expected: ['v=ok'] })).toMatchObject({ ok: true });
    expect(await check('dns', { ...r, name: 'svc.lw.test', type: 'MX', expected: ['10 mx.lw.test'] })).toMatchObject({ ok: true });
    expect(await check('dns', { ...r, name: 'www.lw.test', type: 'CNAME', expected: ['svc.lw.test.'] })).toMatchObject({ ok: true });
    expect(await check('dns', { ...r, name: 'svc.lw.test', expected: ['10.9.9.9'] })).toMatchObject({ ok: false, error: 'expected A 10.9.9.9; got 10.1.2.3, 10.1.2.4' });
    expect(await check('dns', { ...r, name: 'nope.lw.test' })).toMatchObject({ ok: false, error: 'NXDOMAIN: nope.lw.test' });
    expect(await check('dns', { ...r, name: 'www.lw.test', type: 'TXT' })).toMatchObject({ ok: false, error: 'no TXT records for www.lw.test' });
    expect(await drift('dns', { ...r, name: 'svc.lw.test', type: 'A', expected: ['10.1.2.3'] })).toEqual({ unused: [], unaccepted: [] });
  });

  it('a resolver that never answers is a timeout, not a stuck check', async () => {
    const port = await freePort();
    const r = await check('dns', { resolver: `127.0.0.1:${port}`, name: 'svc.lw.test', timeoutMs: 400 });
    expect(r.ok).toBe(false);
    expect(r.error).toMatch(/timeout after 400 ms|resolver|refused/);
  });
});

describe('ping', () => {
  it('pings 127.0.0.1 and reports the round trip as latency', async () => {
    const r = await check('ping', { host: '127.0.0.1', count: 2, maxRttMs: 500 });
    expect(r).toMatchObject({ ok: true });
    expect(r.latencyMs).toBeLessThan(500);
    expect(await drift('ping', { host: '127.0.0.1', count: 1, maxLossPercent: 0, maxRttMs: 500 })).toEqual({ unused: [], unaccepted: [] });
  });

  // Only addresses of this machine: a namespace of our own whose address nothing answers.
  const silent = silentHost();
  afterAll(() => silent?.close());
  it.skipIf(!silent)(
    silent
      ? 'an address nobody answers (our own namespace test host, one packet) fails with full loss within the timeout'
      : 'skipped: no privilege to create a network namespace, so there is no silent test host to ping',
    async () => {
      const r = await check('ping', { host: silent!.address, count: 1, timeoutMs: 1500 });
      expect(r).toMatchObject({ ok: false });
      expect(r.error).toMatch(/^100% packet loss \(0\/1 replies\): host unreachable$|^timeout after 1500 ms$/);
    },
  );

  it('reads ping summaries', () => {
    expect(parsePingSummary('3 packets transmitted, 2 received, 33.3333% packet loss, time 401ms\nrtt min/avg/max/mdev = 0.05/0.075/0.1/0.02 ms')).toEqual({ transmitted: 3, received: 2, avgRttMs: 0.075 });
    expect(parsePingSummary('1 packets transmitted, 0 received, 100% packet loss, time 0ms')).toEqual({ transmitted: 1, received: 0, avgRttMs: null });
    expect(parsePingSummary('ping: unknown host')).toBeNull();
  });
});

describe('tls', () => {
  let certs: TestCerts;
  const servers: TlsServer[] = [];
  const serve = async (pair: { key: string; cert: string }): Promise<number> => {
    const s = createTlsServer(pair, (sock) => sock.end());
    s.on('tlsClientError', () => undefined);
    servers.push(s);
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    return (s.address() as { port: number }).port;
  };
  beforeAll(() => {
    certs = makeCerts();
  });
  afterAll(async () => {
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
    certs.cleanup();
  });

  it('a valid chain passes; expiry within warnDays, expired, self-signed and a wrong name are named', async () => {
    const short = await serve(certs.shortLived);
    const base = { host: '127.0.0.1', port: short, servername: 'localhost', ca: certs.ca };
    expect(await check('tls', { ...base, warnDays: 1 })).toMatchObject({ ok: true });
    expect((await check('tls', { ...base, warnDays: 14 })).error).toMatch(/^certificate expires in 2 days \(/);
    expect((await check('tls', { ...base, servername: 'example.org', warnDays: 1 })).error).toMatch(/^certificate does not match example.org/);
    expect((await check('tls', { ...base, ca: undefined, warnDays: 1 })).error).toBe('unable to verify the certificate chain');
    expect((await check('tls', { ...base, ca: undefined, checkChain: false, warnDays: 1 })).ok).toBe(true);
    const expired = await serve(certs.expired);
    expect((await check('tls', { ...base, port: expired })).error).toMatch(/^certificate expired \d+ days ago \(2020-02-01/);
    const self = await serve(certs.selfSigned);
    expect((await check('tls', { ...base, port: self, ca: undefined, warnDays: 1 })).error).toBe('self-signed certificate');
    expect(await drift('tls', { ...base, warnDays: 1, checkHostname: true, checkChain: true })).toEqual({ unused: [], unaccepted: [] });
  });

  it('TLS on a plain port, a silent port and a closed one each fail precisely', async () => {
    const plain = await tcpServer((s) => s.end('HTTP/1.1 400 Bad Request\r\n\r\n'));
    const silent = await tcpServer(() => undefined);
    try {
      expect((await check('tls', { host: '127.0.0.1', port: plain.port })).error).toMatch(/not a TLS server|TLS handshake failed|connection (reset|closed)|socket disconnected/);
      expect(await check('tls', { host: '127.0.0.1', port: silent.port, timeoutMs: 300 })).toMatchObject({ ok: false, error: 'timeout after 300 ms' });
      expect(await check('tls', { host: '127.0.0.1', port: await freePort() })).toMatchObject({ ok: false, error: 'connection refused' });
    } finally {
      await plain.close();
      await silent.close();
    }
  });

  it('judges dates on any clock', () => {
    const s = CHECK_SETTINGS.tls.parse({ host: 'x', warnDays: 7 });
    const cert = { valid_from: 'Jan  1 00:00:00 2026 GMT', valid_to: 'Mar  1 00:00:00 2026 GMT' };
    expect(judgeCertificate(s, cert, null, null, Date.parse('2026-02-26T00:00:00Z'))).toEqual({ ok: false, error: 'certificate expires in 3 days (2026-03-01T00:00:00.000Z)' });
    expect(judgeCertificate(s, cert, null, null, Date.parse('2026-02-01T00:00:00Z'))).toEqual({ ok: true });
    expect(judgeCertificate(s, cert, 'CERT_HAS_EXPIRED', null, Date.parse('2026-03-11T00:00:00Z')).error).toBe('certificate expired 10 days ago (2026-03-01T00:00:00.000Z)');
  });
});

describe('websocket', () => {
  it('upgrades, exchanges a message; a refused upgrade names its status', async () => {
    const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    wss.on('connection', (ws) => ws.on('message', (m: Buffer) => ws.send(`echo:${m.toString()}`)));
    await new Promise((r) => wss.once('listening', r));
    const url = `ws://127.0.0.1:${(wss.address() as { port: number }).port}/`;
    const http = await tcpServer((s) => s.once('data', () => s.end('HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n')));
    try {
      expect(await check('websocket', { url })).toMatchObject({ ok: true });
      expect(await check('websocket', { url, send: 'hi', expect: 'echo:hi' })).toMatchObject({ ok: true });
      expect(await check('websocket', { url: `ws://127.0.0.1:${http.port}/` })).toMatchObject({ ok: false, error: 'upgrade refused: status 404' });
      expect(await check('websocket', { url: `ws://127.0.0.1:${await freePort()}/` })).toMatchObject({ ok: false, error: 'connection refused' });
      expect(await drift('websocket', { url, headers: { 'x-a': '1' }, send: 'a', expect: 'echo:a' })).toEqual({ unused: [], unaccepted: [] });
    } finally {
      await http.close();
      await new Promise((r) => wss.close(r));
    }
  });
});

describe('grpc', () => {
  it('asks grpc.health.v1.Health/Check and names a status other than SERVING', async () => {
    const server = await grpcHealthServer({ '': 1, 'app.Orders': 2 });
    try {
      const base = { host: '127.0.0.1', port: server.port };
      expect(await check('grpc', base)).toMatchObject({ ok: true });
      expect(await check('grpc', { ...base, service: 'app.Orders' })).toMatchObject({ ok: false, error: 'health status NOT_SERVING for app.Orders' });
      expect(await check('grpc', { ...base, service: 'app.Missing' })).toMatchObject({ ok: false, error: 'service unknown to the health service' });
      expect(await drift('grpc', { ...base, service: '', tls: false })).toEqual({ unused: [], unaccepted: [] });
    } finally {
      await server.close();
    }
    expect((await check('grpc', { host: '127.0.0.1', port: await freePort(), timeoutMs: 2000 })).error).toMatch(/connection refused|UNAVAILABLE/);
  });
});

describe('databases and brokers on this machine', () => {
  it('postgres: connects, runs the query; a bad query and a refused port are named', async () => {
    const url = 'postgres://postgres@127.0.0.1:5432/postgres';
    expect(await check('postgres', { url })).toMatchObject({ ok: true });
    expect(await check('postgres', { url, query: 'SELECT 1 FROM no_such_table_lw' })).toMatchObject({ ok: false, error: 'relation "no_such_table_lw" does not exist' });
    expect(await check('postgres', { url: `postgres://postgres@127.0.0.1:${await freePort()}/postgres` })).toMatchObject({ ok: false, error: 'connection refused' });
    expect(await drift('postgres', { url, query: 'SELECT 1' })).toEqual({ unused: [], unaccepted: [] });
  });

  it('mysql (MariaDB): connects and runs the query', async () => {
    const url = 'mysql://root@127.0.0.1:3306/';
    expect(await check('mysql', { url, query: 'SELECT 1' })).toMatchObject({ ok: true });
    expect((await check('mysql', { url, query: 'SELECT * FROM no_db_lw.t' })).error).toMatch(/no_db_lw/);
    expect(await drift('mysql', { url, query: 'SELECT 1' })).toEqual({ unused: [], unaccepted: [] });
  });

  it('redis: PING, and a key that must exist', async () => {
    const url = testRedisUrl();
    expect(await check('redis', { url })).toMatchObject({ ok: true });
    expect(await check('redis', { url, key: 'lwtest:no-such-key' })).toMatchObject({ ok: false, error: 'key "lwtest:no-such-key" does not exist' });
    expect(await check('redis', { url: `redis://127.0.0.1:${await freePort()}` })).toMatchObject({ ok: false, error: 'connection refused' });
    expect(await drift('redis', { url })).toMatchObject({ unaccepted: [] });
  });

  it('amqp (RabbitMQ): connects; a missing queue is named', async () => {
    const url = 'amqp://guest:guest@127.0.0.1:5672';
    expect(await check('amqp', { url })).toMatchObject({ ok: true });
    expect(await check('amqp', { url, queue: 'lwtest-no-such-queue' })).toMatchObject({ ok: false, error: 'queue "lwtest-no-such-queue" does not exist' });
    expect(await drift('amqp', { url })).toMatchObject({ unaccepted: [] });
  });

  it('mqtt (Mosquitto): connects and round-trips a message on a unique topic', async () => {
    const url = 'mqtt://127.0.0.1:1883';
    expect(await check('mqtt', { url })).toMatchObject({ ok: true });
    expect(await check('mqtt', { url, topic: `lwtest/check/${Date.now()}` })).toMatchObject({ ok: true });
    expect(await drift('mqtt', { url, topic: `lwtest/drift/${Date.now()}` })).toEqual({ unused: [], unaccepted: [] });
  });

  it('nats: connects and round-trips a message on a unique subject', async () => {
    const url = 'nats://127.0.0.1:4222';
    expect(await check('nats', { url })).toMatchObject({ ok: true });
    expect(await check('nats', { url, subject: `lwtest.check.${Date.now()}` })).toMatchObject({ ok: true });
    expect((await check('nats', { url: `nats://127.0.0.1:${await freePort()}` })).ok).toBe(false);
    expect(await drift('nats', { url, subject: `lwtest.drift.${Date.now()}` })).toEqual({ unused: [], unaccepted: [] });
  });
});

describe('CHECK_ALLOWED_NETWORKS', () => {
  it('with an allow-list, checks never connect outside it, by address or by name', async () => {
    const onlyDocNet = parseNetworks('203.0.113.0/24') as Networks;
    const loop = parseNetworks('127.0.0.0/8') as Networks;
    expect(await check('tcp', { host: '127.0.0.1', port: 5432 }, onlyDocNet)).toMatchObject({ ok: false, error: 'address 127.0.0.1 is outside CHECK_ALLOWED_NETWORKS' });
    expect(await check('tcp', { host: 'localhost', port: 5432 }, onlyDocNet)).toMatchObject({ ok: false, error: expect.stringMatching(/^address (127\.0\.0\.1|::1) of localhost is outside CHECK_ALLOWED_NETWORKS$/) });
    expect(await check('postgres', { url: 'postgres://postgres@127.0.0.1:5432/postgres' }, onlyDocNet)).toMatchObject({ ok: false, error: 'address 127.0.0.1 is outside CHECK_ALLOWED_NETWORKS' });
    expect(await check('http', { url: 'http://127.0.0.1:5432/' }, onlyDocNet)).toMatchObject({ ok: false, error: 'address 127.0.0.1 is outside CHECK_ALLOWED_NETWORKS' });
    expect(await check('ping', { host: '127.0.0.1', count: 1 }, onlyDocNet)).toMatchObject({ ok: false });
    expect(await check('postgres', { url: 'postgres://postgres@127.0.0.1:5432/postgres' }, loop)).toMatchObject({ ok: true });
  });

  it('parses CIDR lists and names a bad entry', () => {
    const n = parseNetworks('10.0.0.0/8, 2001:db8::/32') as Networks;
    expect([n.has('10.2.3.4'), n.has('11.0.0.1'), n.has('2001:db8::1'), n.has('::ffff:10.0.0.1')]).toEqual([true, false, true, true]);
    expect(parseNetworks('10.0.0.0/33')).toEqual({ problem: '"10.0.0.0/33" is not an IPv4 or IPv6 network (address/prefix, e.g. 10.0.0.0/8)' });
  });
});
