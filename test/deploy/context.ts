// What every check reads: the validated manifest, compose interpolated and normalized, and the report
// function that collects problems.
import type { DeploymentFiles } from './files.js';
import { interpolateDeep, type InterpolationIssue } from './interpolate.js';
import type { Manifest, ServiceSpec } from './manifest.js';
import { dict, isDict, list, str, type Dict } from './yaml-values.js';

export interface Problem {
  /** Stable snake_case name of the check that failed. */
  code: string;
  /** File the problem is in (repository-relative). */
  file: string;
  /** Where in that file: a dotted path, or a line description. */
  at: string;
  message: string;
}

export interface ComposeService {
  name: string;
  /** The service definition with variables interpolated. */
  def: Dict;
  env: Record<string, string>;
  command: string[];
  replicas: number;
  image: string;
}

export interface ComposeModel {
  project: string | undefined;
  services: Map<string, ComposeService>;
  volumes: Dict;
  /** Variables compose refuses to start without (${VAR:?...}). */
  requiredVars: string[];
  interpolationIssues: InterpolationIssue[];
}

export interface Ctx {
  files: DeploymentFiles;
  m: Manifest;
  compose: ComposeModel;
  report(code: string, file: string, at: string, message: string): void;
}

export const COMPOSE_FILE = 'docker-compose.yml';

function envOf(raw: unknown, processEnv: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  if (Array.isArray(raw)) {
    for (const item of raw) {
      const s = str(item) ?? '';
      const eq = s.indexOf('=');
      if (eq < 0) {
        // `- NAME` passes the variable through from compose's own environment.
        const v = processEnv[s];
        if (v !== undefined) out[s] = v;
      } else {
        out[s.slice(0, eq)] = s.slice(eq + 1);
      }
    }
  } else if (isDict(raw)) {
    for (const [k, v] of Object.entries(raw)) {
      if (v === null || v === undefined) {
        const pass = processEnv[k];
        if (pass !== undefined) out[k] = pass;
      } else {
        out[k] = str(v) ?? '';
      }
    }
  }
  return out;
}

function requiredVarsIn(v: unknown, into: Set<string>): void {
  if (typeof v === 'string') {
    for (const m of v.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*):?\?/g)) into.add(m[1] as string);
  } else if (Array.isArray(v)) {
    for (const x of v) requiredVarsIn(x, into);
  } else if (isDict(v)) {
    for (const x of Object.values(v)) requiredVarsIn(x, into);
  }
}

export function buildComposeModel(raw: unknown, env: Record<string, string>): ComposeModel {
  const issues: InterpolationIssue[] = [];
  const doc = dict(interpolateDeep(raw, env, issues));
  const required = new Set<string>();
  requiredVarsIn(raw, required);
  const services = new Map<string, ComposeService>();
  for (const [name, value] of Object.entries(dict(doc.services))) {
    const def = dict(value);
    const cmd = def.command;
    const command = Array.isArray(cmd) ? list(cmd).map((x) => str(x) ?? '') : (str(cmd)?.split(/\s+/).filter(Boolean) ?? []);
    const replicasRaw = dict(def.deploy).replicas;
    const replicas = replicasRaw === undefined ? 1 : Number(replicasRaw);
    services.set(name, { name, def, env: envOf(def.environment, env), command, replicas, image: str(def.image) ?? '' });
  }
  return { project: str(doc.name), services, volumes: dict(doc.volumes), requiredVars: [...required].sort(), interpolationIssues: issues };
}

/** The manifest entry a compose service runs (same name), if it is a Lightwatch service. */
export function specOf(ctx: Ctx, composeName: string): ServiceSpec | undefined {
  return composeName === 'all' ? undefined : ctx.m.services[composeName];
}

/** The port a compose service listens on for `kind`, from its environment or the manifest default. */
export function portOf(ctx: Ctx, composeName: string, kind: 'http' | 'grpc'): number | undefined {
  const spec = specOf(ctx, composeName);
  const p = spec?.ports[kind];
  if (!p) return undefined;
  const fromEnv = ctx.compose.services.get(composeName)?.env[p.env];
  return fromEnv === undefined ? p.default : Number(fromEnv);
}

/** The value a variable has in a compose service: set there, or the manifest default. */
export function envValue(ctx: Ctx, composeName: string, variable: string): string | undefined {
  return ctx.compose.services.get(composeName)?.env[variable] ?? ctx.m.env[variable]?.default;
}

/** Container names compose gives the replicas of a service: <project>-<service>-<n>. */
export function replicaNames(ctx: Ctx, svc: ComposeService): string[] {
  return Array.from({ length: svc.replicas }, (_, i) => `${ctx.compose.project ?? ''}-${svc.name}-${i + 1}`);
}

/** The compose service a host name reaches: a service name (round-robin DNS) or a replica's container name. */
export function hostTarget(ctx: Ctx, host: string): { service: ComposeService; replica?: number } | undefined {
  const direct = ctx.compose.services.get(host);
  if (direct) return { service: direct };
  const project = ctx.compose.project;
  if (!project || !host.startsWith(`${project}-`)) return undefined;
  const m = /^(.+)-(\d+)$/.exec(host.slice(project.length + 1));
  if (!m) return undefined;
  const service = ctx.compose.services.get(m[1] as string);
  return service ? { service, replica: Number(m[2]) } : undefined;
}
