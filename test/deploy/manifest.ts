// deploy/services.yaml, validated: what each service listens on, serves and needs from its environment.
// The deployment checks read every expectation about a service from here, never from constants of their own.
import { z } from 'zod';

const port = z.object({ env: z.string(), default: z.number().int().min(1).max(65535) });
const path = z.string().regex(/^\/\S*$/, 'a path starting with /');

const service = z.object({
  folder: z.string().optional(),
  ports: z.object({ http: port, grpc: port.optional() }),
  serves: z.object({
    http: z.array(path).optional(),
    ws: z.array(path).optional(),
    grpc: z.array(z.string().regex(/^[\w.]+$/, 'a fully qualified gRPC service name')).optional(),
  }),
  requires: z.array(z.string()),
  uses: z.array(z.string()),
  addresses: z.record(z.string(), z.object({ service: z.string(), port: z.enum(['http', 'grpc']) })).optional(),
  bodyLimits: z.array(z.object({ paths: z.array(path), env: z.string() })).optional(),
});

const manifestSchema = z.object({
  version: z.literal(1),
  env: z.record(z.string(), z.object({ default: z.string().optional(), form: z.string(), doc: z.string().optional() })),
  shared: z.array(z.string()),
  perReplica: z.array(z.string()),
  neverRetry: z.array(path),
  drain: z.string(),
  common: z.object({
    health: z.object({ live: path, ready: path, metrics: path }),
    http: z.array(path),
  }),
  services: z.record(z.string(), service),
});

export type Manifest = z.infer<typeof manifestSchema>;
export type ServiceSpec = z.infer<typeof service>;

/** Validates a parsed services.yaml; the messages name each bad field. */
export function parseManifest(doc: unknown): { manifest?: Manifest; errors: string[] } {
  const r = manifestSchema.safeParse(doc);
  if (!r.success) return { errors: r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`) };
  const m = r.data;
  const errors: string[] = [];
  for (const v of [...m.shared, ...m.perReplica, m.drain]) if (!(v in m.env)) errors.push(`${v} is not described under env`);
  for (const [name, spec] of Object.entries(m.services)) {
    for (const v of [...spec.requires, ...spec.uses, ...Object.keys(spec.addresses ?? {}), ...(spec.bodyLimits ?? []).map((b) => b.env)]) {
      if (!(v in m.env)) errors.push(`services.${name}: ${v} is not described under env`);
    }
    for (const [v, a] of Object.entries(spec.addresses ?? {})) {
      const target = m.services[a.service];
      if (!target) errors.push(`services.${name}.addresses.${v}: no service ${a.service}`);
      else if (a.port === 'grpc' && !target.ports.grpc) errors.push(`services.${name}.addresses.${v}: ${a.service} has no grpc port`);
    }
  }
  return errors.length ? { errors } : { manifest: m, errors };
}

/** Services that run as their own process in a multi-process deployment (everything but `all`). */
export function splitServices(m: Manifest): string[] {
  return Object.keys(m.services).filter((s) => s !== 'all');
}

/** Every HTTP/WS path pattern a service serves, health endpoints included. */
export function httpPaths(m: Manifest, spec: ServiceSpec): string[] {
  return [...m.common.http, ...(spec.serves.http ?? []), ...(spec.serves.ws ?? [])];
}

/** Whether `pattern` (exact, or `/prefix/*`) covers the exact path `p`. */
export function patternCovers(pattern: string, p: string): boolean {
  return pattern.endsWith('/*') ? p.startsWith(pattern.slice(0, -1)) || p === pattern.slice(0, -2) : p === pattern;
}

/**
 * Whether a router's path prefix reaches something the pattern serves: the prefix lies inside the pattern's
 * space or the pattern's space lies under the prefix.
 */
export function prefixOverlaps(pattern: string, prefix: string): boolean {
  if (!pattern.endsWith('/*')) return pattern.startsWith(prefix);
  const base = pattern.slice(0, -2);
  return base.startsWith(prefix) || prefix.startsWith(base);
}

/** Whether a router's Path (exact) or PathPrefix reaches something the pattern serves. */
export function routeReaches(pattern: string, path: { value: string; prefix: boolean }): boolean {
  return path.prefix ? prefixOverlaps(pattern, path.value) : patternCovers(pattern, path.value);
}

/** The path space of a gRPC service: `/<package>.<Service>/<Method>`. */
export const grpcPattern = (service: string): string => `/${service}/*`;
