// Shields-style SVG badges ("label | message") for a target on a public status page. Pure: text in, SVG out;
// every text is escaped, widths come from a per-character estimate of 11px Verdana (as shields.io does).
import type { TargetState } from '../board/state.js';

const COLORS = { green: '#2e7d32', yellow: '#b26a00', red: '#c62828', grey: '#616161', blue: '#1565c0' } as const;
export type BadgeColor = keyof typeof COLORS;

export function escapeXml(s: string): string {
  return s.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

/** Approximate advance of 11px Verdana per character: narrow, wide and the rest. */
function textWidth(s: string): number {
  let w = 0;
  for (const ch of s) w += /[ilj.,:;|!'I1 ]/.test(ch) ? 3.9 : /[mwMW@%]/.test(ch) ? 10.5 : /[A-Z0-9]/.test(ch) ? 7.6 : 6.6;
  return Math.ceil(w);
}

export function badgeSvg(label: string, message: string, color: BadgeColor): string {
  const l = label.slice(0, 60);
  const m = message.slice(0, 40);
  const lw = textWidth(l) + 12;
  const mw = textWidth(m) + 12;
  const w = lw + mw;
  const title = escapeXml(`${l}: ${m}`);
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="20" role="img" aria-label="${title}"><title>${title}</title>` +
    `<linearGradient id="s" x2="0" y2="100%"><stop offset="0" stop-color="#bbb" stop-opacity=".1"/><stop offset="1" stop-opacity=".1"/></linearGradient>` +
    `<clipPath id="r"><rect width="${w}" height="20" rx="3" fill="#fff"/></clipPath>` +
    `<g clip-path="url(#r)"><rect width="${lw}" height="20" fill="#555"/><rect x="${lw}" width="${mw}" height="20" fill="${COLORS[color]}"/><rect width="${w}" height="20" fill="url(#s)"/></g>` +
    `<g fill="#fff" text-anchor="middle" font-family="Verdana,Geneva,DejaVu Sans,sans-serif" font-size="11">` +
    `<text x="${lw / 2}" y="15" fill="#010101" fill-opacity=".3">${escapeXml(l)}</text><text x="${lw / 2}" y="14">${escapeXml(l)}</text>` +
    `<text x="${lw + mw / 2}" y="15" fill="#010101" fill-opacity=".3">${escapeXml(m)}</text><text x="${lw + mw / 2}" y="14">${escapeXml(m)}</text></g></svg>`
  );
}

export function stateColor(state: TargetState): BadgeColor {
  switch (state) {
    case 'up':
      return 'green';
    case 'down':
      return 'red';
    case 'late':
    case 'silenced':
      return 'yellow';
    case 'maintenance':
      return 'blue';
    default:
      return 'grey';
  }
}

export function uptimeColor(percent: number | null): BadgeColor {
  if (percent === null) return 'grey';
  if (percent >= 99.9) return 'green';
  if (percent >= 99) return 'yellow';
  return 'red';
}

/** `99.95%` style: up to 3 decimals, no trailing zeros; `100%` when nothing was down. */
export function formatPercent(percent: number | null): string {
  if (percent === null) return 'no data';
  return `${Number(percent.toFixed(percent >= 99 ? 3 : 2))}%`;
}
