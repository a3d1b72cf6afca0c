// gRPC clients that implement IngestApi / QueryApi, so the gateway calls a remote service exactly as it calls
// an in-process one. Errors come back as the same LightwatchError the service threw.
import { credentials, Metadata, type ServiceError } from '@grpc/grpc-js';
import { IngestServiceClient } from '../../proto/gen/lightwatch/v1/ingest.js';
import { QueryServiceClient } from '../../proto/gen/lightwatch/v1/query.js';
import type { CallContext, IngestApi, QueryApi } from './apis.js';
import { fromServiceError } from './grpc-errors.js';

export const CHANNEL_OPTIONS = {
  'grpc.max_receive_message_length': 64 * 1024 * 1024,
  'grpc.max_send_message_length': 64 * 1024 * 1024,
  'grpc.keepalive_time_ms': 30_000,
  // While a service is down, reconnect attempts back off to at most 1 s (grpc-js' default grows to 120 s): with
  // the default, gateways went on answering 503 for 33 s after every ingest had been restarted and was ready.
  'grpc.initial_reconnect_backoff_ms': 200,
  'grpc.max_reconnect_backoff_ms': 1_000,
  // Round-robin over every address a DNS name resolves to (compose replicas).
  'grpc.service_config': JSON.stringify({ loadBalancingConfig: [{ round_robin: {} }] }),
};

function metadataOf(ctx: CallContext): Metadata {
  const md = new Metadata();
  md.set('x-request-id', ctx.requestId);
  if (ctx.credential) md.set('authorization', `Bearer ${ctx.credential}`);
  return md;
}

function settle<Res>(resolve: (r: Res) => void, reject: (e: unknown) => void) {
  return (err: ServiceError | null, res: Res): void => (err ? reject(fromServiceError(err)) : resolve(res));
}

const deadline = (timeoutMs: number): { deadline: number } => ({ deadline: Date.now() + timeoutMs });

export interface Closable {
  close(): void;
  /** Resolves once the channel is connected to the service; rejects when it is not within `timeoutMs` (readiness). */
  ready(timeoutMs?: number): Promise<void>;
}

function waitForReady(client: { waitForReady(deadline: number, cb: (err?: Error) => void): void }, address: string, timeoutMs: number): Promise<void> {
  return new Promise((ok, fail) =>
    client.waitForReady(Date.now() + timeoutMs, (err) => (err ? fail(new Error(`${address} is not reachable: ${err.message}`)) : ok())),
  );
}

export function ingestApiClient(address: string, timeoutMs = 30_000): IngestApi & Closable {
  const client = new IngestServiceClient(address, credentials.createInsecure(), CHANNEL_OPTIONS);
  return {
    push: (req, ctx) => new Promise((ok, fail) => void client.push(req, metadataOf(ctx), deadline(timeoutMs), settle(ok, fail))),
    pushEvents: (req, ctx) => new Promise((ok, fail) => void client.pushEvents(req, metadataOf(ctx), deadline(timeoutMs), settle(ok, fail))),
    close: () => client.close(),
    ready: (waitMs = 1_000) => waitForReady(client, address, waitMs),
  };
}

export function queryApiClient(address: string, timeoutMs = 30_000): QueryApi & Closable {
  const client = new QueryServiceClient(address, credentials.createInsecure(), CHANNEL_OPTIONS);
  return {
    queryEvents: (req, ctx) => new Promise((ok, fail) => void client.queryEvents(req, metadataOf(ctx), deadline(timeoutMs), settle(ok, fail))),
    metricSeries: (req, ctx) => new Promise((ok, fail) => void client.metricSeries(req, metadataOf(ctx), deadline(timeoutMs), settle(ok, fail))),
    resource: (req, ctx) => new Promise((ok, fail) => void client.resource(req, metadataOf(ctx), deadline(timeoutMs), settle(ok, fail))),
    prometheus: (req, ctx) => new Promise((ok, fail) => void client.prometheus(req, metadataOf(ctx), deadline(timeoutMs), settle(ok, fail))),
    alertmanager: (req, ctx) => new Promise((ok, fail) => void client.alertmanager(req, metadataOf(ctx), deadline(timeoutMs), settle(ok, fail))),
    close: () => client.close(),
    ready: (waitMs = 1_000) => waitForReady(client, address, waitMs),
  };
}
