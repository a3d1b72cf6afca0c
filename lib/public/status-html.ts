// The public status page as server-rendered HTML (/status/{slug}): readable without JavaScript, by people
// and by search engines. Pure: a PublicStatus in, a document out; every text from the page is escaped.
import type { PublicStatus, PublicTarget } from '../board/wire.js';
import { segmentLevels, STRIP_SEGMENTS } from '../board/strip.js';
import { escapeXml as esc, formatPercent } from './badge.js';

const OVERALL: Record<PublicStatus['overall'], string> = {
  operational: 'All systems operational',
  degraded: 'Some systems are degraded',
  outage: 'Major outage',
  maintenance: 'Scheduled maintenance in progress',
};

const STATE_TEXT: Record<string, string> = { up: 'Operational', down: 'Down', late: 'Degraded', pending: 'Pending', paused: 'Paused', maintenance: 'Maintenance', silenced: 'Degraded' };

export const STATUS_PAGE_CSS = `
:root{color-scheme:light dark;--bg:#f6f7f9;--card:#fff;--fg:#1b1f24;--muted:#57606a;--line:#d0d7de;--up:#1f883d;--down:#cf222e;--warn:#9a6700;--none:#d0d7de;--blue:#0969da}
@media (prefers-color-scheme:dark){:root{--bg:#0d1117;--card:#161b22;--fg:#e6edf3;--muted:#9da7b3;--line:#30363d;--up:#3fb950;--down:#f85149;--warn:#d29922;--none:#30363d;--blue:#58a6ff}}
*{box-sizing:border-box}body{margin:0;font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:var(--bg);color:var(--fg)}
main{max-width:860px;margin:0 auto;padding:32px 16px}h1{font-size:28px;margin:0 0 4px}p.desc{color:var(--muted);margin:0 0 24px}
.overall{padding:16px 20px;border-radius:8px;color:#fff;font-weight:600;margin-bottom:28px}.overall.operational{background:var(--up)}.overall.degraded{background:var(--warn)}.overall.outage{background:var(--down)}.overall.maintenance{background:var(--blue)}
section{background:var(--card);border:1px solid var(--line);border-radius:8px;margin-bottom:20px}section h2{font-size:16px;margin:0;padding:12px 16px;border-bottom:1px solid var(--line)}
.t{padding:12px 16px;border-bottom:1px solid var(--line)}.t:last-child{border-bottom:0}.row{display:flex;justify-content:space-between;gap:12px;align-items:baseline}.name{font-weight:600}
.state{font-size:13px;font-weight:600}.state.up{color:var(--up)}.state.down{color:var(--down)}.state.late,.state.silenced{color:var(--warn)}.state.maintenance{color:var(--blue)}.state.pending,.state.paused{color:var(--muted)}
.strip{display:flex;gap:2px;height:28px;margin:8px 0 4px}.strip i{flex:1;border-radius:2px;background:var(--none)}.strip i.up{background:var(--up)}.strip i.minor{background:#e3b341}.strip i.major{background:#fb8f44}.strip i.down{background:var(--down)}
.meta{display:flex;justify-content:space-between;color:var(--muted);font-size:12px}
.inc{background:var(--card);border:1px solid var(--line);border-left:4px solid var(--down);border-radius:8px;padding:12px 16px;margin-bottom:16px}.inc h3{margin:0 0 6px;font-size:16px}.inc ol{margin:0;padding-left:18px;color:var(--muted);font-size:14px}
footer{color:var(--muted);font-size:12px;text-align:center;margin-top:32px}
`;

function strip(t: PublicTarget): string {
  const levels = segmentLevels(t.strip);
  return `<div class="strip" role="img" aria-label="Uptime over the last ${STRIP_SEGMENTS} days: ${esc(formatPercent(t.uptime['90d']))}">${levels.map((l) => `<i class="${l}"></i>`).join('')}</div>`;
}

export function renderStatusPage(s: PublicStatus, cssHref: string): string {
  const when = (ms: number): string => new Date(ms).toISOString().replace('T', ' ').slice(0, 16) + ' UTC';
  const incidents = s.incidents
    .map((i) => `<article class="inc"><h3>${esc(i.title)}</h3><p>${esc(i.target)} · since ${esc(when(i.openedAt))}</p><ol>${i.updates.map((u) => `<li><time>${esc(when(u.at))}</time> — ${esc(u.message)}</li>`).join('')}</ol></article>`)
    .join('');
  const sections = s.sections
    .map(
      (sec) =>
        `<section><h2>${esc(sec.name)}</h2>${sec.targets
          .map(
            (t) =>
              `<div class="t"><div class="row"><span class="name">${esc(t.name)}</span><span class="state ${t.state}">${esc(STATE_TEXT[t.state] ?? t.state)}</span></div>${strip(t)}<div class="meta"><span>90 days ago</span><span>${esc(formatPercent(t.uptime['90d']))} uptime</span><span>Today</span></div></div>`,
          )
          .join('')}</section>`,
    )
    .join('');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${esc(s.name)} status</title><link rel="stylesheet" href="${esc(cssHref)}"></head><body><main><h1>${esc(s.name)}</h1>${s.description ? `<p class="desc">${esc(s.description)}</p>` : ''}<div class="overall ${s.overall}" role="status">${OVERALL[s.overall]}</div>${incidents}${sections}<footer>Updated ${esc(when(s.generatedAt))} · Powered by Lightwatch</footer></main></body></html>`;
}
