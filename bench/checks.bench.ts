// Cost of one active check of each kind against a local server (wall time and CPU time of this process per
// check, median of sequential runs), and memory per check target held by a detector (settings plus compiled
// specs, 10,000 targets of mixed kinds). Servers: the machine's PostgreSQL, MariaDB, Redis 6379, RabbitMQ,
// Mosquitto and NATS, and in-process HTTP, TCP, DNS, TLS, WebSocket and gRPC servers. Kinds whose server
// is not reachable are reported as failed rather than dropped.
import { createServer } from 'node:http';
import { createServer as createTlsServer } from 'node:tls';
import { WebSocketServer } from 'ws';
import { CHECK_KINDS, CHECK_SETTINGS, type CheckKind } from '../lib/api/check-settings.js';
import { PROBES } from '../detector/checks/kinds/index.js';
import { runCheck } from '../detector/checks/probe.js';
import { dnsServer, grpcHealthServer, makeCerts, tcpServer } from '../detector/checks/testing/servers.js';
import { compileTargetRules } from '../detector/rules/compile.js';
import { reportFigures, type Figure } from './report.js';

const RUNS = Number(process.env.BENCH_CHECK_RUNS ?? 40);
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

async function main(): Promise<void> {
  const http = createServer((q, r) => r.end(q.url === '/metrics' ? '# TYPE requests_total counter\nrequests_total{code="200"} 7\n' : '{"status":"UP"}'));
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  const tcp = await tcpServer((s) => s.end());
  const dns = await dnsServer({ 'svc.lw.test': { A: ['10.1.2.3'] } });
  const certs = makeCerts();
  const tls = createTlsServer(certs.shortLived, (s) => s.end());
  await new Promise<void>((r) => tls.listen(0, '127.0.0.1', r));
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await new Promise((r) => wss.once('listening', r));
  const grpc = await grpcHealthServer({ '': 1 });
  const port = (s: { address(): unknown }): number => (s.address() as { port: number }).port;

  const settings: Record<CheckKind, Record<string, unknown>> = {
    http: { url: `http://127.0.0.1:${port(http)}/`, conditions: ['[STATUS] == 200', '[BODY].status == UP'] },
    tcp: { host: '127.0.0.1', port: tcp.port },
    dns: { name: 'svc.lw.test', resolver: dns.address },
    ping: { host: '127.0.0.1', count: 1 },
    tls: { host: '127.0.0.1', port: port(tls), servername: 'localhost', ca: certs.ca, warnDays: 1 },
    websocket: { url: `ws://127.0.0.1:${port(wss)}/` },
    grpc: { host: '127.0.0.1', port: grpc.port },
    postgres: { url: 'postgres://postgres@127.0.0.1:5432/postgres' },
    mysql: { url: 'mysql://root@127.0.0.1:3306/' },
    redis: { url: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' },
    mqtt: { url: 'mqtt://127.0.0.1:1883' },
    amqp: { url: 'amqp://guest:guest@127.0.0.1:5672' },
    nats: { url: 'nats://127.0.0.1:4222' },
    scrape: { url: `http://127.0.0.1:${port(http)}/metrics` },
  };

  const figures: Figure[] = [];
  const stop = new AbortController().signal;
  for (const kind of CHECK_KINDS) {
    const parsed = CHECK_SETTINGS[kind].parse({ timeoutMs: 5000, ...settings[kind] });
    const wall: number[] = [];
    const cpu: number[] = [];
    let failures = 0;
    let lastError = '';
    for (let i = 0; i < RUNS; i++) {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      const r = await runCheck({ kind, settings: parsed } as never, PROBES, stop);
      wall.push(performance.now() - t0);
      const c = process.cpuUsage(c0);
      cpu.push((c.user + c.system) / 1000);
      if (!r.ok) {
        failures++;
        lastError = r.error ?? '';
      }
    }
    figures.push({ name: `check ${kind} wall ms (median)`, value: Math.round(median(wall) * 100) / 100, unit: 'ms' });
    figures.push({ name: `check ${kind} cpu ms (median)`, value: Math.round(median(cpu) * 100) / 100, unit: 'ms' });
    if (failures > 0) process.stderr.write(`${kind}: ${failures}/${RUNS} failed (${lastError})\n`);
  }

  // Memory per check target: parsed settings and compiled specs of 10,000 targets of mixed kinds.
  global.gc?.();
  const before = process.memoryUsage().heapUsed;
  const held: unknown[] = [];
  for (let i = 0; i < 10_000; i++) {
    const kind = CHECK_KINDS[i % CHECK_KINDS.length] as CheckKind;
    const s = CHECK_SETTINGS[kind].parse({ ...settings[kind], ...('host' in settings[kind] ? { host: `h${i}.example` } : {}) });
    const target = { id: `t${i}`, tenant: 'bench', name: `t${i}`, kind, labels: { i: String(i) }, channels: [], paused: false, createdAt: 0, updatedAt: 0, [kind]: s };
    held.push(target, compileTargetRules(target, []).specs);
  }
  global.gc?.();
  const perTarget = (process.memoryUsage().heapUsed - before) / 10_000;
  figures.push({ name: 'memory per check target (settings + compiled spec)', value: Math.round(perTarget), unit: 'bytes' });
  if (held.length === 0) throw new Error('unreachable');

  for (const line of figures) process.stdout.write(`${line.name}: ${line.value} ${line.unit}\n`);
  reportFigures('checks', figures);
  await new Promise((r) => http.close(r));
  await tcp.close();
  await dns.close();
  await new Promise((r) => tls.close(r));
  await new Promise((r) => wss.close(r));
  await grpc.close();
  certs.cleanup();
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
