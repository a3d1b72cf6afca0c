// The production deployment, checked without Docker or Traefik: the real files must pass every check, the
// routes must land where the architecture says, and each check must fail on a file broken the way it guards
// against (a mutated copy of the parsed files).
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { checkDeployment, formatProblems, routeRequest, type DeploymentFiles, type Problem } from './check-deployment.js';
import { enableTlsInStatic, loadDeploymentFiles } from './files.js';
import { parseYaml } from './files.js';
import { dict } from './yaml-values.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SECRET = 'a'.repeat(64);
const ENV = { JWT_SECRET: SECRET, BOOTSTRAP_API_KEY: 'lw_test-bootstrap-key' };
const files = loadDeploymentFiles(ROOT, { env: ENV });
const tlsFiles = loadDeploymentFiles(ROOT, { env: ENV, tls: true });

/** A deep copy without shared references (YAML aliases share objects; a mutation must touch one place). */
const copy = (f: DeploymentFiles): DeploymentFiles => JSON.parse(JSON.stringify(f)) as DeploymentFiles;

function node(root: unknown, path: string[]): Record<string, unknown> {
  let cur: unknown = root;
  for (const key of path) {
    const next = dict(cur)[key];
    if (typeof next !== 'object' || next === null) throw new Error(`no object at ${path.join('.')} (${key})`);
    cur = next;
  }
  return cur as Record<string, unknown>;
}
const set = (root: unknown, path: string[], value: unknown): void => void (node(root, path.slice(0, -1))[path.at(-1) as string] = value);
const del = (root: unknown, path: string[]): void => void delete node(root, path.slice(0, -1))[path.at(-1) as string];
const get = (root: unknown, path: string[]): unknown => node(root, path.slice(0, -1))[path.at(-1) as string];

const svc = (name: string, ...rest: string[]): string[] => ['services', name, ...rest];
const dyn = (f: DeploymentFiles, file: string): unknown => f.traefikDynamic[file];
const mw = (name: string, ...rest: string[]): string[] => ['http', 'middlewares', name, ...rest];
const router = (name: string, ...rest: string[]): string[] => ['http', 'routers', name, ...rest];
const lb = (name: string, ...rest: string[]): string[] => ['http', 'services', name, 'loadBalancer', ...rest];

function replaceIn(root: unknown, path: string[], from: string | RegExp, to: string): void {
  const v = get(root, path);
  if (Array.isArray(v)) set(root, path, v.map((x) => (typeof x === 'string' ? x.replace(from, to) : x)));
  else if (typeof v === 'string') set(root, path, v.replace(from, to));
  else throw new Error(`nothing to replace at ${path.join('.')}`);
}

describe('the deployment files', () => {
  it('pass every check', () => {
    const problems = checkDeployment(files);
    expect(problems, formatProblems(problems)).toEqual([]);
  });

  it('pass every check with TLS enabled as docs/deploy.md describes', () => {
    expect(dict(tlsFiles.traefikStatic).certificatesResolvers).toBeDefined();
    const problems = checkDeployment(tlsFiles);
    expect(problems, formatProblems(problems)).toEqual([]);
  });

  it('run the replicas the deployment is sized for', () => {
    const services = dict(dict(files.compose).services);
    const replicas = Object.fromEntries(['gateway', 'ingest', 'query', 'realtime', 'detector'].map((s) => [s, get(services, [s, 'deploy', 'replicas'])]));
    expect(replicas).toEqual({ gateway: 2, ingest: 2, query: 2, realtime: 2, detector: 3 });
  });

  it('describe every service and every contract variable in deploy/services.yaml', () => {
    const m = dict(files.manifest);
    expect(Object.keys(dict(m.services)).sort()).toEqual(['all', 'detector', 'gateway', 'ingest', 'query', 'realtime']);
    const contract = ['PORT', 'DATA_DIR', 'REDIS_URL', 'STORE_URL', 'BOOTSTRAP_API_KEY', 'LOG_LEVEL', 'INGEST_ADDR', 'QUERY_ADDR', 'GRPC_PORT', 'JWT_SECRET', 'PARTITIONS', 'REPLICA_ID', 'DETECTOR_LEASE_MS', 'INGEST_MAX_BODY_BYTES', 'PERSIST_BACKLOG_LIMIT', 'TELEGRAM_API_URL'];
    expect(Object.keys(dict(m.env))).toEqual(expect.arrayContaining(contract));
  });

  it('make compose refuse to start without the secrets, naming them', () => {
    const problems = checkDeployment({ ...copy(files), env: {} });
    const refused = problems.filter((p) => p.code === 'interpolation').map((p) => p.at);
    expect(refused.sort()).toEqual(['${BOOTSTRAP_API_KEY}', '${JWT_SECRET}']);
  });

  it('keep TLS switched off until its block is uncommented', () => {
    expect(dict(files.traefikStatic).certificatesResolvers).toBeUndefined();
    const text = '# tls-begin\n# a:\n#   b: 1\n# tls-end\nc: 2\n';
    expect(parseYaml(enableTlsInStatic(text))).toEqual({ a: { b: 1 }, c: 2 });
  });
});

describe('routing', () => {
  const route = (ep: string, method: string, path: string, tls = false, f = files) => routeRequest(f, ep, { method, path, tls });

  it('sends ingest to the gateway with a body limit and no retry', () => {
    for (const [method, path] of [['POST', '/ingest/logs'], ['POST', '/ingest/prometheus/write'], ['GET', '/ingest/heartbeat/nightly-backup']] as const) {
      const r = route('web', method, path);
      expect(r, `${method} ${path}`).toMatchObject({ router: 'ingest', target: 'gateway' });
      expect(r?.middlewareTypes).toContain('buffering');
      expect(r?.middlewareTypes).not.toContain('retry');
      expect(r?.middlewareTypes[0]).toBe('rateLimit');
    }
  });

  it('retries API reads and never API writes', () => {
    expect(route('web', 'GET', '/api/logs')).toMatchObject({ router: 'api-read', target: 'gateway' });
    expect(route('web', 'GET', '/api/logs')?.middlewareTypes).toContain('retry');
    expect(route('web', 'HEAD', '/api/openapi.json')?.router).toBe('api-read');
    for (const [method, path] of [['POST', '/api/auth/login'], ['PUT', '/api/rules/r1'], ['DELETE', '/api/keys/k1'], ['PATCH', '/api/incidents/i1']] as const) {
      const r = route('web', method, path);
      expect(r, `${method} ${path}`).toMatchObject({ router: 'api-write', target: 'gateway' });
      expect(r?.middlewareTypes).not.toContain('retry');
    }
  });

  it('serves the dashboard page at / and nothing else through its router', () => {
    expect(route('web', 'GET', '/')).toMatchObject({ router: 'dashboard', target: 'gateway' });
    expect(route('websecure', 'GET', '/', true, tlsFiles)).toMatchObject({ router: 'dashboard-tls', target: 'gateway' });
    expect(route('web', 'GET', '/index.html')).toBeUndefined();
  });

  it('sends WebSockets to realtime without buffering or in-flight caps', () => {
    for (const path of ['/ws', '/ws/logs', '/ws/targets/t1']) {
      const r = route('web', 'GET', path);
      expect(r, path).toMatchObject({ router: 'ws', target: 'realtime' });
      expect(r?.middlewareTypes.filter((t) => t === 'buffering' || t === 'inFlightReq' || t === 'retry')).toEqual([]);
    }
  });

  it('sends direct gRPC agents to ingest over h2c, and nothing else', () => {
    expect(route('grpc', 'POST', '/lightwatch.v1.IngestService/Push')).toMatchObject({ router: 'ingest-grpc', target: 'ingest' });
    expect(route('grpc', 'POST', '/lightwatch.v1.IngestService/StreamEvents')?.middlewareTypes).not.toContain('buffering');
    expect(route('grpc', 'POST', '/lightwatch.v1.QueryService/QueryEvents')).toBeUndefined();
    expect(route('grpc', 'GET', '/api/logs')).toBeUndefined();
  });

  it('routes none of the internal endpoints', () => {
    for (const ep of ['web', 'websecure', 'grpc']) {
      for (const path of ['/metrics', '/healthz', '/readyz']) {
        expect(route(ep, 'GET', path), `${ep} ${path}`).toBeUndefined();
        expect(route(ep, 'GET', path, true, tlsFiles), `${ep} ${path} tls`).toBeUndefined();
      }
    }
  });

  it('serves the same routes over TLS once enabled', () => {
    expect(route('websecure', 'GET', '/api/logs', true, tlsFiles)).toMatchObject({ router: 'api-read-tls', target: 'gateway' });
    expect(route('websecure', 'POST', '/ingest/logs', true, tlsFiles)?.middlewares).toContain('hsts');
    expect(route('websecure', 'GET', '/ws/logs', true, tlsFiles)?.target).toBe('realtime');
    expect(route('grpc', 'POST', '/lightwatch.v1.IngestService/Push', true, tlsFiles)?.router).toBe('ingest-grpc-tls');
    expect(route('websecure', 'GET', '/api/logs', false, tlsFiles)).toBeUndefined();
  });
});

interface Breakage {
  name: string;
  mutate: (f: DeploymentFiles) => void;
  code: string;
  at?: RegExp;
  message?: RegExp;
  tls?: boolean;
}

const breakages: Breakage[] = [
  // Traefik references
  { name: 'a middleware a router uses is removed', mutate: (f) => del(dyn(f, 'middlewares.yml'), mw('ingest-chain')), code: 'undefined_middleware', at: /routers\.ingest\.middlewares/ },
  { name: 'a chain member is removed', mutate: (f) => del(dyn(f, 'middlewares.yml'), mw('security-headers')), code: 'undefined_middleware', at: /ingest-chain\.chain/ },
  { name: 'a router names an undefined service', mutate: (f) => set(dyn(f, 'routers.yml'), router('ws', 'service'), 'realtme'), code: 'undefined_service', at: /routers\.ws\.service/ },
  { name: 'a router names an undefined entry point', mutate: (f) => set(dyn(f, 'routers.yml'), router('ingest', 'entryPoints'), ['http']), code: 'undefined_entrypoint' },
  { name: 'a router sits on the internal metrics entry point', mutate: (f) => set(dyn(f, 'routers.yml'), router('api-read', 'entryPoints'), ['web', 'metrics']), code: 'internal_entrypoint' },
  { name: 'a router has no entry points', mutate: (f) => del(dyn(f, 'routers.yml'), router('ws', 'entryPoints')), code: 'router_entrypoints' },
  { name: 'a rule uses a matcher the check cannot evaluate', mutate: (f) => set(dyn(f, 'routers.yml'), router('ws', 'rule'), 'PathRegexp(`^/ws`)'), code: 'router_rule', message: /unsupported matcher PathRegexp/ },
  { name: 'a middleware type is misspelt', mutate: (f) => set(dyn(f, 'middlewares.yml'), mw('api-ratelimit'), { rateLimt: { average: 1 } }), code: 'middleware_type' },
  { name: 'a middleware is defined twice', mutate: (f) => set(dyn(f, 'services.yml'), ['http', 'middlewares'], { 'api-retry': { retry: { attempts: 1 } } }), code: 'duplicate_definition' },
  { name: 'a middleware is left unused', mutate: (f) => set(dyn(f, 'middlewares.yml'), mw('spare'), { compress: {} }), code: 'unused_middleware', at: /spare/ },
  { name: 'a chain includes itself', mutate: (f) => set(dyn(f, 'middlewares.yml'), mw('ws-chain', 'chain', 'middlewares'), ['ws-ratelimit', 'ws-chain']), code: 'middleware_cycle' },
  { name: 'a TLS router names an undefined certificate resolver', tls: true, mutate: (f) => set(dyn(f, 'websecure.yml'), router('ws-tls', 'tls'), { certResolver: 'le' }), code: 'undefined_cert_resolver' },
  { name: 'two routers tie for a request', mutate: (f) => set(dyn(f, 'routers.yml'), router('api-read', 'priority'), 100), code: 'ambiguous_route', message: /api-read and api-write/ },

  // Routing semantics
  { name: 'WebSockets are sent to the gateway', mutate: (f) => set(dyn(f, 'routers.yml'), router('ws', 'service'), 'gateway'), code: 'path_not_served', message: /\/ws to gateway/ },
  { name: 'a catch-all router exposes internal endpoints', mutate: (f) => set(dyn(f, 'routers.yml'), router('api-write', 'rule'), 'PathPrefix(`/`)'), code: 'internal_path_routed', message: /GET \/metrics/ },
  { name: 'ingest POSTs are retried', mutate: (f) => set(dyn(f, 'middlewares.yml'), mw('ingest-chain', 'chain', 'middlewares'), ['ingest-ratelimit', 'ingest-body-limit', 'api-retry']), code: 'retry_not_idempotent', message: /\/ingest records data/ },
  { name: 'API writes are retried', mutate: (f) => set(dyn(f, 'middlewares.yml'), mw('api-write-chain', 'chain', 'middlewares'), ['api-ratelimit', 'security-headers', 'api-body-limit', 'api-retry']), code: 'retry_not_idempotent', message: /POST \/api/ },
  { name: 'gRPC is retried', mutate: (f) => set(dyn(f, 'middlewares.yml'), mw('grpc-chain', 'chain', 'middlewares'), ['grpc-ratelimit', 'api-retry']), code: 'retry_not_idempotent' },
  { name: 'WebSockets are buffered', mutate: (f) => set(dyn(f, 'middlewares.yml'), mw('ws-chain', 'chain', 'middlewares'), ['ws-ratelimit', 'api-body-limit']), code: 'buffering_streaming' },
  { name: 'gRPC streams are buffered', mutate: (f) => set(dyn(f, 'middlewares.yml'), mw('grpc-chain', 'chain', 'middlewares'), ['grpc-ratelimit', 'ingest-body-limit']), code: 'buffering_streaming' },
  { name: 'open WebSockets count as in-flight requests', mutate: (f) => set(dyn(f, 'middlewares.yml'), mw('ws-chain', 'chain', 'middlewares'), ['ws-ratelimit', 'api-inflight']), code: 'inflight_on_websocket' },
  { name: 'the ingest body limit is below the gateway limit', mutate: (f) => set(dyn(f, 'middlewares.yml'), mw('ingest-body-limit', 'buffering', 'maxRequestBodyBytes'), 1048576), code: 'body_limit_below_app' },
  { name: 'the gateway limit is raised above the proxy limit', mutate: (f) => set(f.compose, svc('gateway', 'environment', 'INGEST_MAX_BODY_BYTES'), '10485760'), code: 'body_limit_below_app', message: /INGEST_MAX_BODY_BYTES=10485760/ },
  { name: 'ingest loses its body limit', mutate: (f) => set(dyn(f, 'middlewares.yml'), mw('ingest-chain', 'chain', 'middlewares'), ['ingest-ratelimit', 'ingest-inflight', 'security-headers']), code: 'no_body_limit' },
  { name: 'the gRPC entry point keeps a read deadline', mutate: (f) => set(f.traefikStatic, ['entryPoints', 'grpc', 'transport', 'respondingTimeouts', 'readTimeout'], '60s'), code: 'grpc_read_timeout' },

  // Load balancers
  { name: 'a server uses the wrong port', mutate: (f) => set(dyn(f, 'services.yml'), lb('gateway', 'servers'), [{ url: 'http://lightwatch-gateway-1:8080' }, { url: 'http://lightwatch-gateway-2:8081' }]), code: 'port_mismatch', message: /8081/ },
  { name: 'gRPC is sent to the HTTP port', mutate: (f) => set(dyn(f, 'services.yml'), lb('ingest-grpc', 'servers'), [{ url: 'h2c://lightwatch-ingest-1:8080' }, { url: 'h2c://lightwatch-ingest-2:8080' }]), code: 'port_mismatch', message: /GRPC_PORT 50051/ },
  { name: 'gRPC is proxied as HTTP/1', mutate: (f) => set(dyn(f, 'services.yml'), lb('ingest-grpc', 'servers'), [{ url: 'http://lightwatch-ingest-1:50051' }, { url: 'http://lightwatch-ingest-2:50051' }]), code: 'port_mismatch' },
  { name: 'a server is not a compose container', mutate: (f) => set(dyn(f, 'services.yml'), lb('realtime', 'servers'), [{ url: 'http://realtime-1:8080' }]), code: 'lb_server_host' },
  { name: 'the gateway is scaled without telling Traefik', mutate: (f) => set(f.compose, svc('gateway', 'deploy', 'replicas'), 3), code: 'replicas_mismatch', message: /missing lightwatch-gateway-3/ },
  { name: 'a replica is listed twice and another missed', mutate: (f) => set(dyn(f, 'services.yml'), lb('realtime', 'servers'), [{ url: 'http://lightwatch-realtime-1:8080' }, { url: 'http://lightwatch-realtime-1:8080' }]), code: 'replicas_mismatch' },
  { name: 'a load balancer health-checks a path nobody serves', mutate: (f) => set(dyn(f, 'services.yml'), lb('realtime', 'healthCheck', 'path'), '/status'), code: 'health_path', at: /realtime\.loadBalancer\.healthCheck/ },
  { name: 'a load balancer health-checks liveness instead of readiness', mutate: (f) => set(dyn(f, 'services.yml'), lb('gateway', 'healthCheck', 'path'), '/healthz'), code: 'health_path', message: /readiness is \/readyz/ },
  { name: 'the gRPC health check goes to the gRPC port', mutate: (f) => set(dyn(f, 'services.yml'), lb('ingest-grpc', 'healthCheck'), { path: '/readyz', interval: '5s' }), code: 'health_port' },
  { name: 'a load balancer has no health check', mutate: (f) => del(dyn(f, 'services.yml'), lb('gateway', 'healthCheck')), code: 'lb_healthcheck' },
  { name: 'sessions are made sticky', mutate: (f) => set(dyn(f, 'services.yml'), lb('realtime', 'sticky'), { cookie: {} }), code: 'sticky_sessions' },

  // Traefik static configuration and its container
  { name: 'docker labels are enabled', mutate: (f) => set(f.traefikStatic, ['providers', 'docker'], {}), code: 'traefik_provider' },
  { name: 'access logs are not JSON', mutate: (f) => set(f.traefikStatic, ['accessLog', 'format'], 'common'), code: 'traefik_access_log' },
  { name: 'access logs keep request paths with ?token=', mutate: (f) => del(f.traefikStatic, ['accessLog', 'fields', 'names', 'RequestPath']), code: 'traefik_access_log', message: /RequestPath/ },
  { name: 'metrics have no entry point', mutate: (f) => set(f.traefikStatic, ['metrics', 'prometheus', 'entryPoint'], 'prom'), code: 'traefik_metrics' },
  { name: 'the gRPC port is not published', mutate: (f) => set(f.compose, svc('traefik', 'ports'), ['80:80', '443:443', '127.0.0.1:8082:8082']), code: 'traefik_ports', message: /grpc listens on 50051/ },
  { name: 'the dynamic directory is mounted elsewhere', mutate: (f) => set(f.compose, svc('traefik', 'volumes'), ['./deploy/traefik/traefik.yml:/etc/traefik/traefik.yml:ro', './deploy/traefik/dynamic:/dynamic:ro']), code: 'traefik_mounts' },

  // Compose: environment
  { name: 'realtime loses JWT_SECRET', mutate: (f) => del(f.compose, svc('realtime', 'environment', 'JWT_SECRET')), code: 'missing_env', at: /realtime\.environment\.JWT_SECRET/ },
  { name: 'the detector loses STORE_URL', mutate: (f) => del(f.compose, svc('detector', 'environment', 'STORE_URL')), code: 'missing_env', at: /detector\.environment\.STORE_URL/ },
  { name: 'the gateway loses QUERY_ADDR', mutate: (f) => del(f.compose, svc('gateway', 'environment', 'QUERY_ADDR')), code: 'missing_env' },
  { name: 'one service has another partition count', mutate: (f) => set(f.compose, svc('detector', 'environment', 'PARTITIONS'), '32'), code: 'shared_env_differs', message: /PARTITIONS/ },
  { name: 'a service relies on the default partition count while others set one', mutate: (f) => { for (const s of ['gateway', 'ingest', 'query', 'realtime']) set(f.compose, svc(s, 'environment', 'PARTITIONS'), '32'); del(f.compose, svc('detector', 'environment', 'PARTITIONS')); }, code: 'shared_env_differs', message: /detector: 16/ },
  { name: 'query has its own JWT secret', mutate: (f) => set(f.compose, svc('query', 'environment', 'JWT_SECRET'), 'b'.repeat(64)), code: 'shared_env_differs', message: /^JWT_SECRET must be one value.*value #2/ },
  { name: 'a variable name is misspelt', mutate: (f) => set(f.compose, svc('ingest', 'environment', 'PARTITION'), '16'), code: 'unknown_env' },
  { name: 'a service is given a variable it does not read', mutate: (f) => set(f.compose, svc('detector', 'environment', 'INGEST_ADDR'), 'ingest:50051'), code: 'unused_env' },
  { name: 'query is given the partition count, which it never reads', mutate: (f) => set(f.compose, svc('query', 'environment', 'PARTITIONS'), '16'), code: 'unused_env', at: /query\.environment\.PARTITIONS/ },
  { name: 'ingest loses JWT_SECRET, without which it refuses to start', mutate: (f) => del(f.compose, svc('ingest', 'environment', 'JWT_SECRET')), code: 'missing_env', at: /ingest\.environment\.JWT_SECRET/ },
  { name: 'the gateway calls query as ingest', mutate: (f) => set(f.compose, svc('gateway', 'environment', 'INGEST_ADDR'), 'query:50052'), code: 'address_mismatch', message: /must name the ingest service/ },
  { name: 'ingest moves its gRPC port without the gateway', mutate: (f) => set(f.compose, svc('ingest', 'environment', 'GRPC_PORT'), '50053'), code: 'address_mismatch', message: /ingest listens for grpc on 50053/ },
  { name: 'ingest moves its gRPC port without Traefik', mutate: (f) => set(f.compose, svc('ingest', 'environment', 'GRPC_PORT'), '50053'), code: 'port_mismatch' },
  { name: 'query points at a private SQLite file', mutate: (f) => set(f.compose, svc('query', 'environment', 'STORE_URL'), '/data/lightwatch.db'), code: 'store_url' },
  { name: 'REDIS_URL names a host that is not the Redis service', mutate: (f) => set(f.compose, svc('ingest', 'environment', 'REDIS_URL'), 'redis://cache:6379'), code: 'store_url' },
  { name: 'realtime replicas share one REPLICA_ID', mutate: (f) => set(f.compose, svc('realtime', 'environment', 'REPLICA_ID'), 'rt'), code: 'replica_identity' },
  { name: 'detector replicas share one hostname', mutate: (f) => set(f.compose, svc('detector', 'hostname'), 'detector'), code: 'replica_identity' },
  { name: 'env.example forgets a required secret', mutate: (f) => void (f.envExample = f.envExample.replace(/^JWT_SECRET=.*$/m, '')), code: 'env_example' },

  // Compose: runtime
  { name: 'a service is missing', mutate: (f) => del(f.compose, svc('detector')), code: 'missing_service' },
  { name: 'a service runs the wrong command', mutate: (f) => set(f.compose, svc('ingest', 'command'), ['query']), code: 'wrong_command' },
  { name: 'ingest has no restart policy', mutate: (f) => del(f.compose, svc('ingest', 'restart')), code: 'restart_policy', at: /ingest/ },
  { name: 'the detector has no resource limits', mutate: (f) => del(f.compose, svc('detector', 'deploy', 'resources', 'limits')), code: 'resource_limits', at: /detector/ },
  { name: 'MongoDB has no memory limit', mutate: (f) => del(f.compose, svc('mongo', 'deploy', 'resources', 'limits', 'memory')), code: 'resource_limits' },
  { name: 'Docker kills a service before it has drained', mutate: (f) => set(f.compose, svc('realtime', 'stop_grace_period'), '15s'), code: 'stop_grace', message: /SHUTDOWN_TIMEOUT_MS=20000/ },
  { name: 'the Docker default stop grace period is relied on', mutate: (f) => del(f.compose, svc('detector', 'stop_grace_period')), code: 'stop_grace', message: /Docker default/ },
  { name: 'query has no health check', mutate: (f) => del(f.compose, svc('query', 'healthcheck')), code: 'healthcheck', at: /query/ },
  { name: 'the gateway health check calls a path it does not serve', mutate: (f) => replaceIn(f.compose, svc('gateway', 'healthcheck', 'test'), '/readyz', '/ready'), code: 'health_path', message: /\/ready, which gateway does not serve/ },
  { name: 'the health check calls another port', mutate: (f) => replaceIn(f.compose, svc('realtime', 'healthcheck', 'test'), ':8080/', ':9090/'), code: 'health_port' },
  { name: 'a service starts before Redis is healthy', mutate: (f) => set(f.compose, svc('ingest', 'depends_on'), { redis: { condition: 'service_started' }, mongo: { condition: 'service_healthy' } }), code: 'depends_on', message: /before redis is healthy/ },
  { name: 'the gateway does not wait for query', mutate: (f) => del(f.compose, svc('gateway', 'depends_on', 'query')), code: 'depends_on', message: /connects to query/ },
  { name: 'dependencies form a cycle', mutate: (f) => set(f.compose, svc('ingest', 'depends_on', 'gateway'), { condition: 'service_healthy' }), code: 'depends_on', message: /cycle/ },
  { name: 'Redis runs without AOF', mutate: (f) => set(f.compose, svc('redis', 'command'), ['redis-server', '--appendonly', 'no']), code: 'redis_aof' },
  { name: 'Redis may evict stream keys', mutate: (f) => replaceIn(f.compose, svc('redis', 'command'), /^noeviction$/, 'allkeys-lru'), code: 'redis_eviction' },
  { name: 'Redis may grow past its container limit', mutate: (f) => replaceIn(f.compose, svc('redis', 'command'), /^768mb$/, '2gb'), code: 'redis_maxmemory' },
  { name: 'Redis keeps its AOF outside a volume', mutate: (f) => del(f.compose, svc('redis', 'volumes')), code: 'redis_volume' },
  { name: 'Redis is published on the host', mutate: (f) => set(f.compose, svc('redis', 'ports'), ['6379:6379']), code: 'published_ports' },
  { name: 'MongoDB 6 is used', mutate: (f) => set(f.compose, svc('mongo', 'image'), 'mongo:6.0'), code: 'image_version' },
  { name: 'a volume is not declared', mutate: (f) => del(f.compose, ['volumes', 'mongo-data']), code: 'undeclared_volume' },
  { name: 'the project name is dropped', mutate: (f) => del(f.compose, ['name']), code: 'compose_project_name' },
  { name: 'services run different images', mutate: (f) => set(f.compose, svc('query', 'image'), 'lightwatch:old'), code: 'image_mismatch' },

  // Dockerfile
  { name: 'the image runs as root', mutate: (f) => void (f.dockerfile = f.dockerfile.replace(/^USER .*$/m, '')), code: 'runs_as_root' },
  { name: 'the image switches back to root', mutate: (f) => void (f.dockerfile = f.dockerfile.replace(/^USER .*$/m, 'USER root')), code: 'runs_as_root' },
  { name: 'dev dependencies are installed', mutate: (f) => void (f.dockerfile = f.dockerfile.replace('npm ci --omit=dev', 'npm ci')), code: 'dev_dependencies' },
  { name: 'the runtime stage installs dependencies itself', mutate: (f) => void (f.dockerfile = f.dockerfile.replace('USER node', 'RUN npm install\nUSER node')), code: 'dev_dependencies' },
  { name: 'the build tools are missing', mutate: (f) => void (f.dockerfile = f.dockerfile.replace(' g++', '')), code: 'build_tools' },
  { name: 'the runtime stage is not slim Node 20', mutate: (f) => void (f.dockerfile = f.dockerfile.replace('ARG NODE_IMAGE=node:20-bookworm-slim', 'ARG NODE_IMAGE=node:22')), code: 'dockerfile_base' },
  { name: 'a service folder is not copied', mutate: (f) => void (f.dockerfile = f.dockerfile.replace('COPY realtime ./realtime\n', '')), code: 'dockerfile_sources', message: /realtime/ },
  { name: 'the entry point is a shell', mutate: (f) => void (f.dockerfile = f.dockerfile.replace('ENTRYPOINT ["node", "bin/lightwatch.js"]', 'ENTRYPOINT node bin/lightwatch.js')), code: 'dockerfile_entrypoint' },
  { name: 'CMD names no service', mutate: (f) => void (f.dockerfile = f.dockerfile.replace('CMD ["all"]', 'CMD ["everything"]')), code: 'dockerfile_entrypoint' },
  { name: 'the image has no health check', mutate: (f) => void (f.dockerfile = f.dockerfile.replace(/^HEALTHCHECK [^\n]*\\\n[^\n]*\n/m, '')), code: 'healthcheck', at: /stage runtime/ },
  { name: 'node_modules enters the build context', mutate: (f) => void (f.dockerignore = f.dockerignore.replace(/^node_modules$/m, '')), code: 'dockerignore' },

  // The manifest itself
  { name: 'a service requires an undescribed variable', mutate: (f) => set(f.manifest, ['services', 'gateway', 'requires'], ['REDIS_URL', 'NOPE']), code: 'manifest', message: /NOPE/ },
];

describe('each check fails on the breakage it guards against', () => {
  it.each(breakages)('$name -> $code', ({ mutate, code, at, message, tls }) => {
    const f = copy(tls ? tlsFiles : files);
    mutate(f);
    const problems = checkDeployment(f);
    const hits = problems.filter((p: Problem) => p.code === code && (!at || at.test(p.at)) && (!message || message.test(p.message)));
    expect(hits, `expected [${code}]${at ? ` at ${String(at)}` : ''}${message ? ` ~ ${String(message)}` : ''}, got:\n${formatProblems(problems)}`).not.toEqual([]);
  });

  it('say what is wrong and where, without leaking secrets', () => {
    const f = copy(files);
    set(f.compose, svc('query', 'environment', 'JWT_SECRET'), 'b'.repeat(64));
    del(f.compose, svc('realtime', 'environment', 'JWT_SECRET'));
    for (const p of checkDeployment(f)) {
      expect(p.file).toMatch(/^(docker-compose\.yml|Dockerfile|\.dockerignore|deploy\/)/);
      expect(p.at).not.toBe('');
      expect(p.message).not.toContain(SECRET);
      expect(p.message).not.toContain('b'.repeat(64));
    }
  });
});
