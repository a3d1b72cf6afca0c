// /api/statuspages (admin CRUD of a tenant's public status pages) and GET /api/public/status/{slug}: the
// published page, without credentials. The public answer shows only what the page chose: target names, state
// words, uptime and generic incident updates; never ids, labels, rules or who acknowledged.
import { statusPageBody } from '../lib/api/status-page-schema.js';
import { emptyCounts } from '../lib/board/state.js';
import type { PublicIncident, PublicStatus, PublicTarget } from '../lib/board/wire.js';
import { conflict } from '../lib/errors/errors.js';
import type { StatusPage } from '../lib/store/types.js';
import { boardRows } from './board.js';
import { checkRefs, missing, type HandlerTable, type ServiceContext } from './context.js';
import { crudHandlers, pick } from './crud.js';
import { computeUptime, UPTIME_WINDOWS } from './uptime.js';

const EDITABLE = ['name', 'slug', 'description', 'sections', 'published'] as const satisfies readonly (keyof StatusPage)[];

/** The published page with this slug, whichever tenant owns it. */
export async function findPublishedPage(ctx: ServiceContext, slug: string): Promise<StatusPage | null> {
  return (await ctx.store.statusPages.listAll()).find((p) => p.slug === slug && p.published) ?? null;
}

const crud = crudHandlers({
  resource: 'statuspages',
  noun: 'status page',
  collection: (store) => store.statusPages,
  schema: statusPageBody,
  editable: (p: StatusPage) => pick(p, EDITABLE),
  build: async (ctx, call, body, stored) => {
    const tenant = call.principal.tenant;
    const ids = body.sections.flatMap((s) => s.targetIds);
    await checkRefs(ids, async (id) => (await ctx.store.targets.get(tenant, id)) !== null, 'targetIds', 'target');
    // Slugs are global (public paths carry no tenant); another tenant's slug is a conflict like a name.
    const clash = (await ctx.store.statusPages.listAll()).find((p) => p.slug === body.slug && p.id !== stored?.id);
    if (clash) throw conflict(`the slug ${JSON.stringify(body.slug)} is taken`);
    const now = ctx.now();
    return { id: stored?.id ?? ctx.newId(), tenant, name: body.name, slug: body.slug, description: body.description, sections: body.sections, published: body.published, createdAt: stored?.createdAt ?? now, updatedAt: now };
  },
  present: (p) => p,
  nameOf: (p) => p.name,
});

const PUBLIC_UPDATE: Record<string, string> = {
  opened: 'Investigating: we are aware of a problem and looking into it.',
  escalated: 'Investigating: we are aware of a problem and looking into it.',
  reopened: 'The problem has returned; we are investigating.',
  acknowledged: 'Identified: our team is working on it.',
  resolved: 'Resolved: the service is operating normally.',
};

async function publicStatus(ctx: ServiceContext, page: StatusPage): Promise<PublicStatus> {
  const ids = [...new Set(page.sections.flatMap((s) => s.targetIds))];
  const { window, rows, spans, maintenance, targets } = await boardRows(ctx, page.tenant, 'day', ids);
  const now = ctx.now();
  const created = new Map(targets.map((t) => [t.id, t]));
  const byId = new Map<string, PublicTarget>();
  for (const r of rows) {
    const t = created.get(r.id);
    const uptime = {} as PublicTarget['uptime'];
    for (const [w, ms] of Object.entries(UPTIME_WINDOWS) as Array<[keyof typeof UPTIME_WINDOWS, number]>) {
      uptime[w] = computeUptime({ from: now - ms, to: now, now, createdAt: t?.createdAt, incidents: spans.get(r.id) ?? [], maintenance: maintenance.get(r.id) ?? [], slaTarget: t?.slaTarget }).uptimePercent;
    }
    byId.set(r.id, { name: r.name, state: r.state, uptime, strip: r.strip });
  }
  const counts = emptyCounts();
  for (const r of rows) counts[r.state]++;
  const overall: PublicStatus['overall'] = counts.down > 0 ? (counts.down === rows.length ? 'outage' : 'degraded') : counts.late + counts.silenced > 0 ? 'degraded' : counts.maintenance > 0 ? 'maintenance' : 'operational';
  const incidents: PublicIncident[] = [];
  for (const r of rows) {
    if (!r.incident || r.incident.status === 'pending') continue;
    const full = await ctx.store.getIncident(page.tenant, r.incident.id);
    const updates = (full?.timeline ?? [])
      .filter((e) => Object.hasOwn(PUBLIC_UPDATE, e.type))
      .map((e) => ({ at: e.at, status: e.type, message: PUBLIC_UPDATE[e.type] as string }))
      .reverse();
    incidents.push({ title: r.incident.title, target: r.name, status: r.incident.status, openedAt: r.incident.openedAt, updates });
  }
  return {
    slug: page.slug,
    name: page.name,
    description: page.description,
    generatedAt: now,
    stripStart: window.start,
    overall,
    sections: page.sections.map((s) => ({ name: s.name, targets: s.targetIds.map((id) => byId.get(id)).filter((t): t is PublicTarget => t !== undefined) })),
    incidents,
  };
}

export const statusPageHandlers: HandlerTable = {
  ...crud,
  'public:action:status': {
    run: async (ctx, call) => {
      const page = await findPublishedPage(ctx, call.id);
      if (!page) throw missing('status page', call.id);
      return { body: await publicStatus(ctx, page) };
    },
  },
};
