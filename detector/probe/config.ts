// Configuration of `lightwatch probe`, parsed once: where it is (LOCATION), which Lightwatch it reports to
// (LIGHTWATCH_URL) with which key (LIGHTWATCH_API_KEY: read to list targets, ingest to report), and what it
// may reach (CHECK_ALLOWED_NETWORKS). Every bad variable is reported at once, by name.
import { envReader } from '../../lib/config/env.js';
import type { Networks } from '../../lib/net/networks.js';

export const LOCATION_PATTERN = /^[a-z0-9][a-z0-9_.-]{0,62}$/;

export interface ProbeConfig {
  location: string;
  url: string;
  apiKey: string;
  checkAllowedNetworks: Networks | null;
  refreshMs: number;
  concurrency: number;
  logLevel: string;
}

/** LOCATION as a detector or probe reads it: undefined when unset, a problem when malformed. */
export function readLocation(r: ReturnType<typeof envReader>): string | undefined {
  const location = r.optionalStr('LOCATION');
  if (location !== undefined && !LOCATION_PATTERN.test(location)) r.problem(`LOCATION=${JSON.stringify(location)} is not valid: expected 1-63 lowercase letters, digits, _ . - (e.g. eu-west)`);
  return location;
}

export function loadProbeConfig(env: Readonly<Record<string, string | undefined>>): Readonly<ProbeConfig> {
  const r = envReader(env);
  const location = readLocation(r);
  if (location === undefined) r.problem('LOCATION is not set: a probe reports results for its location (e.g. LOCATION=eu-west)');
  const url = r.url('LIGHTWATCH_URL', ['http:', 'https:']);
  if (url === undefined && !env.LIGHTWATCH_URL?.trim()) r.problem('LIGHTWATCH_URL is not set: the base URL of the Lightwatch gateway (e.g. https://lightwatch.example.com)');
  const apiKey = r.optionalStr('LIGHTWATCH_API_KEY');
  if (apiKey === undefined) r.problem('LIGHTWATCH_API_KEY is not set: a key with the read and ingest scopes');
  const config = {
    location: location ?? '',
    url: (url ?? '').replace(/\/+$/, ''),
    apiKey: apiKey ?? '',
    checkAllowedNetworks: r.networks('CHECK_ALLOWED_NETWORKS') ?? null,
    refreshMs: r.int('PROBE_REFRESH_SEC', 30, 1, 3600) * 1000,
    concurrency: r.int('PROBE_CONCURRENCY', 64, 1, 10_000),
    logLevel: r.str('LOG_LEVEL', 'info'),
  };
  r.done();
  return Object.freeze(config);
}
