// Checks of docker-compose.yml against deploy/services.yaml: every service present and runnable, the
// environment each one requires, values that must agree across services, health checks on paths the service
// serves, restart policies, resource limits, dependencies, and the stores' durability settings.
import { COMPOSE_FILE as F, envValue, portOf, specOf, type ComposeService, type Ctx } from './context.js';
import { httpPaths, patternCovers, splitServices } from './manifest.js';
import { at, dict, isDict, list, parseBytes, str, strings } from './yaml-values.js';

const RESTART = /^(always|unless-stopped|on-failure(:\d+)?)$/;

export function checkCompose(ctx: Ctx): void {
  const { compose, m } = ctx;
  if (!compose.project) ctx.report('compose_project_name', F, 'name', 'no project name: replica container names (<name>-<service>-<n>) would depend on the directory compose runs in');

  for (const issue of compose.interpolationIssues) {
    ctx.report('interpolation', F, `\${${issue.variable}}`, `compose refuses to start: ${issue.message}`);
  }
  for (const v of compose.requiredVars) {
    if (!new RegExp(`^\\s*#?\\s*${v}=`, 'm').test(ctx.files.envExample)) {
      ctx.report('env_example', 'deploy/env.example', v, `compose requires ${v} but deploy/env.example does not mention it`);
    }
  }

  const app = splitServices(m).flatMap((name) => {
    const svc = compose.services.get(name);
    if (!svc) ctx.report('missing_service', F, `services.${name}`, `service ${name} (deploy/services.yaml) is not in compose`);
    return svc ? [svc] : [];
  });

  checkAppImages(ctx, app);
  for (const svc of compose.services.values()) checkRuntime(ctx, svc);
  for (const svc of app) {
    checkCommand(ctx, svc);
    checkHealthPath(ctx, svc);
    checkEnv(ctx, svc);
    checkAddresses(ctx, svc);
    checkReplicaIdentity(ctx, svc);
    checkStopGrace(ctx, svc);
  }
  checkShared(ctx, app);
  checkDependsOn(ctx);
  checkStores(ctx);
  checkPublishedPorts(ctx);
  checkVolumes(ctx);
}

function checkAppImages(ctx: Ctx, app: ComposeService[]): void {
  const images = new Set(app.map((s) => s.image));
  if (images.size > 1) ctx.report('image_mismatch', F, 'services.*.image', `Lightwatch services run different images (${[...images].join(', ')}): one image runs every service`);
  if (app.length && !app.some((s) => s.def.build !== undefined)) ctx.report('image_mismatch', F, 'services.*.build', 'no Lightwatch service builds the image from the Dockerfile');
}

function checkRuntime(ctx: Ctx, svc: ComposeService): void {
  const base = `services.${svc.name}`;
  if (!RESTART.test(str(svc.def.restart) ?? '')) {
    ctx.report('restart_policy', F, `${base}.restart`, `${svc.name} has no restart policy (always, unless-stopped or on-failure): a crashed process stays down`);
  }
  const limits = dict(at(svc.def, 'deploy', 'resources', 'limits'));
  const cpus = Number(str(limits.cpus));
  const mem = parseBytes(limits.memory);
  if (!(cpus > 0) || mem === undefined) {
    ctx.report('resource_limits', F, `${base}.deploy.resources.limits`, `${svc.name} needs deploy.resources.limits with cpus and memory: one runaway process must not starve the host`);
  }
  const reserved = parseBytes(at(svc.def, 'deploy', 'resources', 'reservations', 'memory'));
  if (mem !== undefined && reserved !== undefined && reserved > mem) {
    ctx.report('resource_limits', F, `${base}.deploy.resources.reservations.memory`, `${svc.name} reserves more memory than its limit`);
  }
  const hc = dict(svc.def.healthcheck);
  if (hc.disable === true || strings(hc.test).length === 0 || strings(hc.test)[0] === 'NONE') {
    ctx.report('healthcheck', F, `${base}.healthcheck`, `${svc.name} has no health check: depends_on conditions and operators cannot tell it is ready`);
  }
  if (!Number.isInteger(svc.replicas) || svc.replicas < 1) {
    ctx.report('replicas', F, `${base}.deploy.replicas`, `${svc.name}: deploy.replicas must be a positive integer`);
  }
}

/** Milliseconds of a compose duration (1m30s, 30s, 500ms); Docker's default stop grace period is 10s. */
function durationMs(v: unknown): number | undefined {
  const s = str(v);
  if (s === undefined) return undefined;
  let total = 0;
  const re = /(\d+(?:\.\d+)?)(ms|us|ns|h|m|s)/g;
  let matched = '';
  for (const m of s.matchAll(re)) {
    matched += m[0];
    total += Number(m[1]) * ({ h: 3_600_000, m: 60_000, s: 1000, ms: 1, us: 0.001, ns: 0.000001 }[m[2] as string] ?? 0);
  }
  return matched === s.trim() && matched ? total : undefined;
}

function checkStopGrace(ctx: Ctx, svc: ComposeService): void {
  const grace = svc.def.stop_grace_period === undefined ? 10_000 : durationMs(svc.def.stop_grace_period);
  const drain = Number(envValue(ctx, svc.name, ctx.m.drain));
  if (grace === undefined || !(grace > drain)) {
    ctx.report('stop_grace', F, `services.${svc.name}.stop_grace_period`, `${svc.name} gets ${str(svc.def.stop_grace_period) ?? '10s (Docker default)'} to stop but drains for up to ${ctx.m.drain}=${drain} ms: Docker would kill it mid-drain`);
  }
}

function checkCommand(ctx: Ctx, svc: ComposeService): void {
  if (svc.command[0] !== svc.name || svc.command.length !== 1) {
    ctx.report('wrong_command', F, `services.${svc.name}.command`, `${svc.name} runs \`lightwatch ${svc.command.join(' ')}\`, expected \`lightwatch ${svc.name}\``);
  }
}

function checkHealthPath(ctx: Ctx, svc: ComposeService): void {
  const spec = specOf(ctx, svc.name);
  if (!spec) return;
  const test = strings(at(svc.def, 'healthcheck', 'test')).join(' ');
  const url = /https?:\/\/[^\s'"`]+/.exec(test)?.[0];
  const where = `services.${svc.name}.healthcheck.test`;
  if (!url) {
    if (test) ctx.report('health_path', F, where, `${svc.name}'s health check calls no http:// URL, so it does not check ${ctx.m.common.health.ready}`);
    return;
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    ctx.report('health_path', F, where, `${svc.name}'s health check URL ${url} does not parse`);
    return;
  }
  const path = parsed.pathname;
  if (!httpPaths(ctx.m, spec).some((p) => patternCovers(p, path))) {
    ctx.report('health_path', F, where, `${svc.name}'s health check calls ${path}, which ${svc.name} does not serve`);
  } else if (path !== ctx.m.common.health.ready) {
    ctx.report('health_path', F, where, `${svc.name}'s health check calls ${path}; readiness is ${ctx.m.common.health.ready}`);
  }
  const port = Number(parsed.port || (parsed.protocol === 'https:' ? 443 : 80));
  const expected = portOf(ctx, svc.name, 'http');
  if (port !== expected) {
    ctx.report('health_port', F, where, `${svc.name}'s health check calls port ${port}, but it listens for HTTP on ${expected}`);
  }
}

function checkEnv(ctx: Ctx, svc: ComposeService): void {
  const spec = specOf(ctx, svc.name);
  if (!spec) return;
  const base = `services.${svc.name}.environment`;
  for (const v of spec.requires) {
    if (!svc.env[v]) {
      ctx.report('missing_env', F, `${base}.${v}`, `${svc.name} requires ${v} (deploy/services.yaml: ${ctx.m.env[v]?.form ?? 'see env'}), but compose does not set it`);
    }
  }
  const known = new Set([...spec.requires, ...spec.uses, ...Object.keys(spec.addresses ?? {})]);
  for (const v of Object.keys(svc.env)) {
    if (!(v in ctx.m.env)) ctx.report('unknown_env', F, `${base}.${v}`, `${svc.name} sets ${v}, which no Lightwatch service reads (a typo?)`);
    else if (!known.has(v)) ctx.report('unused_env', F, `${base}.${v}`, `${svc.name} sets ${v}, which ${svc.name} does not read (deploy/services.yaml)`);
  }
}

function checkShared(ctx: Ctx, app: ComposeService[]): void {
  for (const v of ctx.m.shared) {
    const values = new Map<string, string[]>();
    for (const svc of app) {
      if (!(v in svc.env) && !specOf(ctx, svc.name)?.uses.includes(v) && !specOf(ctx, svc.name)?.requires.includes(v)) continue;
      const value = envValue(ctx, svc.name, v) ?? '(unset)';
      values.set(value, [...(values.get(value) ?? []), svc.name]);
    }
    if (values.size > 1) {
      const detail = [...values.entries()].map(([val, who]) => `${who.join(', ')}: ${v === 'JWT_SECRET' ? `value #${[...values.keys()].indexOf(val) + 1}` : val}`).join('; ');
      ctx.report('shared_env_differs', F, `services.*.environment.${v}`, `${v} must be one value in every service, but differs (${detail})`);
    }
  }
}

function checkAddresses(ctx: Ctx, svc: ComposeService): void {
  const spec = specOf(ctx, svc.name);
  for (const [v, target] of Object.entries(spec?.addresses ?? {})) {
    const value = svc.env[v];
    if (!value) continue; // reported as missing_env
    const where = `services.${svc.name}.environment.${v}`;
    const m = /^([^:]+):(\d+)$/.exec(value);
    if (!m) {
      ctx.report('address_mismatch', F, where, `${v}=${value} is not host:port`);
      continue;
    }
    const [host, port] = [m[1] as string, Number(m[2])];
    if (host !== target.service) {
      ctx.report('address_mismatch', F, where, `${v}=${value} must name the ${target.service} service (its DNS name resolves to every replica), not ${host}`);
      continue;
    }
    const expected = portOf(ctx, target.service, target.port);
    if (port !== expected) ctx.report('address_mismatch', F, where, `${v}=${value}, but ${target.service} listens for ${target.port} on ${expected}`);
  }
}

function checkReplicaIdentity(ctx: Ctx, svc: ComposeService): void {
  if (svc.replicas <= 1) return;
  for (const v of ctx.m.perReplica) {
    if (v in svc.env) {
      ctx.report('replica_identity', F, `services.${svc.name}.environment.${v}`, `${svc.name} has ${svc.replicas} replicas but one fixed ${v}: they would share one lease, consumer or consumer group`);
    }
  }
  for (const key of ['hostname', 'container_name']) {
    if (svc.def[key] !== undefined) {
      ctx.report('replica_identity', F, `services.${svc.name}.${key}`, `${svc.name} has ${svc.replicas} replicas but a fixed ${key}: REPLICA_ID defaults to the hostname and must differ per replica`);
    }
  }
}

function urlHost(value: string): { host: string; scheme: string } | undefined {
  const m = /^([a-z][a-z0-9+.-]*):\/\/(?:[^@/]*@)?([^:/?#,]+)/i.exec(value);
  return m ? { scheme: (m[1] as string).toLowerCase(), host: m[2] as string } : undefined;
}

/** Compose services a service reaches through its environment (stores, gRPC addresses). */
function referencedServices(ctx: Ctx, svc: ComposeService): string[] {
  const out = new Set<string>();
  for (const v of ['REDIS_URL', 'STORE_URL']) {
    const u = svc.env[v] ? urlHost(svc.env[v]) : undefined;
    if (u && ctx.compose.services.has(u.host)) out.add(u.host);
  }
  for (const v of Object.keys(specOf(ctx, svc.name)?.addresses ?? {})) {
    const host = svc.env[v]?.split(':')[0];
    if (host && ctx.compose.services.has(host)) out.add(host);
  }
  return [...out];
}

function checkDependsOn(ctx: Ctx): void {
  const graph = new Map<string, string[]>();
  for (const svc of ctx.compose.services.values()) {
    const raw = svc.def.depends_on;
    const deps = new Map<string, string | undefined>();
    if (Array.isArray(raw)) for (const d of strings(raw)) deps.set(d, undefined);
    else for (const [d, opts] of Object.entries(dict(raw))) deps.set(d, str(dict(opts).condition));
    graph.set(svc.name, [...deps.keys()]);
    for (const [d, condition] of deps) {
      const where = `services.${svc.name}.depends_on.${d}`;
      const target = ctx.compose.services.get(d);
      if (!target) ctx.report('depends_on', F, where, `${svc.name} depends on ${d}, which is not a compose service`);
      else if (isDict(target.def.healthcheck) && condition !== 'service_healthy') {
        ctx.report('depends_on', F, where, `${svc.name} starts before ${d} is healthy: use condition: service_healthy`);
      }
    }
    if (!specOf(ctx, svc.name)) continue;
    for (const ref of referencedServices(ctx, svc)) {
      if (!deps.has(ref)) ctx.report('depends_on', F, `services.${svc.name}.depends_on`, `${svc.name} connects to ${ref} but does not depend on it`);
    }
  }
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (n: string, trail: string[]): void => {
    if (state.get(n) === 'done') return;
    if (state.get(n) === 'visiting') {
      ctx.report('depends_on', F, `services.${n}.depends_on`, `dependency cycle: ${[...trail, n].join(' -> ')}`);
      return;
    }
    state.set(n, 'visiting');
    for (const d of graph.get(n) ?? []) visit(d, [...trail, n]);
    state.set(n, 'done');
  };
  for (const n of graph.keys()) visit(n, []);
}

function flag(command: string[], name: string): string | undefined {
  const i = command.indexOf(name);
  return i >= 0 ? command[i + 1] : undefined;
}

function mountTargets(svc: ComposeService): string[] {
  return list(svc.def.volumes).flatMap((v) => {
    if (isDict(v)) return str(v.target) ?? [];
    const parts = (str(v) ?? '').split(':');
    return parts.length >= 2 ? [parts[1] as string] : [];
  });
}

function checkStores(ctx: Ctx): void {
  const all = [...ctx.compose.services.values()];
  const byImage = (prefix: string): ComposeService[] => all.filter((s) => s.image.startsWith(`${prefix}:`) || s.image === prefix);
  const expect = (prefix: string, version: RegExp, what: string): ComposeService | undefined => {
    const found = byImage(prefix);
    if (!found.length) ctx.report('image_version', F, 'services', `no ${what} service (image ${prefix}:...)`);
    for (const s of found) if (!version.test(s.image)) ctx.report('image_version', F, `services.${s.name}.image`, `${s.name} runs ${s.image}; the deployment is built for ${what}`);
    return found[0];
  };
  const redis = expect('redis', /^redis:7(\.|$|-)/, 'Redis 7');
  expect('traefik', /^traefik:v3(\.|$)/, 'Traefik v3');
  const mongo = expect('mongo', /^mongo:7(\.|$|-)/, 'MongoDB 7');

  if (redis) {
    const base = `services.${redis.name}.command`;
    if (flag(redis.command, '--appendonly') !== 'yes') ctx.report('redis_aof', F, base, 'Redis runs without AOF (--appendonly yes): a restart would lose acknowledged events');
    const policy = flag(redis.command, '--maxmemory-policy');
    if (policy !== undefined && policy !== 'noeviction') ctx.report('redis_eviction', F, base, `--maxmemory-policy ${policy} may evict streams, leases and idempotency records; use noeviction`);
    const maxmem = parseBytes(flag(redis.command, '--maxmemory'));
    const limit = parseBytes(at(redis.def, 'deploy', 'resources', 'limits', 'memory'));
    if (maxmem !== undefined && limit !== undefined && maxmem >= limit) ctx.report('redis_maxmemory', F, base, 'Redis maxmemory is not below its container memory limit: the kernel would kill it before Redis refuses writes');
    if (!mountTargets(redis).includes('/data')) ctx.report('redis_volume', F, `services.${redis.name}.volumes`, 'Redis keeps its AOF in /data, which is not on a volume: it would not survive the container');
  }
  if (mongo) {
    if (!mountTargets(mongo).includes('/data/db')) ctx.report('mongo_volume', F, `services.${mongo.name}.volumes`, 'MongoDB keeps its data in /data/db, which is not on a volume');
    const test = strings(at(mongo.def, 'healthcheck', 'test')).join(' ');
    if (!/mongosh/.test(test) || !/ping/.test(test)) ctx.report('mongo_healthcheck', F, `services.${mongo.name}.healthcheck`, 'MongoDB health check should run a ping through mongosh');
  }

  for (const name of splitServices(ctx.m)) {
    const svc = ctx.compose.services.get(name);
    if (!svc) continue;
    const redisUrl = svc.env.REDIS_URL ? urlHost(svc.env.REDIS_URL) : undefined;
    if (svc.env.REDIS_URL && !(redisUrl && byImage('redis').some((s) => s.name === redisUrl.host))) {
      ctx.report('store_url', F, `services.${name}.environment.REDIS_URL`, `${name}'s REDIS_URL does not point at the compose Redis service`);
    }
    const storeUrl = svc.env.STORE_URL;
    if (storeUrl !== undefined) {
      const u = urlHost(storeUrl);
      if (!u || !u.scheme.startsWith('mongodb')) {
        ctx.report('store_url', F, `services.${name}.environment.STORE_URL`, `${name}'s STORE_URL is not a MongoDB URL: every process would write its own SQLite file`);
      } else if (u.scheme === 'mongodb' && !byImage('mongo').some((s) => s.name === u.host)) {
        ctx.report('store_url', F, `services.${name}.environment.STORE_URL`, `${name}'s STORE_URL does not point at the compose MongoDB service`);
      }
    }
  }
}

function checkPublishedPorts(ctx: Ctx): void {
  for (const svc of ctx.compose.services.values()) {
    if (svc.image.startsWith('traefik:')) continue;
    if (list(svc.def.ports).length) {
      ctx.report('published_ports', F, `services.${svc.name}.ports`, `${svc.name} publishes ports on the host: only Traefik is reachable from outside (internal endpoints and stores stay on the compose network)`);
    }
  }
}

function checkVolumes(ctx: Ctx): void {
  for (const svc of ctx.compose.services.values()) {
    for (const v of list(svc.def.volumes)) {
      const source = isDict(v) ? str(v.source) : (str(v) ?? '').split(':')[0];
      const isNamed = source !== undefined && /^[A-Za-z0-9][\w.-]*$/.test(source);
      if (isNamed && !(source in ctx.compose.volumes)) {
        ctx.report('undeclared_volume', F, `services.${svc.name}.volumes`, `${svc.name} mounts volume ${source}, which is not declared under volumes:`);
      }
    }
  }
}
