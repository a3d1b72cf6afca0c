// /api/rules: alert rules with kind-specific params (lib/api/rule-params.ts), scoped to one target of the
// tenant or to a label selector. A promql rule's source credentials are write-only: masked in every
// response, kept when an update sends the mask back. A source at an address outside CHECK_ALLOWED_NETWORKS is a 422.
import { PROMQL_SOURCE_SECRETS } from '../lib/api/rule-params.js';
import { ruleBody } from '../lib/api/schemas.js';
import { unprocessable } from '../lib/errors/errors.js';
import { hostOf } from '../lib/net/guard.js';
import type { Rule } from '../lib/store/types.js';
import { checkRefs, refuseOutsideNetworks, type HandlerTable } from './context.js';
import { crudHandlers, pick } from './crud.js';
import { isMaskOf, maskSecret } from './secrets.js';
import type { JsonObject } from './validation.js';

const EDITABLE = ['name', 'kind', 'targetId', 'selector', 'params', 'severity', 'channels', 'enabled'] as const satisfies readonly (keyof Rule)[];

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** A rule as responses show it: a promql source's token and password masked. */
export function presentRule(r: Rule): Rule {
  const source = r.kind === 'promql' ? r.params.source : undefined;
  if (!isObject(source)) return r;
  const masked: Record<string, unknown> = { ...source };
  for (const field of PROMQL_SOURCE_SECRETS) if (typeof masked[field] === 'string') masked[field] = maskSecret(masked[field]);
  return { ...r, params: { ...r.params, source: masked } };
}

/** An update that sends a promql source's masks back keeps the stored secrets. */
function restoreSecrets(merged: JsonObject, stored: Rule): JsonObject {
  const params = merged.params;
  const before = stored.params.source;
  if (merged.kind !== 'promql' || stored.kind !== 'promql' || !isObject(params) || !isObject(params.source) || !isObject(before)) return merged;
  const source: Record<string, unknown> = { ...params.source };
  for (const field of PROMQL_SOURCE_SECRETS) if (isMaskOf(source[field], before[field])) source[field] = before[field];
  return { ...merged, params: { ...params, source } };
}

export const ruleHandlers: HandlerTable = crudHandlers({
  resource: 'rules',
  noun: 'rule',
  collection: (store) => store.rules,
  schema: ruleBody,
  editable: (r: Rule) => pick(r, EDITABLE),
  build: async (ctx, call, body, stored) => {
    const tenant = call.principal.tenant;
    if (body.targetId !== undefined && (await ctx.store.targets.get(tenant, body.targetId)) === null) {
      throw unprocessable(`targetId names an unknown target`, [{ at: '/targetId', message: `unknown target ${JSON.stringify(body.targetId)}` }]);
    }
    await checkRefs(body.channels, async (id) => (await ctx.store.channels.get(tenant, id)) !== null, 'channels', 'channel');
    // An external Prometheus at a name is held to the detector's guard when the rule runs.
    if (body.kind === 'promql' && body.params.source !== undefined) refuseOutsideNetworks(ctx.allowedNetworks, hostOf(body.params.source.url), '/params/source/url', 'rule body');
    const now = ctx.now();
    const r: Rule = {
      id: stored?.id ?? ctx.newId(),
      tenant,
      name: body.name,
      kind: body.kind,
      params: body.params,
      severity: body.severity,
      channels: body.channels,
      enabled: body.enabled,
      createdAt: stored?.createdAt ?? now,
      updatedAt: now,
    };
    if (body.targetId !== undefined) r.targetId = body.targetId;
    if (body.selector !== undefined) r.selector = body.selector;
    return r;
  },
  beforeUpdate: restoreSecrets,
  present: presentRule,
  nameOf: (r) => r.name,
});
