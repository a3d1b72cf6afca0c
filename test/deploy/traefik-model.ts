// The Traefik configuration as the checks see it: entry points from the static file, routers, middlewares
// and load balancers merged from every dynamic file, chains flattened, and a router lookup that picks the
// router Traefik would (highest priority; default priority = rule length).
import type { ComposeService, Ctx } from './context.js';
import { hostTarget } from './context.js';
import { matches, parseRule, type Probe, type Rule } from './traefik-rule.js';
import { at, dict, isDict, keyCI, str, strings, type Dict } from './yaml-values.js';

export const STATIC_FILE = 'deploy/traefik/traefik.yml';
export const dynFile = (name: string): string => `deploy/traefik/dynamic/${name}`;

export interface EntryPoint {
  name: string;
  port: number | undefined;
  def: Dict;
}

export interface Router {
  name: string;
  file: string;
  def: Dict;
  entryPoints: string[];
  ruleText: string;
  rule: Rule | undefined;
  ruleError: string | undefined;
  service: string;
  middlewares: string[];
  priority: number;
  tls: boolean;
}

export interface Middleware {
  name: string;
  file: string;
  def: Dict;
  /** The middleware's type key (rateLimit, chain, ...), or undefined when it has none or several. */
  type: string | undefined;
}

export interface Server {
  url: string;
  scheme: string;
  host: string;
  port: number;
  target: { service: ComposeService; replica?: number } | undefined;
}

export interface LoadBalancer {
  name: string;
  file: string;
  def: Dict;
  servers: Server[];
  healthCheck: Dict | undefined;
  /** The compose service every server belongs to, when they agree. */
  target: ComposeService | undefined;
}

export interface TraefikModel {
  entryPoints: Map<string, EntryPoint>;
  /** Entry points serving Traefik's own metrics or ping: internal, never routed. */
  internalEntryPoints: Set<string>;
  routers: Map<string, Router>;
  middlewares: Map<string, Middleware>;
  services: Map<string, LoadBalancer>;
  certResolvers: Set<string>;
  duplicates: Array<{ kind: string; name: string; files: string[] }>;
}

/** A reference as written in a router (`name`, `name@file`); other providers (`@internal`, `@docker`) kept. */
export function localName(ref: string): { name: string; provider: string } {
  const i = ref.lastIndexOf('@');
  return i < 0 ? { name: ref, provider: 'file' } : { name: ref.slice(0, i), provider: ref.slice(i + 1) };
}

function portOfAddress(address: string | undefined): number | undefined {
  const m = /:(\d+)(\/(tcp|udp))?$/.exec(address ?? '');
  return m ? Number(m[1]) : undefined;
}

export function buildTraefikModel(ctx: Ctx): TraefikModel {
  const st = dict(ctx.files.traefikStatic);
  const entryPoints = new Map<string, EntryPoint>();
  for (const [name, def] of Object.entries(dict(st.entryPoints))) {
    entryPoints.set(name, { name, port: portOfAddress(str(dict(def).address)), def: dict(def) });
  }
  const internalEntryPoints = new Set<string>();
  const metricsEp = str(at(st, 'metrics', 'prometheus', 'entryPoint'));
  const pingEp = isDict(st.ping) ? (str(st.ping.entryPoint) ?? 'traefik') : undefined;
  for (const ep of [metricsEp, pingEp]) if (ep) internalEntryPoints.add(ep);

  const model: TraefikModel = {
    entryPoints,
    internalEntryPoints,
    routers: new Map(),
    middlewares: new Map(),
    services: new Map(),
    certResolvers: new Set(Object.keys(dict(st.certificatesResolvers))),
    duplicates: [],
  };

  const seen = new Map<string, string[]>();
  const claim = (kind: string, name: string, file: string): void => {
    const key = `${kind}:${name}`;
    const files = [...(seen.get(key) ?? []), file];
    seen.set(key, files);
    if (files.length === 2) model.duplicates.push({ kind, name, files });
  };

  for (const [fileName, doc] of Object.entries(ctx.files.traefikDynamic)) {
    const file = dynFile(fileName);
    const http = dict(dict(doc).http);
    for (const [name, raw] of Object.entries(dict(http.routers))) {
      claim('router', name, file);
      const def = dict(raw);
      const ruleText = str(def.rule) ?? '';
      let rule: Rule | undefined;
      let ruleError: string | undefined;
      try {
        rule = parseRule(ruleText);
      } catch (e) {
        ruleError = (e as Error).message;
      }
      const explicit = Number(def.priority ?? 0);
      model.routers.set(name, {
        name,
        file,
        def,
        entryPoints: strings(def.entryPoints),
        ruleText,
        rule,
        ruleError,
        service: str(def.service) ?? '',
        middlewares: strings(def.middlewares),
        priority: explicit > 0 ? explicit : ruleText.length,
        tls: def.tls !== undefined && def.tls !== null && def.tls !== false,
      });
    }
    for (const [name, raw] of Object.entries(dict(http.middlewares))) {
      claim('middleware', name, file);
      const def = dict(raw);
      const keys = Object.keys(def);
      model.middlewares.set(name, { name, file, def, type: keys.length === 1 ? keys[0] : undefined });
    }
    for (const [name, raw] of Object.entries(dict(http.services))) {
      claim('service', name, file);
      const def = dict(raw);
      const lb = dict(keyCI(def, 'loadBalancer'));
      const servers = (Array.isArray(lb.servers) ? lb.servers : []).flatMap((s): Server[] => {
        const url = str(dict(s).url) ?? '';
        try {
          const u = new URL(url);
          const scheme = u.protocol.replace(/:$/, '');
          const port = Number(u.port || (scheme === 'https' ? 443 : 80));
          return [{ url, scheme, host: u.hostname, port, target: hostTarget(ctx, u.hostname) }];
        } catch {
          return [{ url, scheme: '', host: '', port: 0, target: undefined }];
        }
      });
      const targets = new Set(servers.map((s) => s.target?.service.name));
      const first = servers[0]?.target?.service;
      const hc = keyCI(lb, 'healthCheck');
      model.services.set(name, { name, file, def, servers, healthCheck: isDict(hc) ? hc : undefined, target: targets.size === 1 ? first : undefined });
    }
  }
  return model;
}

/** A router's middlewares with chains expanded, in order; unknown names and cycles are skipped. */
export function flatMiddlewares(model: TraefikModel, names: string[], trail: string[] = []): Middleware[] {
  return names.flatMap((ref) => {
    const { name, provider } = localName(ref);
    const mw = provider === 'file' ? model.middlewares.get(name) : undefined;
    if (!mw || trail.includes(name)) return [];
    if (mw.type?.toLowerCase() === 'chain') return flatMiddlewares(model, strings(dict(mw.def[mw.type]).middlewares), [...trail, name]);
    return [mw];
  });
}

export function typeIs(mw: Middleware, type: string): boolean {
  return mw.type?.toLowerCase() === type.toLowerCase();
}

export interface RouteProbe extends Probe {
  /** Whether the request arrives over TLS (only TLS routers take it then). */
  tls?: boolean;
}

/** The routers of highest priority matching a request on one entry point (more than one: ambiguous). */
export function candidates(model: TraefikModel, entryPoint: string, probe: RouteProbe): Router[] {
  const hits = [...model.routers.values()].filter(
    (r) => r.entryPoints.includes(entryPoint) && r.rule && r.tls === (probe.tls ?? false) && matches(r.rule, probe),
  );
  const top = Math.max(...hits.map((r) => r.priority));
  return hits.filter((r) => r.priority === top).sort((a, b) => a.name.localeCompare(b.name));
}
