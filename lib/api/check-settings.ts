// The settings of every active check kind, one schema per kind, each in a block named after the kind
// (`{"kind":"http","http":{…}}`). The API validates target bodies with these and the detector runs checks on
// their output types, so the two cannot drift. Every kind shares the scheduling settings (interval, timeout,
// retries, backoff); one check, all attempts included, must finish before the next one starts.
import { z } from 'zod';
import { hasControl, headersSchema, httpUrl } from './fields.js';
import { ConditionError, parseCondition } from '../conditions/condition.js';
import { parseSlashPattern } from '../patterns/pattern.js';
import { CHECK_KINDS, type CheckKind } from './kinds.js';
import { checkPattern } from './rule-params.js';

const DAY_SEC = 86_400;

/**
 * The description of a field naming where a check connects (lib/api/active-check.ts says which): held to
 * CHECK_ALLOWED_NETWORKS when the check runs, and an IP address outside it refused when the target is saved.
 */
function guarded(description: string): string {
  return `${description}. Held to CHECK_ALLOWED_NETWORKS: an IP address outside it is a 422; a name is checked each time the check runs`;
}

/** Scheduling settings every check kind has. */
export const checkCommon = {
  intervalSec: z.number().int().min(5).max(DAY_SEC).default(60).describe('Time between checks'),
  timeoutMs: z.number().int().min(100).max(120_000).default(10_000).describe('One attempt fails after this long'),
  retries: z.number().int().min(0).max(10).default(0).describe('Extra attempts after a failed one before the check counts as failed'),
  retryBackoffMs: z.number().int().min(0).max(60_000).default(1_000).describe('Wait before the first retry; doubles for each further one'),
  locations: z
    .array(z.string().regex(/^[a-z0-9][a-z0-9_.-]{0,62}$/, 'a location is 1-63 lowercase letters, digits, _ . - (as LOCATION)'))
    .min(1)
    .max(16)
    .refine((a) => new Set(a).size === a.length, 'locations must not repeat')
    .optional()
    .describe('Run the check from these locations (detector replicas and `lightwatch probe` agents started with LOCATION=…) instead of the owning detector; results carry the location label'),
  quorum: z.number().int().min(1).max(16).optional().describe('With locations: the incident opens only when at least this many locations agree the check fails; default a majority'),
};

type Common = { intervalSec: number; timeoutMs: number; retries: number; retryBackoffMs: number; locations?: string[] | undefined; quorum?: number | undefined };

/** quorum needs locations and cannot exceed them. */
function quorumFits(c: Common, ctx: z.RefinementCtx): void {
  if (c.quorum === undefined) return;
  if (c.locations === undefined) ctx.addIssue({ code: 'custom', path: ['quorum'], message: 'only with locations' });
  else if (c.quorum > c.locations.length) ctx.addIssue({ code: 'custom', path: ['quorum'], message: `${c.quorum} is more than the ${c.locations.length} locations named` });
}

/** A check's worst case (every attempt timing out) must fit in its interval. */
function fitsInterval(c: Common, ctx: z.RefinementCtx): void {
  quorumFits(c, ctx);
  const worstMs = c.timeoutMs * (c.retries + 1) + c.retryBackoffMs * (2 ** c.retries - 1);
  if (worstMs > c.intervalSec * 1000) {
    ctx.addIssue({ code: 'custom', path: ['timeoutMs'], message: `timeoutMs × (retries + 1) + the retry backoffs = ${worstMs} ms exceeds intervalSec (${c.intervalSec} s)` });
  }
}

function checkSlashPattern(s: string | undefined, path: string, ctx: z.RefinementCtx): void {
  const slashed = s === undefined ? null : parseSlashPattern(s);
  if (slashed) checkPattern(ctx, [path], slashed.source, slashed.options);
}

export const httpCheckSchema = z
  .strictObject({
    ...checkCommon,
    url: httpUrl.describe(guarded('What to request')),
    method: z.enum(['GET', 'HEAD', 'POST']).optional().describe('Request method; default GET'),
    expectedStatus: z.array(z.number().int().min(100).max(599)).min(1).max(20).optional().describe('Accepted statuses; default any 2xx or 3xx'),
    bodyMatch: z.string().min(1).max(1024).optional().describe('Substring the body must contain, or /regex/ with optional flags i, m, s (RE2 syntax)'),
    headers: headersSchema.optional().describe('Request headers; values are write-only (masked in responses)'),
    bodyMatchInvert: z.boolean().optional().describe('Default false. ' + 'Fail when the body matches bodyMatch instead of when it does not (an inverted keyword check)'),
    jsonQuery: z
      .strictObject({
        path: z.string().min(1).max(512).describe('Path into the JSON body, as in conditions: data.items[0].status'),
        expected: z.string().max(1024).describe('The value found there, as text, must equal this'),
      })
      .optional()
      .describe('A JSON query check: the value at path must equal expected'),
    conditions: z
      .array(z.string().min(1).max(1024))
      .min(1)
      .max(50)
      .optional()
      .describe('Gatus conditions that must all hold: [STATUS] == 200, [RESPONSE_TIME] < 300, [BODY].data.status == UP, len([BODY].items) > 0, [CERTIFICATE_EXPIRATION] > 48h, [BODY] == pat(*ok*), [STATUS] == any(200, 429)'),
  })
  .superRefine((h, ctx) => {
    checkSlashPattern(h.bodyMatch, 'bodyMatch', ctx);
    h.conditions?.forEach((c, i) => {
      try {
        parseCondition(c);
      } catch (err) {
        ctx.addIssue({ code: 'custom', path: ['conditions', i], message: err instanceof ConditionError ? err.message : String(err) });
      }
    });
    if (h.jsonQuery) {
      try {
        parseCondition(`[BODY].${h.jsonQuery.path.replace(/^\$?\.?/, '')} == x`);
      } catch (err) {
        ctx.addIssue({ code: 'custom', path: ['jsonQuery', 'path'], message: err instanceof ConditionError ? `not a body path (${err.reason})` : String(err) });
      }
    }
    fitsInterval(h, ctx);
  });

const host = z
  .string()
  .min(1)
  .max(253)
  .regex(/^[A-Za-z0-9.:_[\]-]+$/, 'a host name or an IP address')
  .describe(guarded('Host name or IP address'));
const port = z.number().int().min(1).max(65_535);
const text = (max: number) => z.string().min(1).max(max).refine((s) => !hasControl(s, true), 'must not contain control characters');

function urlWith(protocols: string[]): z.ZodString {
  return z
    .string()
    .max(2048)
    .refine((s) => {
      try {
        const u = new URL(s);
        return protocols.includes(u.protocol) && u.hostname !== '';
      } catch {
        return false;
      }
    }, `must be an absolute ${protocols.map((p) => `${p}//`).join(' or ')} URL`);
}

export const tcpCheckSchema = z
  .strictObject({
    ...checkCommon,
    host,
    port: port.describe('TCP port'),
    send: text(4096).optional().describe('Text to send once connected (\\n and \\r as escapes)'),
    expect: text(1024).optional().describe('Substring the first bytes received (up to 64 KiB) must contain'),
  })
  .superRefine(fitsInterval);

export const DNS_TYPES = ['A', 'AAAA', 'CNAME', 'MX', 'TXT', 'NS', 'SRV'] as const;

export const dnsCheckSchema = z
  .strictObject({
    ...checkCommon,
    name: z.string().min(1).max(253).regex(/^[A-Za-z0-9._-]+\.?$/, 'a DNS name').describe('The name to resolve'),
    type: z.enum(DNS_TYPES).default('A').describe('Record type'),
    resolver: z
      .string()
      .regex(/^(\d{1,3}(\.\d{1,3}){3}(:\d{1,5})?|\[[0-9a-fA-F:]+\](:\d{1,5})?|[0-9a-fA-F:]+)$/, 'an IP address, optionally with :port (IPv6 in brackets with a port)')
      .optional()
      .describe(guarded("Resolver to ask (IP[:port]); default the system's")),
    expected: z
      .array(z.string().min(1).max(512))
      .min(1)
      .max(20)
      .optional()
      .describe('Answers that must all be present (A/AAAA addresses, CNAME/NS targets, MX and SRV as "priority target" / "priority weight port target", TXT text); default: any answer'),
  })
  .superRefine(fitsInterval);

export const pingCheckSchema = z
  .strictObject({
    ...checkCommon,
    host,
    count: z.number().int().min(1).max(10).default(3).describe('Echo requests to send (0.2 s apart)'),
    maxLossPercent: z.number().min(0).max(100).default(0).describe('Fail when more than this share of the requests go unanswered'),
    maxRttMs: z.number().min(0).max(60_000).optional().describe('Fail when the average round-trip time exceeds this'),
  })
  .superRefine(fitsInterval);

export const tlsCheckSchema = z
  .strictObject({
    ...checkCommon,
    host,
    port: port.default(443).describe('TLS port'),
    servername: z.string().min(1).max(253).optional().describe('Server name to send (SNI) and to match the certificate against; default host'),
    warnDays: z.number().int().min(0).max(3650).default(14).describe('Fail when the certificate expires within this many days'),
    checkHostname: z.boolean().default(true).describe('The certificate must match the server name'),
    checkChain: z.boolean().default(true).describe('The chain must lead to a trusted root (the system roots, or ca)'),
    ca: z.string().min(1).max(65_536).optional().describe('PEM certificate(s) to trust in place of the system roots (private CAs)'),
  })
  .superRefine(fitsInterval);

export const websocketCheckSchema = z
  .strictObject({
    ...checkCommon,
    url: urlWith(['ws:', 'wss:']).describe(guarded('ws:// or wss:// URL; the upgrade must succeed')),
    headers: headersSchema.optional().describe('Upgrade request headers; values are write-only (masked in responses)'),
    send: text(4096).optional().describe('A message to send once open'),
    expect: text(1024).optional().describe('Substring a message received must contain (after send, when given)'),
  })
  .superRefine(fitsInterval);

export const grpcCheckSchema = z
  .strictObject({
    ...checkCommon,
    host,
    port: port.describe('gRPC port'),
    service: z.string().max(256).default('').describe('Service name asked about with grpc.health.v1.Health/Check; empty = the server as a whole'),
    tls: z.boolean().default(false).describe('Connect with TLS (system roots)'),
  })
  .superRefine(fitsInterval);

const query = text(4096).optional().describe('A query to run once connected; the check fails when it fails');

export const postgresCheckSchema = z
  .strictObject({ ...checkCommon, url: urlWith(['postgres:', 'postgresql:']).describe(guarded('postgres://user:password@host:port/db; the password is write-only (masked in responses)')), query })
  .superRefine(fitsInterval);

export const mysqlCheckSchema = z
  .strictObject({ ...checkCommon, url: urlWith(['mysql:', 'mariadb:']).describe(guarded('mysql://user:password@host:port/db; the password is write-only (masked in responses)')), query })
  .superRefine(fitsInterval);

export const redisCheckSchema = z
  .strictObject({
    ...checkCommon,
    url: urlWith(['redis:', 'rediss:']).describe(guarded('redis://[user:password@]host:port[/db]; the password is write-only (masked in responses)')),
    key: z.string().min(1).max(512).optional().describe('A key that must exist (EXISTS); default: PING only'),
  })
  .superRefine(fitsInterval);

export const mqttCheckSchema = z
  .strictObject({
    ...checkCommon,
    url: urlWith(['mqtt:', 'mqtts:']).describe(guarded('mqtt://[user:password@]host:port; the password is write-only (masked in responses)')),
    topic: z.string().min(1).max(256).regex(/^[^#+]+$/, 'a topic name without wildcards').optional().describe('Publish to this topic and receive the message back (round trip); default: connect only'),
  })
  .superRefine(fitsInterval);

export const amqpCheckSchema = z
  .strictObject({
    ...checkCommon,
    url: urlWith(['amqp:', 'amqps:']).describe(guarded('amqp://user:password@host:port/vhost; the password is write-only (masked in responses)')),
    queue: z.string().min(1).max(255).optional().describe('A queue that must exist (passive declare); default: connect and open a channel'),
  })
  .superRefine(fitsInterval);

export const natsCheckSchema = z
  .strictObject({
    ...checkCommon,
    url: urlWith(['nats:', 'tls:']).describe(guarded('nats://[user:password@]host:port; the password is write-only (masked in responses)')),
    subject: z.string().min(1).max(256).regex(/^[^\s*>]+$/, 'a subject without wildcards').optional().describe('Publish to this subject and receive the message back (round trip); default: connect and flush'),
  })
  .superRefine(fitsInterval);

const promLabelName = z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]{0,127}$/, 'a Prometheus label name: letters, digits and _, not starting with a digit').refine((n) => !n.startsWith('__'), 'names starting with __ are reserved');

/**
 * A scrape target: Lightwatch pulls a Prometheus text or OpenMetrics endpoint at the interval and stores its
 * samples with `job` and `instance` labels (detector/checks/kinds/scrape.ts). Run by the target's owner only
 * (no locations): the samples go to the target's partition stream with its check result.
 */
export const scrapeCheckSchema = z
  .strictObject({
    intervalSec: checkCommon.intervalSec.describe('Time between scrapes (scrape_interval)'),
    timeoutMs: checkCommon.timeoutMs.describe('A scrape fails after this long (scrape_timeout)'),
    retries: checkCommon.retries,
    retryBackoffMs: checkCommon.retryBackoffMs,
    url: httpUrl.describe(guarded('The metrics endpoint, e.g. http://host:9100/metrics; its host:port is the instance label')),
    job: z.string().min(1).max(256).optional().describe("Value of the job label; default the target's name"),
    labels: z
      .record(promLabelName, z.string().min(1).max(1024))
      .refine((l) => Object.keys(l).length <= 16, 'at most 16 labels')
      .optional()
      .describe('Further labels set on every scraped series, as a static_config target label (job and instance may be overridden here)'),
    honorLabels: z.boolean().default(false).describe('honor_labels: scraped labels win over job, instance and labels; by default a scraped label of the same name is kept as exported_<name>'),
    honorTimestamps: z.boolean().default(true).describe('honor_timestamps: keep the timestamps the endpoint exposes; otherwise every sample gets the scrape time'),
    bearerToken: z.string().min(1).max(4096).refine((s) => !hasControl(s), 'must not contain control characters').optional().describe('Sent as Authorization: Bearer …; write-only (masked in responses)'),
    basicAuth: z
      .strictObject({
        username: z.string().min(1).max(256).refine((s) => !s.includes(':') && !hasControl(s), 'no colon or control characters'),
        password: z.string().max(1024).refine((s) => !hasControl(s), 'must not contain control characters').default('').describe('Write-only (masked in responses)'),
      })
      .optional()
      .describe('HTTP Basic credentials (not together with bearerToken)'),
    tls: z
      .strictObject({
        ca: z.string().min(1).max(65_536).optional().describe('PEM certificate(s) to trust in place of the system roots'),
        cert: z.string().min(1).max(65_536).optional().describe('PEM client certificate (with key)'),
        key: z.string().min(1).max(65_536).optional().describe('PEM private key of cert; write-only (masked in responses)'),
        serverName: z.string().min(1).max(253).optional().describe('Server name to send (SNI) and to verify the certificate against; default the URL host'),
        insecureSkipVerify: z.boolean().default(false).describe('Accept any certificate (insecure_skip_verify)'),
      })
      .optional()
      .describe('TLS options for https:// URLs'),
    sampleLimit: z.number().int().min(1).max(1_000_000).default(50_000).describe('sample_limit: a scrape exposing more samples fails and stores none'),
    bodySizeLimitBytes: z.number().int().min(1024).max(256 * 1024 * 1024).default(16 * 1024 * 1024).describe('body_size_limit: a larger (uncompressed) body fails the scrape'),
  })
  .superRefine((s, ctx) => {
    if (s.bearerToken !== undefined && s.basicAuth !== undefined) ctx.addIssue({ code: 'custom', path: ['basicAuth'], message: 'give bearerToken or basicAuth, not both' });
    if (s.tls !== undefined && (s.tls.cert === undefined) !== (s.tls.key === undefined)) ctx.addIssue({ code: 'custom', path: ['tls', s.tls.cert === undefined ? 'cert' : 'key'], message: 'cert and key go together' });
    fitsInterval(s, ctx);
  });

/** Every active check kind (lib/api/kinds.ts) and its settings block. */
export const CHECK_SETTINGS = {
  http: httpCheckSchema,
  tcp: tcpCheckSchema,
  dns: dnsCheckSchema,
  ping: pingCheckSchema,
  tls: tlsCheckSchema,
  websocket: websocketCheckSchema,
  grpc: grpcCheckSchema,
  postgres: postgresCheckSchema,
  mysql: mysqlCheckSchema,
  redis: redisCheckSchema,
  mqtt: mqttCheckSchema,
  amqp: amqpCheckSchema,
  nats: natsCheckSchema,
  scrape: scrapeCheckSchema,
} as const satisfies Record<CheckKind, z.ZodType>;

/** Kinds whose `url` may carry a password (masked in responses like header values). */
export const URL_CREDENTIAL_KINDS = ['postgres', 'mysql', 'redis', 'mqtt', 'amqp', 'nats'] as const;

export { CHECK_KINDS, type CheckKind };
export type CheckSettingsOf = { [K in CheckKind]: z.output<(typeof CHECK_SETTINGS)[K]> };
export type HttpCheck = CheckSettingsOf['http'];

/** A target's active check: its kind and that kind's settings. */
export type ActiveCheck = { [K in CheckKind]: { kind: K; settings: CheckSettingsOf[K] } }[CheckKind];

/** Where a check runs from: the locations it names (scrape checks name none: their owner scrapes). */
export function checkLocations(check: ActiveCheck): { locations?: string[] | undefined; quorum?: number | undefined } {
  return check.kind === 'scrape' ? {} : check.settings;
}

export function isCheckKind(kind: string): kind is CheckKind {
  return Object.hasOwn(CHECK_SETTINGS, kind);
}
