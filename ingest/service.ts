// The IngestApi implementation: authenticate, decode, parse, normalize, append, answer. The answer is sent
// only after Redis acknowledged every entry of the request (the durability point); the persister writes
// to the store later, and the backlog bound turns a persister that falls behind into 429s.
import type { SeriesAdmission } from './series-admission.js';
import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { hasScope, type Authenticate, type Principal } from '../lib/auth/principal.js';
import { createIdGenerator } from '../lib/events/ids.js';
import { asLightwatchError, forbidden, LightwatchError, unauthenticated } from '../lib/errors/errors.js';
import type { CallContext, IngestApi } from '../lib/rpc/apis.js';
import type { Store } from '../lib/store/port.js';
import { GROUP_PERSIST, type StreamNames } from '../lib/streams/partition.js';
import type { Streams } from '../lib/streams/port.js';
import { PushEventsRequest, type PushRequest, type PushResponse } from '../proto/gen/lightwatch/v1/ingest.js';
import { createAppender, type EncodedAppend } from './appender/appender.js';
import { createBacklogMonitor } from './appender/backlog.js';
import { compatBody, type Accepted } from './compat.js';
import type { IngestConfig } from './config.js';
import { draftsFromProto } from './grpc-drafts.js';
import { createIdempotencyStore, holdLease, type StoredResponse } from './idempotency/idempotency.js';
import { formatLabel, ingestMetrics, kindLabel, reasonLabel } from './metrics.js';
import { normalizeSteps, type NormalizeItem } from './normalize/normalize.js';
import { runStepsCooperatively } from '../lib/lifecycle/steps.js';
import { decodeBody, INGEST_ENDPOINTS, parsePayloadCooperatively, type IngestEndpoint, type ParseResult } from './parse/index.js';
import { createTargetDirectory } from './targets.js';
import { createPingDirectory, type PingTarget } from './ping-directory.js';
import { decodePingRef } from '../lib/heartbeat/compat.js';

export interface IngestApiDeps {
  streams: Streams;
  names: StreamNames;
  /** Targets, for the heartbeat existence check and `?create=1`. */
  store: { targets: Pick<Store['targets'], 'getByName' | 'create' | 'listAll'> };
  authenticate: Authenticate;
  logger: Logger;
  registry: Registry;
  config: IngestConfig;
  /** Per-tenant series limits on remote_write series (ingest/series-admission.ts); none: the store's check alone. */
  seriesAdmission?: SeriesAdmission;
  now?: () => number;
}

export interface IngestService extends IngestApi {
  /** Redis reachable and the backlog sampled recently. */
  ready(): boolean;
  /** Stops background sampling. Does not close the Redis connection (the caller owns it). Idempotent. */
  close(): Promise<void>;
}

type Item = NormalizeItem;
type Rejection = { index: number; error: string };

/** A request ready to be written, and what its answer needs (see stage). */
interface Staged {
  encoded: EncodedAppend;
  accepted: number;
  byKind: Map<string, number>;
  rejected: Rejection[];
  format: string;
  endpoint: IngestEndpoint | 'grpc';
  /** Elasticsearch only: the parse result (bulk actions) and the id of each accepted item. */
  parsed?: ParseResult;
  ids?: Accepted[];
}

interface Prepared {
  items: Item[];
  rejected: Rejection[];
  format: string;
  /** For `/ingest/heartbeat/{target}`: the target named in the path. */
  defaultTarget?: string;
  /** Whole-request 404 when a single ping names an unknown target (otherwise items are rejected). */
  singlePing: boolean;
  endpoint: IngestEndpoint | 'grpc';
  /** Parser's view of the request, for compatibility answers. */
  parsed?: ParseResult;
}

function fingerprintPush(r: PushRequest): string {
  const h = createHash('sha256');
  const params = Object.keys(r.params).sort().map((k) => `${k}=${r.params[k]}`).join('&');
  for (const part of [r.endpoint, r.contentType, r.contentEncoding, r.target, r.suffix, params]) h.update(part).update('\u0000');
  return h.update(r.body).digest('hex');
}

const unknownTarget = (name: string): LightwatchError =>
  new LightwatchError('not_found', `unknown target "${name.slice(0, 200)}": create it first (POST /api/targets), or ping with ?create=1 using a key with the admin scope`, {
    reason: 'unknown_target',
    details: [{ at: 'target', message: 'no target of this name' }],
  });

export function createIngestApi(deps: IngestApiDeps): IngestService {
  const { streams, names, config, logger } = deps;
  const now = deps.now ?? Date.now;
  const metrics = ingestMetrics(deps.registry);
  const ids = createIdGenerator();
  const appender = createAppender({ streams, names });
  const backlog = createBacklogMonitor({
    streams,
    names,
    limitEntries: config.persistBacklogLimit,
    intervalMs: config.backlogSampleMs ?? 250,
    now,
    logger,
    onSample: (s) => metrics.backlogEntries.set(s.entries),
  });
  const idempotency = createIdempotencyStore({ streams, names, ttlMs: config.idempotencyTtlMs });
  const targets = createTargetDirectory({ store: deps.store, ids, now });
  const pings = createPingDirectory({ store: deps.store, now });
  const parseLimits = { maxItems: config.maxItems, maxDepth: config.maxDepth, maxLineBytes: config.maxLineBytes, maxBodyBytes: config.maxBodyBytes, maxAttributes: config.maxAttributes, maxSeriesLabels: config.maxSeriesLabels, alertTargetLabel: config.alertTargetLabel };

  // The persist groups must exist before the first entry, or the backlog of a fresh install is invisible.
  let groups: Promise<void> | undefined;
  const groupsReady = (): Promise<void> =>
    (groups ??= streams.ensureGroup(names.allEvents(), GROUP_PERSIST, '0').catch((err: unknown) => {
      groups = undefined;
      throw err;
    }));
  groupsReady().catch((err: unknown) => logger.warn({ err }, 'could not create the persist groups yet; retrying on the first request'));
  backlog.start();

  async function principalOf(ctx: CallContext): Promise<Principal> {
    if (!ctx.credential) throw unauthenticated('missing credential: send Authorization: Bearer <key>, X-API-Key, or the key as the Basic password');
    const principal = await deps.authenticate(ctx.credential);
    if (!hasScope(principal, 'ingest')) throw forbidden('this key lacks the ingest scope');
    return principal;
  }

  /** The target a compat ping URL names (PushRequest.target of endpoint `ping`), or not_found / conflict. */
  async function pingTarget(encoded: string): Promise<PingTarget> {
    const ref = decodePingRef(encoded);
    const hit = ref === null ? { found: null, ambiguous: false } : await pings.find(ref);
    if (hit.found !== null && !hit.found.paused) return hit.found;
    if (hit.found === null && hit.ambiguous) throw new LightwatchError('conflict', 'ambiguous slug: more than one target holds this ping key and slug', { reason: 'ambiguous_slug' });
    throw new LightwatchError('not_found', 'no active heartbeat target has this ping URL', { reason: 'unknown_ping_token' });
  }

  /** Target named by each heartbeat item, by item index (empty for a request without heartbeats). */
  function heartbeatTargets(p: Prepared): Map<number, string> {
    const named = new Map<number, string>();
    for (const it of p.items) {
      if (it.draft.kind !== 'heartbeat') continue;
      const t = it.draft.target ?? p.defaultTarget;
      if (t) named.set(it.index, t);
    }
    return named;
  }

  /**
   * Heartbeats must name a known target; unknown ones are created (admin + create=1), refused (single ping) or
   * rejected per item. True when a target was created.
   */
  async function checkHeartbeatTargets(p: Prepared, named: Map<number, string>, principal: Principal, create: boolean): Promise<boolean> {
    const { missing, created } = await targets.resolve(principal.tenant, named.values(), create && hasScope(principal, 'admin'));
    if (missing.size === 0) return created;
    if (p.singlePing) throw unknownTarget([...missing][0] as string);
    p.items = p.items.filter((it) => {
      const t = named.get(it.index);
      if (t === undefined || !missing.has(t)) return true;
      p.rejected.push({ index: it.index, error: unknownTarget(t).message });
      return false;
    });
    return created;
  }

  function kindCounts(events: readonly { kind: string }[]): Map<string, number> {
    const byKind = new Map<string, number>();
    for (const e of events) byKind.set(e.kind, (byKind.get(e.kind) ?? 0) + 1);
    return byKind;
  }

  /**
   * Parse, check, normalize and encode: the request's events as stream entries, and what the answer needs once
   * Redis has them. The drafts and events stay behind in this frame, so nothing of them is kept alive while
   * the request waits for Redis (with several requests in flight, whatever is kept across that wait survives
   * young-generation collections, which then cost most of the GC time).
   */
  async function stage(principal: Principal, receivedAt: number, idempotencyKey: string, prepare: () => Prepared | Promise<Prepared>, createTargets: boolean): Promise<Staged> {
    const prepared = prepare();
    // Only awaited when parsing ran in slices (push): pushEvents' batches are staged in one go.
    const p = prepared instanceof Promise ? await prepared : prepared;
    metrics.batchSize.observe({ endpoint: p.endpoint }, p.items.length + p.rejected.length);
    const named = heartbeatTargets(p);
    // Only awaited when there is something to check: a request without heartbeats is staged in one go.
    const configChanged = named.size > 0 && (await checkHeartbeatTargets(p, named, principal, createTargets));
    // In slices too when there are many events (a request may carry 10 000); a small batch runs in one slice.
    const norm = await runStepsCooperatively(
      normalizeSteps(
        p.items,
        { tenant: principal.tenant, receivedAt, ids, ...(idempotencyKey ? { idempotencyKey } : {}), ...(p.defaultTarget ? { defaultTarget: p.defaultTarget } : {}) },
        config.normalize,
      ),
    );
    let series = p.parsed?.series ?? [];
    if (series.length > 0 && deps.seriesAdmission) {
      const admitted = await deps.seriesAdmission.admit(principal.tenant, series);
      series = admitted.series;
      if (admitted.rejected.length > 0) p.rejected.push(...admitted.rejected);
      for (const [reason, n] of admitted.refused) metrics.seriesRefused.inc({ reason }, n);
    }
    let seriesSamples = 0;
    for (const x of series) seriesSamples += x.timestamps.length;
    const byKind = kindCounts(norm.events);
    if (seriesSamples > 0) byKind.set('metric', (byKind.get('metric') ?? 0) + seriesSamples);
    const staged: Staged = {
      // A created target is marked on the entries, so the detector loads it before applying them. Metric
      // samples go in as series (metric-batch entries), not one event each.
      encoded: appender.encode(norm.events, { configChanged, alerts: p.endpoint === 'alertmanager', metrics: { tenant: principal.tenant, receivedAt, batchId: ids.next(receivedAt), series } }),
      accepted: norm.events.length + seriesSamples,
      byKind,
      rejected: [...p.rejected, ...norm.rejected].sort((a, b) => a.index - b.index),
      format: p.format,
      endpoint: p.endpoint,
    };
    // Only the Elasticsearch answer names ids and actions.
    if (p.endpoint === 'elasticsearch') {
      staged.parsed = p.parsed;
      staged.ids = norm.eventIndexes.map((index, k) => ({ index, id: (norm.events[k] as { id: string }).id }));
    }
    return staged;
  }

  /** The common tail of push and pushEvents: idempotency, admission, normalize, append, answer. */
  async function ingest(
    principal: Principal,
    ctx: CallContext,
    idempotencyKey: string,
    fingerprint: () => string,
    prepare: () => Prepared | Promise<Prepared>,
    createTargets: boolean,
  ): Promise<PushResponse> {
    const started = performance.now();
    const fp = idempotencyKey ? fingerprint() : '';
    let receivedAt = now();
    let releaseLease: (() => void) | undefined;
    if (idempotencyKey) {
      const begun = await idempotency.begin(principal.tenant, idempotencyKey, fp, receivedAt);
      if (begun.state === 'done') return { ...begun.response, replayed: true };
      // A retry of an attempt that may have appended reuses its receivedAt, hence its derived event ids.
      receivedAt = begun.receivedAt;
      // Held for as long as this attempt runs (a slow append under load outlives one lease); a crash lets a
      // retry in after one lease at most.
      const holder = begun.holder;
      releaseLease = holdLease(() => idempotency.renew(principal.tenant, idempotencyKey, fp, holder, now()), idempotency.leaseMs / 3);
    }
    let appending = false;
    try {
      backlog.admit();
      const staged = await stage(principal, receivedAt, idempotencyKey, prepare, createTargets);
      await groupsReady();
      const t0 = performance.now();
      appending = true;
      await appender.write(staged.encoded);
      metrics.appendSeconds.observe((performance.now() - t0) / 1000);

      const { rejected, format } = staged;
      const f = formatLabel(format);
      for (const [kind, n] of staged.byKind) metrics.events.inc({ kind: kindLabel(kind), format: f, outcome: 'accepted' }, n);
      if (rejected.length > 0) {
        metrics.events.inc({ kind: 'unknown', format: f, outcome: 'rejected' }, rejected.length);
        metrics.rejections.inc({ reason: 'invalid_item' }, rejected.length);
        metrics.refused.inc({ protocol: staged.endpoint, reason: 'invalid_item' }, rejected.length);
      }
      const response: StoredResponse = {
        accepted: staged.accepted,
        rejected,
        compatBodyJson: compatBody(staged.endpoint, staged.parsed, () => staged.ids ?? [], rejected, performance.now() - started),
      };
      if (idempotencyKey) {
        await idempotency.complete(principal.tenant, idempotencyKey, fp, response).catch((err: unknown) => {
          // The events are in; a retry takes the record over after the lease and re-appends the same ids.
          logger.warn({ err, requestId: ctx.requestId }, 'could not record the idempotent answer');
        });
      }
      return { ...response, replayed: false };
    } catch (err) {
      if (idempotencyKey) {
        // Some entries may be in Redis when the append failed: keep receivedAt for the retry. Otherwise forget.
        const undo = appending ? idempotency.release(principal.tenant, idempotencyKey, fp) : idempotency.abort(principal.tenant, idempotencyKey, fp);
        await undo.catch(() => undefined);
      }
      throw err;
    } finally {
      releaseLease?.();
    }
  }

  async function guarded(ctx: CallContext, protocol: string, fn: () => Promise<PushResponse>): Promise<PushResponse> {
    try {
      return await fn();
    } catch (err) {
      const e = asLightwatchError(err);
      metrics.rejections.inc({ reason: reasonLabel(e.reason) });
      metrics.refused.inc({ protocol, reason: reasonLabel(e.reason) });
      if (e.code === 'internal') logger.error({ err, requestId: ctx.requestId }, 'ingest request failed');
      throw e;
    }
  }

  return {
    push(request, ctx) {
      const protocol = request.endpoint === 'ping' ? 'ping' : (INGEST_ENDPOINTS as readonly string[]).includes(request.endpoint) ? request.endpoint : 'other';
      return guarded(ctx, protocol, async () => {
        let principal: Principal;
        if (request.endpoint === 'ping') {
          // A compat ping URL (Healthchecks, Kuma): its token is the credential and names the one target.
          const { tenant, name } = await pingTarget(request.target);
          principal = { tenant, scopes: ['ingest'], subject: 'ping' };
          request = { ...request, endpoint: 'heartbeat', target: name };
        } else principal = await principalOf(ctx);
        const endpoint = request.endpoint as IngestEndpoint;
        if (!INGEST_ENDPOINTS.includes(endpoint)) {
          throw new LightwatchError('bad_request', `unknown ingest endpoint "${request.endpoint.slice(0, 40)}"`, { reason: 'unknown_endpoint' });
        }
        metrics.requestBytes.observe({ endpoint }, request.body.byteLength);
        return ingest(
          principal,
          ctx,
          request.idempotencyKey,
          () => fingerprintPush(request),
          async () => {
            const body = decodeBody(request.body, request.contentEncoding, config.maxBodyBytes);
            // In slices that yield to the event loop: the largest OTLP request would hold it for most of a second.
            const parsed = await parsePayloadCooperatively(
              {
                endpoint,
                contentType: request.contentType,
                body,
                params: request.params,
                ...(request.target ? { target: request.target } : {}),
                ...(request.suffix ? { suffix: request.suffix } : {}),
                now: now(),
              },
              parseLimits,
            );
            return {
              items: parsed.items,
              rejected: [...parsed.rejected],
              format: parsed.format,
              ...(endpoint === 'heartbeat' && request.target ? { defaultTarget: request.target } : {}),
              singlePing: endpoint === 'heartbeat',
              endpoint,
              parsed,
            };
          },
          request.params.create === '1' || request.params.create === 'true',
        );
      });
    },

    pushEvents(request, ctx) {
      return guarded(ctx, 'grpc', async () => {
        const principal = await principalOf(ctx);
        if (request.events.length > config.maxItems) {
          throw new LightwatchError('payload_too_large', `batch of ${request.events.length} events is over the limit of ${config.maxItems}`, {
            reason: 'batch_too_large',
            details: [{ at: 'events', message: `at most ${config.maxItems} events per request` }],
          });
        }
        return ingest(
          principal,
          ctx,
          request.idempotencyKey,
          () => createHash('sha256').update(PushEventsRequest.encode(request).finish()).digest('hex'),
          () => {
            const mapped = draftsFromProto(request.events, config.maxLineBytes);
            return { items: mapped.items, rejected: mapped.rejected, format: 'grpc', singlePing: false, endpoint: 'grpc' };
          },
          false,
        );
      });
    },

    ready: () => streams.ready() && backlog.healthy(),
    close: () => backlog.close(),
  };
}
