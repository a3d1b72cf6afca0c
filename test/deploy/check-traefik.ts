// Checks of the Traefik static and dynamic configuration: references resolve (entry points, services,
// middlewares, certificate resolvers), load balancers reach every replica on the port it listens on and
// health-check a path it serves, routers send each path to a service that serves it, internal endpoints stay
// unrouted, retries only where idempotent, no buffering or in-flight caps on long-lived connections, and
// compose runs Traefik with these files and ports.
import { portOf, specOf, replicaNames, COMPOSE_FILE, type Ctx } from './context.js';
import { grpcPattern, httpPaths, patternCovers, routeReaches } from './manifest.js';
import { candidates, flatMiddlewares, localName, STATIC_FILE, typeIs, type LoadBalancer, type Router, type TraefikModel } from './traefik-model.js';
import { matches, pathsOf, type RulePath } from './traefik-rule.js';
import { at, dict, isDict, keyCI, list, str, strings } from './yaml-values.js';

const MIDDLEWARE_TYPES = [
  'addPrefix', 'basicAuth', 'buffering', 'chain', 'circuitBreaker', 'compress', 'contentType', 'digestAuth', 'errors',
  'forwardAuth', 'grpcWeb', 'headers', 'ipAllowList', 'inFlightReq', 'passTLSClientCert', 'plugin', 'rateLimit',
  'redirectRegex', 'redirectScheme', 'replacePath', 'replacePathRegex', 'retry', 'stripPrefix', 'stripPrefixRegex',
].map((t) => t.toLowerCase());

const NON_IDEMPOTENT = ['POST', 'PUT', 'PATCH', 'DELETE'];

export function checkTraefik(ctx: Ctx, model: TraefikModel): void {
  checkStatic(ctx, model);
  for (const d of model.duplicates) {
    ctx.report('duplicate_definition', d.files[1] as string, `http.${d.kind}s.${d.name}`, `${d.kind} ${d.name} is defined in ${d.files.join(' and ')}; the file provider keeps neither`);
  }
  checkMiddlewares(ctx, model);
  for (const lb of model.services.values()) checkLoadBalancer(ctx, lb);
  for (const r of model.routers.values()) checkRouter(ctx, model, r);
  checkInternalPathsUnrouted(ctx, model);
}

function durationIsZero(v: unknown): boolean {
  const s = str(v);
  return s !== undefined && /^0+(\.0+)?(ns|us|ms|s|m|h)?$/.test(s.trim());
}

function checkStatic(ctx: Ctx, model: TraefikModel): void {
  const st = dict(ctx.files.traefikStatic);
  const providers = dict(st.providers);
  const fileDir = str(at(providers, 'file', 'directory'));
  if (!fileDir) ctx.report('traefik_provider', STATIC_FILE, 'providers.file.directory', 'the file provider must load a directory of dynamic files');
  for (const p of Object.keys(providers)) {
    if (p !== 'file') ctx.report('traefik_provider', STATIC_FILE, `providers.${p}`, `provider ${p} adds routing the deployment checks cannot see; keep routing in the dynamic files`);
  }
  for (const ep of model.entryPoints.values()) {
    if (ep.port === undefined) ctx.report('traefik_entrypoint', STATIC_FILE, `entryPoints.${ep.name}.address`, `entry point ${ep.name} has no :port address`);
  }
  const metricsEp = str(at(st, 'metrics', 'prometheus', 'entryPoint'));
  if (!metricsEp || !model.entryPoints.has(metricsEp)) ctx.report('traefik_metrics', STATIC_FILE, 'metrics.prometheus.entryPoint', 'Prometheus metrics need an entry point that is defined');
  if (isDict(st.ping) && !model.entryPoints.has(str(st.ping.entryPoint) ?? 'traefik')) ctx.report('undefined_entrypoint', STATIC_FILE, 'ping.entryPoint', 'ping is served on an undefined entry point');
  const accessLog = dict(st.accessLog);
  if (str(accessLog.format) !== 'json') ctx.report('traefik_access_log', STATIC_FILE, 'accessLog.format', 'access logs must be JSON');
  const servesWs = [...ctx.compose.services.keys()].some((n) => (specOf(ctx, n)?.serves.ws ?? []).length > 0);
  if (servesWs) {
    const names = dict(at(accessLog, 'fields', 'names'));
    const defaultMode = str(at(accessLog, 'fields', 'defaultMode')) ?? 'keep';
    for (const field of ['RequestPath', 'RequestLine']) {
      if ((str(names[field]) ?? defaultMode) !== 'drop') {
        ctx.report('traefik_access_log', STATIC_FILE, `accessLog.fields.names.${field}`, `${field} carries WebSocket ?token= credentials into the access log; drop it`);
      }
    }
  }
  checkComposeRunsTraefik(ctx, model, fileDir);
}

function checkComposeRunsTraefik(ctx: Ctx, model: TraefikModel, fileDir: string | undefined): void {
  const traefik = [...ctx.compose.services.values()].find((s) => s.image.startsWith('traefik:'));
  if (!traefik) return; // reported by the compose checks
  const base = `services.${traefik.name}`;
  const mounts = new Map<string, string>();
  for (const v of list(traefik.def.volumes)) {
    const parts = (str(v) ?? '').split(':');
    if (parts.length >= 2) mounts.set((parts[0] as string).replace(/^\.\//, ''), parts[1] as string);
  }
  if (mounts.get(STATIC_FILE) !== '/etc/traefik/traefik.yml') {
    ctx.report('traefik_mounts', COMPOSE_FILE, `${base}.volumes`, `${STATIC_FILE} must be mounted at /etc/traefik/traefik.yml (where traefik and \`traefik healthcheck\` read it)`);
  }
  if (fileDir && mounts.get('deploy/traefik/dynamic') !== fileDir) {
    ctx.report('traefik_mounts', COMPOSE_FILE, `${base}.volumes`, `deploy/traefik/dynamic must be mounted at ${fileDir}, the file provider's directory`);
  }
  const published = new Set<number>();
  for (const p of list(traefik.def.ports)) {
    const container = isDict(p) ? Number(p.target) : Number((str(p) ?? '').split('/')[0]?.split(':').pop());
    published.add(container);
    if (![...model.entryPoints.values()].some((ep) => ep.port === container)) {
      ctx.report('traefik_ports', COMPOSE_FILE, `${base}.ports`, `port ${container} is published but no entry point listens on it`);
    }
  }
  for (const ep of model.entryPoints.values()) {
    if (ep.port !== undefined && !model.internalEntryPoints.has(ep.name) && !published.has(ep.port)) {
      ctx.report('traefik_ports', COMPOSE_FILE, `${base}.ports`, `entry point ${ep.name} listens on ${ep.port}, which compose does not publish`);
    }
  }
}

function checkMiddlewares(ctx: Ctx, model: TraefikModel): void {
  const used = new Set<string>();
  const mark = (names: string[], trail: string[]): void => {
    for (const ref of names) {
      const { name, provider } = localName(ref);
      if (provider !== 'file') continue;
      used.add(name);
      const mw = model.middlewares.get(name);
      if (mw?.type?.toLowerCase() === 'chain' && !trail.includes(name)) mark(strings(dict(mw.def[mw.type]).middlewares), [...trail, name]);
    }
  };
  for (const r of model.routers.values()) mark(r.middlewares, []);
  for (const mw of model.middlewares.values()) {
    const where = `http.middlewares.${mw.name}`;
    if (!mw.type || !MIDDLEWARE_TYPES.includes(mw.type.toLowerCase())) {
      ctx.report('middleware_type', mw.file, where, `middleware ${mw.name} must have exactly one known type (rateLimit, inFlightReq, buffering, retry, headers, chain, ...), has ${Object.keys(mw.def).join(', ') || 'none'}`);
      continue;
    }
    if (typeIs(mw, 'chain')) {
      for (const ref of strings(dict(mw.def[mw.type]).middlewares)) {
        const { name, provider } = localName(ref);
        if (provider === 'file' && !model.middlewares.has(name)) ctx.report('undefined_middleware', mw.file, `${where}.chain.middlewares`, `chain ${mw.name} uses middleware ${ref}, which is not defined`);
        if (name === mw.name || reaches(model, name, mw.name, [])) ctx.report('middleware_cycle', mw.file, where, `chain ${mw.name} includes itself through ${name}`);
      }
    }
    if (!used.has(mw.name)) ctx.report('unused_middleware', mw.file, where, `middleware ${mw.name} is defined but no router uses it`);
  }
}

function reaches(model: TraefikModel, from: string, to: string, trail: string[]): boolean {
  const mw = model.middlewares.get(from);
  if (!mw || !typeIs(mw, 'chain') || trail.includes(from)) return false;
  const next = strings(dict(mw.def[mw.type as string]).middlewares).map((r) => localName(r).name);
  return next.includes(to) || next.some((n) => reaches(model, n, to, [...trail, from]));
}

function checkLoadBalancer(ctx: Ctx, lb: LoadBalancer): void {
  const where = `http.services.${lb.name}.loadBalancer`;
  const lbDef = dict(keyCI(lb.def, 'loadBalancer'));
  if (!lb.servers.length) {
    ctx.report('lb_servers', lb.file, where, `service ${lb.name} has no servers`);
    return;
  }
  if (keyCI(lbDef, 'sticky') !== undefined) ctx.report('sticky_sessions', lb.file, `${where}.sticky`, `service ${lb.name} pins clients to a replica; every service is stateless or resumes by cursor`);
  for (const s of lb.servers) {
    if (!s.target) {
      ctx.report('lb_server_host', lb.file, `${where}.servers`, `server ${s.url} is neither a compose service nor one of its replicas (${ctx.compose.project ?? '<project>'}-<service>-<n>)`);
      continue;
    }
    const svc = s.target.service.name;
    if (s.scheme !== 'http' && s.scheme !== 'h2c') ctx.report('lb_scheme', lb.file, `${where}.servers`, `server ${s.url}: the services speak http (PORT) and h2c gRPC (GRPC_PORT), not ${s.scheme}`);
    const expected = portOf(ctx, svc, s.scheme === 'h2c' ? 'grpc' : 'http');
    if (expected === undefined) ctx.report('port_mismatch', lb.file, `${where}.servers`, `server ${s.url}: ${svc} has no ${s.scheme === 'h2c' ? 'gRPC' : 'HTTP'} port`);
    else if (s.port !== expected) ctx.report('port_mismatch', lb.file, `${where}.servers`, `server ${s.url}: ${svc} listens for ${s.scheme === 'h2c' ? 'gRPC on GRPC_PORT' : 'HTTP on PORT'} ${expected}, not ${s.port}`);
  }
  const targets = new Set(lb.servers.map((s) => s.target?.service.name).filter(Boolean));
  if (targets.size > 1) ctx.report('lb_server_host', lb.file, `${where}.servers`, `service ${lb.name} mixes servers of ${[...targets].join(', ')}`);
  if (!lb.target) return;
  const replicas = lb.servers.filter((s) => s.target?.replica !== undefined).map((s) => s.url.replace(/^\w+:\/\//, '').split(':')[0] as string);
  if (replicas.length) {
    const expected = replicaNames(ctx, lb.target);
    const missing = expected.filter((n) => !replicas.includes(n));
    const extra = replicas.filter((n) => !expected.includes(n));
    if (missing.length || extra.length || replicas.length !== lb.servers.length) {
      ctx.report('replicas_mismatch', lb.file, `${where}.servers`, `service ${lb.name} must list the ${lb.target.replicas} replicas of ${lb.target.name} (deploy.replicas): missing ${missing.join(', ') || 'none'}, extra ${extra.join(', ') || 'none'}`);
    }
  }
  checkLbHealth(ctx, lb, where);
}

function checkLbHealth(ctx: Ctx, lb: LoadBalancer, where: string): void {
  const target = lb.target as NonNullable<LoadBalancer['target']>;
  const spec = specOf(ctx, target.name);
  const hc = lb.healthCheck;
  if (!hc || !spec) {
    if (!hc) ctx.report('lb_healthcheck', lb.file, `${where}.healthCheck`, `service ${lb.name} has no health check: Traefik would keep sending requests to a replica that is not ready`);
    return;
  }
  const path = str(hc.path) ?? '';
  if (!httpPaths(ctx.m, spec).some((p) => patternCovers(p, path))) {
    ctx.report('health_path', lb.file, `${where}.healthCheck.path`, `service ${lb.name} health-checks ${path || '(no path)'}, which ${target.name} does not serve`);
  } else if (path !== ctx.m.common.health.ready) {
    ctx.report('health_path', lb.file, `${where}.healthCheck.path`, `service ${lb.name} health-checks ${path}; readiness is ${ctx.m.common.health.ready}`);
  }
  const httpPort = portOf(ctx, target.name, 'http');
  for (const s of lb.servers) {
    const scheme = str(hc.scheme) ?? s.scheme;
    const port = hc.port === undefined ? s.port : Number(hc.port);
    if (scheme !== 'http' || port !== httpPort) {
      ctx.report('health_port', lb.file, `${where}.healthCheck`, `service ${lb.name} health-checks ${scheme}://${s.host}:${port}, but ${target.name} serves ${ctx.m.common.health.ready} over http on ${httpPort}`);
      break;
    }
  }
}

function checkRouter(ctx: Ctx, model: TraefikModel, r: Router): void {
  const where = `http.routers.${r.name}`;
  if (!r.entryPoints.length) ctx.report('router_entrypoints', r.file, `${where}.entryPoints`, `router ${r.name} names no entry points, so Traefik attaches it to every one, the internal metrics entry point included`);
  for (const ep of r.entryPoints) {
    if (!model.entryPoints.has(ep)) ctx.report('undefined_entrypoint', r.file, `${where}.entryPoints`, `router ${r.name} uses entry point ${ep}, which traefik.yml does not define`);
    else if (model.internalEntryPoints.has(ep)) ctx.report('internal_entrypoint', r.file, `${where}.entryPoints`, `router ${r.name} is on ${ep}, the internal metrics entry point`);
  }
  if (r.ruleError) ctx.report('router_rule', r.file, `${where}.rule`, `router ${r.name}: ${r.ruleError} in \`${r.ruleText}\``);
  for (const ref of r.middlewares) {
    const { name, provider } = localName(ref);
    if (provider === 'file' && !model.middlewares.has(name)) ctx.report('undefined_middleware', r.file, `${where}.middlewares`, `router ${r.name} uses middleware ${ref}, which is not defined`);
  }
  const resolver = str(dict(r.def.tls).certResolver);
  if (resolver && !model.certResolvers.has(resolver)) ctx.report('undefined_cert_resolver', r.file, `${where}.tls.certResolver`, `router ${r.name} uses certificate resolver ${resolver}, which traefik.yml does not define`);

  const { name: svcName, provider } = localName(r.service);
  if (provider !== 'file') return;
  const lb = model.services.get(svcName);
  if (!lb) {
    ctx.report('undefined_service', r.file, `${where}.service`, `router ${r.name} sends to service ${r.service || '(none)'}, which is not defined`);
    return;
  }
  if (!r.rule || !lb.target) return;
  const spec = specOf(ctx, lb.target.name);
  if (!spec) return;
  const grpc = lb.servers.some((s) => s.scheme === 'h2c');
  const served = grpc ? (spec.serves.grpc ?? []).map(grpcPattern) : httpPaths(ctx.m, spec).filter((p) => !ctx.m.common.http.includes(p));
  const paths = pathsOf(r.rule);
  for (const p of paths) {
    if (!served.some((pattern) => routeReaches(pattern, p))) {
      ctx.report('path_not_served', r.file, `${where}.rule`, `router ${r.name} sends ${p.value} to ${lb.target.name}, which does not serve it${grpc ? ' over gRPC' : ''}`);
    }
  }
  const wsPatterns = spec.serves.ws ?? [];
  const streaming = grpc || paths.some((p) => wsPatterns.some((pattern) => routeReaches(pattern, p)));
  const mws = flatMiddlewares(model, r.middlewares);
  checkRouterMiddlewares(ctx, r, where, mws, { grpc, streaming, paths });
  checkBodyLimits(ctx, r, where, mws, lb.target.name, paths);
  if (grpc) {
    for (const ep of r.entryPoints) {
      const timeout = at(model.entryPoints.get(ep)?.def, 'transport', 'respondingTimeouts', 'readTimeout');
      if (!durationIsZero(timeout)) {
        ctx.report('grpc_read_timeout', STATIC_FILE, `entryPoints.${ep}.transport.respondingTimeouts.readTimeout`, `gRPC router ${r.name} is on ${ep}, whose read deadline (default 60s, set once per connection) cuts long-lived HTTP/2 connections and client streams; set it to 0s`);
      }
    }
  }
  const probes = paths.flatMap((p) => ['GET', 'POST'].map((method) => ({ method, path: p.value, tls: r.tls })));
  for (const probe of probes) {
    for (const ep of r.entryPoints) {
      const top = candidates(model, ep, probe);
      if (top.length > 1 && top[0]?.name === r.name) {
        ctx.report('ambiguous_route', r.file, `${where}.priority`, `${probe.method} ${probe.path} on ${ep} matches ${top.map((t) => t.name).join(' and ')} at the same priority`);
      }
    }
  }
}

function checkRouterMiddlewares(
  ctx: Ctx,
  r: Router,
  where: string,
  mws: ReturnType<typeof flatMiddlewares>,
  route: { grpc: boolean; streaming: boolean; paths: RulePath[] },
): void {
  const rule = r.rule;
  if (!rule) return;
  for (const mw of mws) {
    if (typeIs(mw, 'retry')) {
      const unsafe = route.paths.flatMap((p) => NON_IDEMPOTENT.filter((method) => matches(rule, { method, path: p.value })).map((m) => `${m} ${p.value}`));
      const recording = route.paths.filter((p) => ctx.m.neverRetry.some((pattern) => routeReaches(pattern, p))).map((p) => p.value);
      if (route.grpc || unsafe.length || recording.length || !route.paths.length) {
        const why = recording.length ? `${recording.join(', ')} records data on every request` : unsafe.length ? `it matches ${unsafe.join(', ')}` : 'it is not limited to idempotent requests';
        ctx.report('retry_not_idempotent', r.file, `${where}.middlewares`, `router ${r.name} retries through ${mw.name}, but ${why}: a retry could apply a request twice`);
      }
    }
    if (route.streaming && typeIs(mw, 'buffering')) {
      ctx.report('buffering_streaming', r.file, `${where}.middlewares`, `router ${r.name} carries WebSockets or gRPC streams, which ${mw.name} (buffering) would hold until they end`);
    }
    if (route.streaming && !route.grpc && typeIs(mw, 'inFlightReq')) {
      ctx.report('inflight_on_websocket', r.file, `${where}.middlewares`, `router ${r.name} carries WebSockets: ${mw.name} would count every open connection as in flight for its whole life`);
    }
  }
}

function checkBodyLimits(ctx: Ctx, r: Router, where: string, mws: ReturnType<typeof flatMiddlewares>, target: string, paths: RulePath[]): void {
  for (const limit of specOf(ctx, target)?.bodyLimits ?? []) {
    if (!paths.some((p) => limit.paths.some((pattern) => routeReaches(pattern, p)))) continue;
    const appLimit = Number(ctx.compose.services.get(target)?.env[limit.env] ?? ctx.m.env[limit.env]?.default);
    const buffering = mws.filter((m) => typeIs(m, 'buffering'));
    if (!buffering.length) {
      ctx.report('no_body_limit', r.file, `${where}.middlewares`, `router ${r.name} passes bodies of any size to ${target}; add a buffering limit just above ${limit.env} (${appLimit})`);
    }
    for (const mw of buffering) {
      const max = Number(keyCI(dict(mw.def[mw.type as string]), 'maxRequestBodyBytes') ?? 0);
      if (max > 0 && max < appLimit) {
        ctx.report('body_limit_below_app', mw.file, `http.middlewares.${mw.name}.buffering.maxRequestBodyBytes`, `${mw.name} refuses bodies over ${max} bytes on router ${r.name}, below ${target}'s ${limit.env}=${appLimit}: accepted batches would get Traefik's 413`);
      }
    }
  }
}

function checkInternalPathsUnrouted(ctx: Ctx, model: TraefikModel): void {
  for (const ep of model.entryPoints.keys()) {
    if (model.internalEntryPoints.has(ep)) continue;
    for (const path of ctx.m.common.http) {
      for (const tls of [false, true]) {
        const hit = candidates(model, ep, { method: 'GET', path, tls })[0];
        if (hit) ctx.report('internal_path_routed', hit.file, `http.routers.${hit.name}.rule`, `router ${hit.name} exposes GET ${path} on ${ep}: the services' ${path} must stay inside the compose network`);
      }
    }
  }
}
