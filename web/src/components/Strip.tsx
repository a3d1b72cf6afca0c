// The 90-segment uptime strip as one small SVG (cheap to draw for every visible row).
import { segmentLevels, STRIP_SEGMENTS, type Strip as StripData } from '../../../lib/board/strip.js';

const W = 3;
const GAP = 1;

export function Strip({ strip, label, current = STRIP_SEGMENTS - 1, height = 18 }: { strip: StripData; label: string; current?: number; height?: number }) {
  const levels = segmentLevels(strip, current);
  return (
    <svg class="strip" width={STRIP_SEGMENTS * (W + GAP)} height={height} role="img" aria-label={label}>
      {levels.map((l, i) => (
        <rect key={i} class={l} x={i * (W + GAP)} y={0} width={W} height={height} rx={1} />
      ))}
    </svg>
  );
}

export function StateBadge({ state }: { state: string }) {
  return <span class={`state ${state}`}>{state}</span>;
}
