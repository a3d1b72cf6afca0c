// Wiring only: which parts each command runs, in which order they start, and (through the lifecycle) the
// reverse order in which they stop. No logic of its own.
import type { LightwatchConfig } from '../lib/config/config.js';
import { ingestApiClient, queryApiClient } from '../lib/rpc/grpc-clients.js';
import { ingestBinding, queryBinding, startGrpcServer, type GrpcServiceBinding } from '../lib/rpc/grpc-server.js';
import type { Command } from './usage.js';
import { authenticatorFor, revocationsFor, createPlatform, jwtSecretFor, listenHttp, openStoreFor, opsApp, redisTopologyFor, streamsFor, type Platform } from './platform.js';
import { buildDetector, buildGateway, buildIngest, buildQuery, buildRealtime } from './parts.js';

const DEFAULT_GRPC_PORT = { ingest: 50051, query: 50052 } as const;

async function serveGrpc(p: Platform, port: number, bindings: GrpcServiceBinding[]): Promise<void> {
  const server = await startGrpcServer(p.config.host, port, bindings).catch((err: Error) => {
    throw new Error(`cannot listen for gRPC on ${p.config.host}:${port}: ${err.message} (set GRPC_PORT to a free port)`);
  });
  p.lifecycle.onClose('grpc server', () => server.close(p.config.shutdownTimeoutMs / 2));
  p.logger.info({ port: server.port }, 'gRPC listening');
}

function requireAddr(value: string | undefined, name: string): string {
  if (!value) throw new Error(`${name} is not set: the gateway needs the address of that service (host:port)`);
  return value;
}

/** Every service in one process on one HTTP port, calling each other in-process. */
async function runAll(p: Platform): Promise<void> {
  const redis = await redisTopologyFor(p, true);
  const streams = await streamsFor(p, redis, 'main');
  const store = await openStoreFor(p);
  const jwtSecret = jwtSecretFor(p, true);
  const authenticate = authenticatorFor(store, jwtSecret);
  const revocations = await revocationsFor(p, authenticate, streams);
  const query = await buildQuery(p, { store, authenticate, jwtSecret, revocations, notifications: streams.notifications });
  const ingest = await buildIngest(p, { streams, redis, store, authenticate });
  await buildDetector(p, { streams, store });
  const app = opsApp(p, { redis: () => streams.ping(), store: () => store.ping() });
  buildGateway(p, app, { ingest, query, authenticate, streams });
  const realtime = await buildRealtime(p, app, { streams, authenticate, revocations });
  await listenHttp(p, app);
  // The gateway calls ingest and query in-process: gRPC is served only when GRPC_PORT asks for it (for
  // services run apart that point INGEST_ADDR / QUERY_ADDR here), so two all-in-ones on one machine do not
  // collide and no port is opened that nothing uses.
  if (p.config.grpcPort !== undefined) await serveGrpc(p, p.config.grpcPort, [ingestBinding(ingest), queryBinding(query)]);
  void realtime;
}

async function runGateway(p: Platform): Promise<void> {
  const ingest = ingestApiClient(requireAddr(p.config.ingestAddr, 'INGEST_ADDR'));
  const query = queryApiClient(requireAddr(p.config.queryAddr, 'QUERY_ADDR'));
  p.lifecycle.onClose('grpc clients', () => {
    ingest.close();
    query.close();
  });
  // The gateway authenticates early (401/403 before reading a body) with the same store the services use.
  const store = await openStoreFor(p);
  const authenticate = authenticatorFor(store, jwtSecretFor(p, false));
  // With Redis: revocations reach this process at once, and the login limits count across every replica.
  const streams = p.config.redis ? await streamsFor(p, p.config.redis, 'gateway') : undefined;
  await revocationsFor(p, authenticate, streams);
  // Not ready while a service behind it is unreachable: a load balancer then sends requests to another replica.
  const app = opsApp(p, { store: () => store.ping(), ingest: () => ingest.ready(), query: () => query.ready() });
  buildGateway(p, app, { ingest, query, authenticate, streams });
  await listenHttp(p, app);
}

async function runIngest(p: Platform): Promise<void> {
  const redis = await redisTopologyFor(p, false);
  const streams = await streamsFor(p, redis, 'main');
  const store = await openStoreFor(p);
  const authenticate = authenticatorFor(store, jwtSecretFor(p, false));
  await revocationsFor(p, authenticate, streams);
  const ingest = await buildIngest(p, { streams, redis, store, authenticate });
  await listenHttp(p, opsApp(p, { redis: () => streams.ping(), store: () => store.ping() }));
  await serveGrpc(p, p.config.grpcPort ?? DEFAULT_GRPC_PORT.ingest, [ingestBinding(ingest)]);
}

async function runQuery(p: Platform): Promise<void> {
  const store = await openStoreFor(p);
  const jwtSecret = jwtSecretFor(p, false);
  const authenticate = authenticatorFor(store, jwtSecret);
  // With Redis configured, revocations and configuration changes reach the other processes at once; without,
  // within their cache TTL and periodic reload.
  const signals = p.config.redis ? await streamsFor(p, p.config.redis, 'revocations') : undefined;
  const revocations = await revocationsFor(p, authenticate, signals);
  const query = await buildQuery(p, { store, authenticate, jwtSecret, revocations, notifications: signals?.notifications });
  await listenHttp(p, opsApp(p, { store: () => store.ping() }));
  await serveGrpc(p, p.config.grpcPort ?? DEFAULT_GRPC_PORT.query, [queryBinding(query)]);
}

async function runRealtime(p: Platform): Promise<void> {
  const redis = await redisTopologyFor(p, false);
  const streams = await streamsFor(p, redis, 'main');
  const store = await openStoreFor(p);
  const authenticate = authenticatorFor(store, jwtSecretFor(p, false));
  const revocations = await revocationsFor(p, authenticate, streams);
  const app = opsApp(p, { redis: () => streams.ping() });
  await buildRealtime(p, app, { streams, authenticate, revocations });
  await listenHttp(p, app);
}

async function runDetector(p: Platform): Promise<void> {
  const redis = await redisTopologyFor(p, false);
  const streams = await streamsFor(p, redis, 'main');
  const store = await openStoreFor(p);
  await buildDetector(p, { streams, store });
  await listenHttp(p, opsApp(p, { redis: () => streams.ping(), store: () => store.ping() }));
}

const RUNNERS: Record<Command, (p: Platform) => Promise<void>> = {
  all: runAll,
  gateway: runGateway,
  ingest: runIngest,
  query: runQuery,
  realtime: runRealtime,
  detector: runDetector,
};

export async function run(command: Command, config: Readonly<LightwatchConfig>): Promise<void> {
  const p = createPlatform(config, command);
  try {
    await RUNNERS[command](p);
  } catch (err) {
    // Close whatever started (a local redis-server above all) before reporting the failure.
    await p.lifecycle.close();
    throw err;
  }
}
