// The IngestApi implementation: authenticate, decode, parse, normalize, append, answer. The answer is sent
// only after Redis acknowledged every entry of the request (the durability point); the persister writes
// to the store later, and the backlog bound turns a persister that falls behind into 429s.
import type { SeriesAdmission } from './series-admission.js';
import type { BatchSeries } from '../lib/tsdb/batch.js';
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
import { createAppender } from './appender/appender.js';
import { createBacklogMonitor } from './appender/backlog.js';
import { compatBody } from './compat.js';
import type { IngestConfig } from './config.js';
import { draftsFromProto } from './grpc-drafts.js';
import { createIdempotencyStore, holdLease, type StoredResponse } from './idempotency/idempotency.js';
import { formatLabel, ingestMetrics, kindLabel, reasonLabel } from './metrics.js';
import { runStepsCooperatively } from '../lib/lifecycle/steps.js';
import { INGEST_ENDPOINTS, type IngestEndpoint } from './parse/index.js';
import { finishSteps, heartbeatTargets, prepareSteps, type Prepared, type PushBody, type Staged } from './stage.js';
import { createParseOffload, DEFAULT_PARSE_OFFLOAD } from './offload/offload.js';
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
  const offload = createParseOffload(config.parseOffload ?? DEFAULT_PARSE_OFFLOAD, config.maxBodyBytes);

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

  /**
   * Parse, check, normalize and encode on the event loop, in slices: the request's events as stream entries, and
   * what the answer needs once Redis has them (ingest/stage.ts), with the I/O checks between parsing and the rest.
   */
  async function stage(principal: Principal, receivedAt: number, idempotencyKey: string, prepare: () => Prepared | Promise<Prepared>, createTargets: boolean): Promise<Staged> {
    const prepared = prepare();
    // Only awaited when parsing ran in slices (push): pushEvents' batches are staged in one go.
    const p = prepared instanceof Promise ? await prepared : prepared;
    metrics.batchSize.observe({ endpoint: p.endpoint }, p.items.length + p.rejected.length);
    const named = heartbeatTargets(p);
    // Only awaited when there is something to check: a request without heartbeats is staged in one go.
    const configChanged = named.size > 0 && (await checkHeartbeatTargets(p, named, principal, createTargets));
    let series: readonly BatchSeries[] = p.parsed?.series ?? [];
    if (series.length > 0 && deps.seriesAdmission) {
      const admitted = await deps.seriesAdmission.admit(principal.tenant, series);
      series = admitted.series;
      if (admitted.rejected.length > 0) p.rejected.push(...admitted.rejected);
      for (const [reason, n] of admitted.refused) metrics.seriesRefused.inc({ reason }, n);
    }
    // In slices when there are many events (a request may carry 10 000); a small batch runs in one slice.
    return runStepsCooperatively(finishSteps(p, { tenant: principal.tenant, receivedAt, ids, idempotencyKey, names, normalize: config.normalize, configChanged, series }));
  }

  /** A pushed body staged on the loop when small, else on a parse worker thread (ingest/offload). */
  async function stagePush(principal: Principal, receivedAt: number, idempotencyKey: string, request: PushBody, createTargets: boolean): Promise<Staged> {
    const decoded = offload.decodeInline(request.body, request.contentEncoding);
    // In slices that yield to the event loop: the largest OTLP request would hold it for most of a second.
    if (decoded) return stage(principal, receivedAt, idempotencyKey, () => runStepsCooperatively(prepareSteps(request, parseLimits, now(), decoded)), createTargets);
    const headroom = deps.seriesAdmission && request.endpoint === 'prometheus' ? await deps.seriesAdmission.headroom(principal.tenant) : undefined;
    const out = await offload.stage({
      request,
      now: now(),
      tenant: principal.tenant,
      receivedAt,
      idempotencyKey,
      limits: parseLimits,
      normalize: config.normalize,
      names: { prefix: names.prefix, partitions: names.partitions },
      ...(headroom ? { headroom } : {}),
    });
    // Back unfinished: heartbeat targets to look up, or series near the tenant's limit.
    if (!out.done) return stage(principal, receivedAt, idempotencyKey, () => out.prepared, createTargets);
    metrics.batchSize.observe({ endpoint: out.staged.endpoint }, out.batchSize);
    for (const [reason, n] of out.refused) metrics.seriesRefused.inc({ reason }, n);
    return out.staged;
  }

  /** The common tail of push and pushEvents: idempotency, admission, normalize, append, answer. */
  async function ingest(
    principal: Principal,
    ctx: CallContext,
    idempotencyKey: string,
    fingerprint: () => string,
    stageAt: (receivedAt: number) => Promise<Staged>,
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
      const staged = await stageAt(receivedAt);
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
        const create = request.params.create === '1' || request.params.create === 'true';
        const body: PushBody = { endpoint, contentType: request.contentType, contentEncoding: request.contentEncoding, body: request.body, params: request.params, target: request.target, suffix: request.suffix };
        return ingest(principal, ctx, request.idempotencyKey, () => fingerprintPush(request), (receivedAt) => stagePush(principal, receivedAt, request.idempotencyKey, body, create));
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
          (receivedAt) =>
            stage(
              principal,
              receivedAt,
              request.idempotencyKey,
              () => {
                const mapped = draftsFromProto(request.events, config.maxLineBytes);
                return { items: mapped.items, rejected: mapped.rejected, format: 'grpc', singlePing: false, endpoint: 'grpc' };
              },
              false,
            ),
        );
      });
    },

    ready: () => streams.ready() && backlog.healthy(),
    async close() {
      await backlog.close();
      await offload.close();
    },
  };
}
