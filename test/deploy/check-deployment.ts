// checkDeployment(files) -> problems[]: every static check of the production deployment (compose, Traefik,
// Dockerfile) against deploy/services.yaml. No Docker engine or Traefik binary runs here, so this is what
// proves the files fit together; an empty list means they do.
import { checkCompose } from './check-compose.js';
import { checkDockerfile } from './check-dockerfile.js';
import { checkTraefik } from './check-traefik.js';
import { buildComposeModel, type Ctx, type Problem } from './context.js';
import type { DeploymentFiles } from './files.js';
import { parseManifest } from './manifest.js';
import { buildTraefikModel, candidates, flatMiddlewares, localName, type RouteProbe } from './traefik-model.js';

export type { Problem } from './context.js';
export type { DeploymentFiles } from './files.js';

function context(files: DeploymentFiles, problems: Problem[]): Ctx | undefined {
  const { manifest, errors } = parseManifest(files.manifest);
  for (const e of errors) problems.push({ code: 'manifest', file: 'deploy/services.yaml', at: e.split(':')[0] ?? '', message: e });
  if (!manifest) return undefined;
  return {
    files,
    m: manifest,
    compose: buildComposeModel(files.compose, files.env),
    report: (code, file, at, message) => problems.push({ code, file, at, message }),
  };
}

export function checkDeployment(files: DeploymentFiles): Problem[] {
  const problems: Problem[] = [];
  const ctx = context(files, problems);
  if (!ctx) return problems;
  checkCompose(ctx);
  checkTraefik(ctx, buildTraefikModel(ctx));
  checkDockerfile(ctx);
  // One problem per (code, place, message): a check that fires for several probes says it once.
  const seen = new Set<string>();
  return problems.filter((p) => {
    const key = `${p.code}|${p.file}|${p.at}|${p.message}`;
    return seen.has(key) ? false : (seen.add(key), true);
  });
}

export interface Route {
  router: string;
  service: string;
  /** The compose service the request lands on. */
  target: string | undefined;
  /** Middleware names with chains expanded, in order. */
  middlewares: string[];
  /** Middleware types in the same order (rateLimit, buffering, retry, ...). */
  middlewareTypes: string[];
}

/** Where Traefik would send a request arriving on an entry point; undefined when no router takes it. */
export function routeRequest(files: DeploymentFiles, entryPoint: string, probe: RouteProbe): Route | undefined {
  const ctx = context(files, []);
  if (!ctx) throw new Error('deploy/services.yaml does not validate');
  const model = buildTraefikModel(ctx);
  const router = candidates(model, entryPoint, probe)[0];
  if (!router) return undefined;
  const mws = flatMiddlewares(model, router.middlewares);
  const service = localName(router.service).name;
  return {
    router: router.name,
    service,
    target: model.services.get(service)?.target?.name,
    middlewares: mws.map((m) => m.name),
    middlewareTypes: mws.map((m) => m.type ?? '?'),
  };
}

/** One line per problem, for test failure messages and people. */
export function formatProblems(problems: readonly Problem[]): string {
  return problems.map((p) => `${p.file} ${p.at}: [${p.code}] ${p.message}`).join('\n');
}
