// A uPlot time-series chart (the library Grafana draws with): canvas rendering, tiny, fast with many points.
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { useEffect, useRef } from 'preact/hooks';

export interface ChartSeries {
  label: string;
  values: Array<number | null>;
  color: string;
  unit?: string;
}

export function Chart({ times, series, title }: { times: number[]; series: ChartSeries[]; title: string }) {
  const el = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const host = el.current;
    if (!host) return;
    const opts: uPlot.Options = {
      width: Math.max(300, host.clientWidth),
      height: 260,
      // One point alone would stretch the axis over years: pad a lone instant by an hour each side.
      scales: { x: { time: true, range: (_u, min, max) => (min === max ? [min - 3600, max + 3600] : [min, max]) } },
      axes: [{ stroke: 'currentColor', grid: { stroke: '#8884' } }, { stroke: 'currentColor', grid: { stroke: '#8884' }, size: 60 }],
      series: [{}, ...series.map((s) => ({ label: s.label, stroke: s.color, width: 1.5, points: { show: times.length < 60 }, value: (_u: uPlot, v: number | null) => (v === null ? '—' : `${Number(v.toFixed(3))}${s.unit ?? ''}`) }))],
    };
    const data = [times.map((t) => t / 1000), ...series.map((s) => s.values)] as uPlot.AlignedData;
    const plot = new uPlot(opts, data, host);
    const ro = new ResizeObserver(() => plot.setSize({ width: Math.max(300, host.clientWidth), height: 260 }));
    ro.observe(host);
    return () => {
      ro.disconnect();
      plot.destroy();
    };
  }, [times, series]);
  return <div class="chart" ref={el} role="img" aria-label={title} />;
}
