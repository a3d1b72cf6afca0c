// CHECK_ALLOWED_NETWORKS at the API, over real HTTP: a target whose check would connect to an IP address outside
// the allowed networks (any kind: its url, host or DNS resolver) and a promql rule whose external Prometheus is
// at such an address are refused when saved, a 422 whose detail names the field; a name is accepted (the
// detector's guard resolves and checks it each time the check runs), as is an address inside the networks.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseNetworks, type Networks } from '../../lib/net/networks.js';
import { startTestbed, type Testbed } from '../support/gateway.js';

const OUTSIDE = 'address 127.0.0.1 is outside CHECK_ALLOWED_NETWORKS';

/** Each check kind with its destination at 127.0.0.1 (outside), where the refusal is, and the same inside/by name. */
const KINDS: { kind: string; at: string; outside: object; inside: object; named: object }[] = [
  { kind: 'http', at: '/http/url', outside: { url: 'http://127.0.0.1:8080/health' }, inside: { url: 'http://10.0.0.5/health' }, named: { url: 'https://shop.internal/health' } },
  { kind: 'scrape', at: '/scrape/url', outside: { url: 'http://127.0.0.1:9100/metrics' }, inside: { url: 'http://10.0.0.5:9100/metrics' }, named: { url: 'http://node.internal:9100/metrics' } },
  { kind: 'websocket', at: '/websocket/url', outside: { url: 'ws://127.0.0.1/ws' }, inside: { url: 'wss://10.0.0.5/ws' }, named: { url: 'wss://ws.internal/ws' } },
  { kind: 'tcp', at: '/tcp/host', outside: { host: '127.0.0.1', port: 5432 }, inside: { host: '10.0.0.5', port: 5432 }, named: { host: 'db.internal', port: 5432 } },
  { kind: 'tls', at: '/tls/host', outside: { host: '127.0.0.1' }, inside: { host: '10.0.0.5' }, named: { host: 'example.com' } },
  { kind: 'grpc', at: '/grpc/host', outside: { host: '127.0.0.1', port: 50051 }, inside: { host: '10.0.0.5', port: 50051 }, named: { host: 'grpc.internal', port: 50051 } },
  { kind: 'ping', at: '/ping/host', outside: { host: '127.0.0.1' }, inside: { host: '10.0.0.5' }, named: { host: 'gw.internal' } },
  { kind: 'dns', at: '/dns/resolver', outside: { name: 'example.com', resolver: '127.0.0.1:53' }, inside: { name: 'example.com', resolver: '10.0.0.53' }, named: { name: 'example.com' } },
  { kind: 'postgres', at: '/postgres/url', outside: { url: 'postgres://app:pw@127.0.0.1:5432/app' }, inside: { url: 'postgres://app:pw@10.0.0.5/app' }, named: { url: 'postgres://app:pw@db.internal/app' } },
  { kind: 'mysql', at: '/mysql/url', outside: { url: 'mysql://app:pw@127.0.0.1/app' }, inside: { url: 'mysql://app:pw@10.0.0.5/app' }, named: { url: 'mysql://app:pw@db.internal/app' } },
  { kind: 'redis', at: '/redis/url', outside: { url: 'redis://127.0.0.1:6379' }, inside: { url: 'redis://10.0.0.5:6379' }, named: { url: 'redis://cache.internal:6379' } },
  { kind: 'mqtt', at: '/mqtt/url', outside: { url: 'mqtt://127.0.0.1' }, inside: { url: 'mqtt://10.0.0.5' }, named: { url: 'mqtt://broker.internal' } },
  { kind: 'amqp', at: '/amqp/url', outside: { url: 'amqp://u:p@127.0.0.1/' }, inside: { url: 'amqp://u:p@10.0.0.5/' }, named: { url: 'amqp://u:p@mq.internal/' } },
  { kind: 'nats', at: '/nats/url', outside: { url: 'nats://127.0.0.1:4222' }, inside: { url: 'nats://10.0.0.5:4222' }, named: { url: 'nats://nats.internal:4222' } },
];

describe('CHECK_ALLOWED_NETWORKS when targets and rules are saved', () => {
  let bed: Testbed;
  beforeAll(async () => {
    bed = await startTestbed({ checkAllowedNetworks: parseNetworks('10.0.0.0/8,2001:db8::/32') as Networks });
  });
  afterAll(async () => {
    await bed?.close();
  });

  const api = async (method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> => { // eslint-disable-line @typescript-eslint/no-explicit-any
    const res = await fetch(`${bed.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${bed.adminKey}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, body: await res.json() };
  };

  it('refuses every check kind whose destination is an IP address outside the networks, at its field', async () => {
    for (const k of KINDS) {
      const res = await api('POST', '/api/targets', { name: `out-${k.kind}`, kind: k.kind, [k.kind]: k.outside });
      expect(res.status, k.kind).toBe(422);
      expect(res.body.error, k.kind).toEqual({ code: 'unprocessable', message: `invalid target body: ${k.at} ${OUTSIDE}`, details: [{ at: k.at, message: OUTSIDE }] });
    }
    expect((await api('GET', '/api/targets')).body.items).toEqual([]);
  });

  it('accepts an address inside the networks and a name (checked when the check runs)', async () => {
    for (const k of KINDS) {
      expect((await api('POST', '/api/targets', { name: `in-${k.kind}`, kind: k.kind, [k.kind]: k.inside })).status, k.kind).toBe(201);
      expect((await api('POST', '/api/targets', { name: `named-${k.kind}`, kind: k.kind, [k.kind]: k.named })).status, k.kind).toBe(201);
    }
  });

  it('refuses IPv6 and IPv4-mapped literals outside the networks, and takes one inside', async () => {
    const v6 = await api('POST', '/api/targets', { name: 'v6', kind: 'http', http: { url: 'http://[::1]:8080/' } });
    expect(v6.body.error.details).toEqual([{ at: '/http/url', message: 'address ::1 is outside CHECK_ALLOWED_NETWORKS' }]);
    const bracketed = await api('POST', '/api/targets', { name: 'v6tcp', kind: 'tcp', tcp: { host: '[fd00::1]', port: 22 } });
    expect(bracketed.body.error.details).toEqual([{ at: '/tcp/host', message: 'address fd00::1 is outside CHECK_ALLOWED_NETWORKS' }]);
    const mapped = await api('POST', '/api/targets', { name: 'mapped', kind: 'http', http: { url: 'http://[::ffff:169.254.169.254]/' } });
    expect(mapped.status).toBe(422);
    expect(mapped.body.error.details[0].at).toBe('/http/url');
    expect((await api('POST', '/api/targets', { name: 'v6in', kind: 'http', http: { url: 'http://[2001:db8::5]/' } })).status).toBe(201);
  });

  it('refuses an update that moves a check outside, keeping the stored target', async () => {
    const created = await api('POST', '/api/targets', { name: 'moving', kind: 'http', http: { url: 'http://10.1.2.3/' } });
    expect(created.status).toBe(201);
    const moved = await api('PATCH', `/api/targets/${created.body.id}`, { http: { url: 'http://192.168.1.1/' } });
    expect(moved.status).toBe(422);
    expect(moved.body.error.details).toEqual([{ at: '/http/url', message: 'address 192.168.1.1 is outside CHECK_ALLOWED_NETWORKS' }]);
    expect((await api('GET', `/api/targets/${created.body.id}`)).body.http.url).toBe('http://10.1.2.3/');
  });

  it("refuses a promql rule's external Prometheus at an address outside, at /params/source/url", async () => {
    const res = await api('POST', '/api/rules', { name: 'ext', kind: 'promql', params: { expr: 'up == 0', source: { url: 'http://127.0.0.1:9090' } } });
    expect(res.status).toBe(422);
    expect(res.body.error).toEqual({ code: 'unprocessable', message: `invalid rule body: /params/source/url ${OUTSIDE}`, details: [{ at: '/params/source/url', message: OUTSIDE }] });
    expect((await api('POST', '/api/rules', { name: 'ext', kind: 'promql', params: { expr: 'up == 0', source: { url: 'http://prometheus.internal:9090' } } })).status).toBe(201);
  });
});
