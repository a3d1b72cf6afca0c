// Gateway metrics with bounded label sets (route names are fixed strings, never raw paths).
import { Counter, Histogram, type Registry } from 'prom-client';

export interface GatewayMetrics {
  requests: Counter<'route' | 'status'>;
  latency: Histogram<'route'>;
  requestBytes: Histogram<'endpoint'>;
}

export function createGatewayMetrics(registry: Registry): GatewayMetrics {
  return {
    requests: new Counter({ name: 'lightwatch_gateway_requests_total', help: 'HTTP requests by route and status', labelNames: ['route', 'status'], registers: [registry] }),
    latency: new Histogram({
      name: 'lightwatch_gateway_request_seconds',
      help: 'HTTP request latency by route',
      labelNames: ['route'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    requestBytes: new Histogram({
      name: 'lightwatch_gateway_request_body_bytes',
      help: 'Ingest request body size',
      labelNames: ['endpoint'],
      buckets: [256, 1024, 8192, 65536, 262144, 1048576, 4194304, 16777216],
      registers: [registry],
    }),
  };
}
