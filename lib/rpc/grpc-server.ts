// Serves IngestApi / QueryApi implementations over gRPC: reads the call context from metadata, maps errors
// once, and closes gracefully (tryShutdown, then forceShutdown after a timeout).
import { Server, ServerCredentials, type Metadata, type sendUnaryData, type ServerUnaryCall, type ServiceDefinition, type UntypedServiceImplementation } from '@grpc/grpc-js';
import { randomUUID } from 'node:crypto';
import { IngestServiceService, type IngestServiceServer, type PushEventsRequest, type PushResponse } from '../../proto/gen/lightwatch/v1/ingest.js';
import { QueryServiceService, type QueryServiceServer } from '../../proto/gen/lightwatch/v1/query.js';
import type { CallContext, IngestApi, QueryApi } from './apis.js';
import { toServiceError } from './grpc-errors.js';

export function contextFromMetadata(md: Metadata): CallContext {
  const rid = md.get('x-request-id')[0];
  const auth = md.get('authorization')[0];
  const key = md.get('x-api-key')[0];
  let credential: string | null = null;
  if (typeof auth === 'string' && auth) credential = auth.replace(/^bearer\s+/i, '');
  else if (typeof key === 'string' && key) credential = key;
  return { requestId: typeof rid === 'string' && rid ? rid : randomUUID(), credential };
}

function unary<Req, Res>(fn: (req: Req, ctx: CallContext) => Promise<Res>) {
  return (call: ServerUnaryCall<Req, Res>, callback: sendUnaryData<Res>): void => {
    fn(call.request, contextFromMetadata(call.metadata)).then(
      (res) => callback(null, res),
      (err: unknown) => callback(toServiceError(err)),
    );
  };
}

export function ingestServiceImplementation(api: IngestApi): IngestServiceServer {
  return {
    push: unary((req, ctx) => api.push(req, ctx)),
    pushEvents: unary((req, ctx) => api.pushEvents(req, ctx)),
    // Client streaming: each batch is appended as it arrives (durable before the next is read); the summary
    // adds them up, with rejected indexes offset by the batches before.
    streamEvents: (call, callback) => {
      const ctx = contextFromMetadata(call.metadata);
      const total: PushResponse = { accepted: 0, rejected: [], compatBodyJson: '', replayed: false };
      let offset = 0;
      let chain: Promise<void> = Promise.resolve();
      let failed = false;
      call.on('data', (req: PushEventsRequest) => {
        call.pause();
        const base = offset;
        offset += req.events.length;
        chain = chain
          .then(async () => {
            if (failed) return;
            const res = await api.pushEvents(req, ctx);
            total.accepted += res.accepted;
            for (const r of res.rejected) total.rejected.push({ index: r.index + base, error: r.error });
          })
          .catch((err: unknown) => {
            failed = true;
            callback(toServiceError(err));
          })
          .finally(() => call.resume());
      });
      call.on('end', () => {
        void chain.then(() => {
          if (!failed) callback(null, total);
        });
      });
    },
  };
}

export function queryServiceImplementation(api: QueryApi): QueryServiceServer {
  return {
    queryEvents: unary((req, ctx) => api.queryEvents(req, ctx)),
    metricSeries: unary((req, ctx) => api.metricSeries(req, ctx)),
    resource: unary((req, ctx) => api.resource(req, ctx)),
    prometheus: unary((req, ctx) => api.prometheus(req, ctx)),
    alertmanager: unary((req, ctx) => api.alertmanager(req, ctx)),
  };
}

export interface GrpcServer {
  readonly port: number;
  close(timeoutMs?: number): Promise<void>;
}

export interface GrpcServiceBinding {
  definition: ServiceDefinition;
  implementation: UntypedServiceImplementation;
}

export const ingestBinding = (api: IngestApi): GrpcServiceBinding => ({
  definition: IngestServiceService,
  implementation: ingestServiceImplementation(api),
});

export const queryBinding = (api: QueryApi): GrpcServiceBinding => ({
  definition: QueryServiceService,
  implementation: queryServiceImplementation(api),
});

export async function startGrpcServer(host: string, port: number, bindings: GrpcServiceBinding[]): Promise<GrpcServer> {
  const server = new Server({ 'grpc.max_receive_message_length': 64 * 1024 * 1024 });
  for (const b of bindings) server.addService(b.definition, b.implementation);
  const bound = await new Promise<number>((resolve, reject) => {
    server.bindAsync(`${host}:${port}`, ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p)));
  });
  let closing: Promise<void> | undefined;
  return {
    port: bound,
    close(timeoutMs = 5_000) {
      closing ??= new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, timeoutMs);
        server.tryShutdown(() => {
          clearTimeout(timer);
          resolve();
        });
      });
      return closing;
    },
  };
}
