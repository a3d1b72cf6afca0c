// The one machine-readable line every benchmark prints last, so `npm run bench` can run each several times
// and put median and min–max of every figure in one table.

export interface Figure {
  /** What was measured, e.g. `ingest http events/s`. */
  name: string;
  value: number;
  unit: string;
  /** The goal as text, e.g. `≥ 0.5× raw XADD`; empty when the figure is informational. */
  goal?: string;
  /** Whether the goal was met in this run (undefined when there is no goal). */
  met?: boolean;
}

export const RESULT_PREFIX = 'BENCH_RESULT ';

export function reportFigures(bench: string, figures: Figure[]): void {
  process.stdout.write(`${RESULT_PREFIX}${JSON.stringify({ bench, figures })}\n`);
}

export function parseResults(output: string): Array<{ bench: string; figures: Figure[] }> {
  return output
    .split('\n')
    .filter((l) => l.startsWith(RESULT_PREFIX))
    .map((l) => JSON.parse(l.slice(RESULT_PREFIX.length)) as { bench: string; figures: Figure[] });
}
