// The 90-segment uptime strip as one small SVG, cheap enough to draw for every row that scrolls into view: a
// run of segments at the same level is one rect, and the 1 px gaps between segments are cut by a CSS mask
// (styles.css, .strip), so a mostly-up strip is a handful of elements instead of 90.
import { segmentLevels, STRIP_SEGMENTS, type Strip as StripData } from '../../../lib/board/strip.js';

const W = 3;
const GAP = 1;

/** Consecutive segments of one level, as [level, first index, count]. */
export function runs(levels: readonly string[]): Array<[string, number, number]> {
  const out: Array<[string, number, number]> = [];
  for (let i = 0; i < levels.length; i++) {
    const l = levels[i] as string;
    const last = out[out.length - 1];
    if (last && last[0] === l) last[2]++;
    else out.push([l, i, 1]);
  }
  return out;
}

export function Strip({ strip, label, current = STRIP_SEGMENTS - 1, height = 18 }: { strip: StripData; label: string; current?: number; height?: number }) {
  return (
    <svg class="strip" width={STRIP_SEGMENTS * (W + GAP)} height={height} role="img" aria-label={label}>
      {runs(segmentLevels(strip, current)).map(([l, i, n]) => (
        <rect key={i} class={l} x={i * (W + GAP)} y={0} width={n * (W + GAP) - GAP} height={height} />
      ))}
    </svg>
  );
}

export function StateBadge({ state }: { state: string }) {
  return <span class={`state ${state}`}>{state}</span>;
}
