// Reads the deployment files from a checkout into one plain object that checkDeployment inspects. Tests
// mutate a structuredClone of it to prove each check fails on a broken file.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

export interface DeploymentFiles {
  /** deploy/services.yaml, parsed. */
  manifest: unknown;
  /** docker-compose.yml, parsed with merge keys (<<) applied, not yet interpolated. */
  compose: unknown;
  /** The variables compose interpolates with (what .env would hold). */
  env: Record<string, string>;
  /** deploy/env.example, as text. */
  envExample: string;
  /** deploy/traefik/traefik.yml, parsed. */
  traefikStatic: unknown;
  /** Every file the file provider loads (deploy/traefik/dynamic/*.yml), by file name. */
  traefikDynamic: Record<string, unknown>;
  dockerfile: string;
  dockerignore: string;
}

/** Where compose must mount the Traefik configuration from (host paths relative to the repository root). */
export const TRAEFIK_STATIC_PATH = 'deploy/traefik/traefik.yml';
export const TRAEFIK_DYNAMIC_DIR = 'deploy/traefik/dynamic';
export const TRAEFIK_TLS_FILE = 'deploy/traefik/tls/websecure.yml';

export function parseYaml(text: string): unknown {
  return parse(text, { merge: true });
}

/**
 * The static configuration with TLS switched on as docs/deploy.md says: every line between `# tls-begin` and
 * `# tls-end` uncommented.
 */
export function enableTlsInStatic(text: string): string {
  let inside = false;
  return text
    .split('\n')
    .map((line) => {
      if (/^\s*#\s*tls-begin\s*$/.test(line)) {
        inside = true;
        return line;
      }
      if (/^\s*#\s*tls-end\s*$/.test(line)) {
        inside = false;
        return line;
      }
      return inside ? line.replace(/^(\s*)# ?/, '$1') : line;
    })
    .join('\n');
}

export interface LoadOptions {
  env: Record<string, string>;
  /** Load as if TLS were enabled: resolver uncommented, tls/websecure.yml copied into dynamic/. */
  tls?: boolean;
}

export function loadDeploymentFiles(root: string, opts: LoadOptions): DeploymentFiles {
  const read = (p: string): string => readFileSync(join(root, p), 'utf8');
  const staticText = read(TRAEFIK_STATIC_PATH);
  const traefikDynamic: Record<string, unknown> = {};
  for (const name of readdirSync(join(root, TRAEFIK_DYNAMIC_DIR)).sort()) {
    // The file provider reads .yml, .yaml and .toml and skips everything else.
    if (/\.ya?ml$/.test(name)) traefikDynamic[name] = parseYaml(read(join(TRAEFIK_DYNAMIC_DIR, name)));
    else if (name.endsWith('.toml')) throw new Error(`${TRAEFIK_DYNAMIC_DIR}/${name}: TOML is not checked; write dynamic files in YAML`);
  }
  if (opts.tls) traefikDynamic['websecure.yml'] = parseYaml(read(TRAEFIK_TLS_FILE));
  return {
    manifest: parseYaml(read('deploy/services.yaml')),
    compose: parseYaml(read('docker-compose.yml')),
    env: { ...opts.env },
    envExample: read('deploy/env.example'),
    traefikStatic: parseYaml(opts.tls ? enableTlsInStatic(staticText) : staticText),
    traefikDynamic,
    dockerfile: read('Dockerfile'),
    dockerignore: read('.dockerignore'),
  };
}
