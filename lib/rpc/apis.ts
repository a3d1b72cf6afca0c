// The service interfaces the gateway calls. Each service implements its interface as plain async functions;
// gRPC is one adapter over it (grpc-server.ts / grpc-clients.ts) and the all-in-one process calls the same
// interface in-process. Credentials and request ids travel in the call context, never in the body.
import type { PushEventsRequest, PushRequest, PushResponse } from '../../proto/gen/lightwatch/v1/ingest.js';
import type {
  MetricSeriesRequest,
  MetricSeriesResponse,
  PromRequest,
  PromResponse,
  QueryEventsRequest,
  QueryEventsResponse,
  ResourceRequest,
  ResourceResponse,
} from '../../proto/gen/lightwatch/v1/query.js';

export interface CallContext {
  requestId: string;
  /** Raw credential (API key or JWT) as the caller presented it; the service authenticates it. */
  credential: string | null;
}

export interface IngestApi {
  push(request: PushRequest, ctx: CallContext): Promise<PushResponse>;
  pushEvents(request: PushEventsRequest, ctx: CallContext): Promise<PushResponse>;
}

export interface QueryApi {
  queryEvents(request: QueryEventsRequest, ctx: CallContext): Promise<QueryEventsResponse>;
  metricSeries(request: MetricSeriesRequest, ctx: CallContext): Promise<MetricSeriesResponse>;
  resource(request: ResourceRequest, ctx: CallContext): Promise<ResourceResponse>;
  /** The Prometheus HTTP API: always answers (Prometheus's error shape in the body), throws only when broken. */
  prometheus(request: PromRequest, ctx: CallContext): Promise<PromResponse>;
  /** The Alertmanager v2 API in the same envelope: always answers (Alertmanager's error shape), throws only when broken. */
  alertmanager(request: PromRequest, ctx: CallContext): Promise<PromResponse>;
}
