// Every rule setting the API accepts is one the detector reads, and every setting the detector reads is one
// the API accepts: both come from lib/api/rule-params.ts, and this test fails when the two drift apart.
import { describe, expect, it } from 'vitest';
import { buildOpenApiDocument } from '../../lib/api/openapi.js';
import { recordingReads } from '../../test/support/reads.js';
import { RULE_PARAMS, ruleParamKeys, readRuleParams, type RuleParamsKind } from '../../lib/api/rule-params.js';
import { ruleBody } from '../../lib/api/schemas.js';
import type { Target } from '../../lib/store/types.js';
import { compileParams } from './compile.js';

const lifecycle = { forSec: 10, keepFiringForSec: 5, minStateSec: 20, relapseWindowSec: 60, manualResolve: true };

/** One value for every setting of each kind (anomaly's metric and rate exclude each other; see below). */
const FULL: Record<RuleParamsKind, Record<string, unknown>> = {
  heartbeat: { ...lifecycle, intervalSec: 60, graceSec: 10, maxRunSec: 600, anomalyK: 5, minSamples: 4 },
  http: { ...lifecycle, failures: 3 },
  threshold: { ...lifecycle, metric: 'cpu', op: '>=', value: 90, labels: { core: '0' } },
  anomaly: { ...lifecycle, metric: 'latency', labels: { route: '/' }, k: 4, method: 'rolling', window: 20, minSamples: 5, bucketSec: 30 },
  promql: { ...lifecycle, expr: 'rate(errors_total[5m]) > 1', intervalSec: 30, labels: { severity: 'warning' }, annotations: { summary: '{{ $labels.instance }} fails' }, targetLabels: ['host'], source: { url: 'http://prometheus:9090', bearerToken: 't0ken' } },
  log_pattern: { ...lifecycle, pattern: 'timeout', patternType: 'glob', caseSensitive: true, field: 'msg', kinds: ['log', 'security'], count: 3, windowSec: 90, level: 'warn', category: 'auth', severity: 'high' },
};

const target: Target = {
  id: 't',
  tenant: 'x',
  name: 't',
  kind: 'http',
  labels: {},
  channels: [],
  paused: false,
  createdAt: 0,
  updatedAt: 0,
  http: { url: 'http://127.0.0.1/', intervalSec: 60, timeoutMs: 1000, retries: 0, retryBackoffMs: 0 },
  heartbeat: { intervalSec: 60, graceSec: 5 },
};

const KINDS = Object.keys(RULE_PARAMS) as RuleParamsKind[];

describe('rule settings: one schema for the API and the detector', () => {
  it.each(KINDS)('%s: the detector reads exactly the settings the API accepts', (kind) => {
    const reads = new Set<string>();
    const parsed = RULE_PARAMS[kind].parse(kind === 'anomaly' ? { ...FULL.anomaly } : FULL[kind]);
    compileParams(kind, recordingReads(parsed as object, reads) as never, target);
    if (kind === 'anomaly') compileParams(kind, recordingReads(RULE_PARAMS.anomaly.parse({ rate: ['log', 'check'] }) as object, reads) as never, target);
    const accepted = ruleParamKeys(kind).sort();
    const used = [...reads].sort();
    expect({ acceptedButUnused: accepted.filter((k) => !reads.has(k)), usedButNotAccepted: used.filter((k) => !accepted.includes(k)) }).toEqual({ acceptedButUnused: [], usedButNotAccepted: [] });
  });

  it.each(KINDS)('%s: the API accepts every setting, and the detector reads them back as given', (kind) => {
    const body = ruleBody.safeParse({ name: 'r', kind, params: FULL[kind] });
    expect(body.success ? 'ok' : body.error.issues).toBe('ok');
    const read = readRuleParams(kind, FULL[kind]);
    expect(read.ok && read.params).toMatchObject(FULL[kind]);
  });

  it('a misspelled or unknown setting is a 422-worthy error naming the key', () => {
    const r = ruleBody.safeParse({ name: 'r', kind: 'anomaly', params: { metric: 'x', windowSec: 60 } });
    expect(r.success).toBe(false);
    expect(JSON.stringify(r.error?.issues)).toContain('windowSec');
  });

  it('a promql expression that does not parse is refused with its position and message, as Prometheus words it', () => {
    const r = ruleBody.safeParse({ name: 'r', kind: 'promql', params: { expr: 'rate(errors_total[5m] > 1' } });
    expect(r.success).toBe(false);
    expect(r.error?.issues).toEqual([expect.objectContaining({ path: ['params', 'expr'], message: '1:26: parse error: unclosed left parenthesis' })]);
    const range = ruleBody.safeParse({ name: 'r', kind: 'promql', params: { expr: 'errors_total[5m]' } });
    expect(range.error?.issues).toEqual([expect.objectContaining({ path: ['params', 'expr'], message: 'a rule expression must be an instant vector or scalar, got range vector' })]);
    const fn = ruleBody.safeParse({ name: 'r', kind: 'promql', params: { expr: 'nosuch(up)' } });
    expect(fn.error?.issues[0]?.message).toMatch(/^1:1: parse error: unknown function with name "nosuch"/);
  });

  it('a promql source takes a token or a user and password, not both', () => {
    const both = ruleBody.safeParse({ name: 'r', kind: 'promql', params: { expr: 'up == 0', source: { url: 'http://p:9090', bearerToken: 'x', username: 'u', password: 'p' } } });
    expect(both.error?.issues.map((i) => i.path.join('.'))).toEqual(['params.source.bearerToken']);
    const half = ruleBody.safeParse({ name: 'r', kind: 'promql', params: { expr: 'up == 0', source: { url: 'http://p:9090', username: 'u' } } });
    expect(half.error?.issues.map((i) => i.path.join('.'))).toEqual(['params.source.password']);
    expect(ruleBody.safeParse({ name: 'r', kind: 'promql', params: { expr: 'up == 0', source: { url: 'ftp://p' } } }).success).toBe(false);
  });

  it('settings stored by an older version that the schema no longer knows are dropped and reported, not fatal', () => {
    const read = readRuleParams('anomaly', { metric: 'x', windowSec: 3600 });
    expect(read).toMatchObject({ ok: true, ignored: ['windowSec'], params: { metric: 'x', window: 30 } });
  });

  it.each(KINDS)('%s: every setting is documented in the OpenAPI document', (kind) => {
    const doc = buildOpenApiDocument() as { components: { schemas: Record<string, { oneOf: Array<{ properties: { kind: { const: string }; params: { properties: Record<string, { description?: string }> } } }> }> } };
    const branch = doc.components.schemas.RuleInput!.oneOf.find((b) => b.properties.kind.const === kind)!;
    const props = branch.properties.params.properties;
    expect(Object.keys(props).sort()).toEqual(ruleParamKeys(kind).sort());
    expect(Object.entries(props).filter(([, p]) => !p.description).map(([k]) => k)).toEqual([]);
  });
});
