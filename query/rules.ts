// /api/rules: alert rules with kind-specific params (lib/api/rule-params.ts), scoped to one target of the
// tenant or to a label selector.
import { ruleBody } from '../lib/api/schemas.js';
import { unprocessable } from '../lib/errors/errors.js';
import type { Rule } from '../lib/store/types.js';
import { checkRefs, type HandlerTable } from './context.js';
import { crudHandlers, pick } from './crud.js';

const EDITABLE = ['name', 'kind', 'targetId', 'selector', 'params', 'severity', 'channels', 'enabled'] as const satisfies readonly (keyof Rule)[];

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
  present: (r) => r,
  nameOf: (r) => r.name,
});
