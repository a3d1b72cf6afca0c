// Metrics explorer: a metric, its target and labels over a chosen range, charted with uPlot from
// /api/metrics/series. When the PromQL API answers (/api/prom/api/v1/query_range), a PromQL query can be
// charted instead; the page asks once and offers it only then.
import { useEffect, useState } from 'preact/hooks';
import { Chart, type ChartSeries } from '../components/Chart.js';
import { Field, FormError, useAction } from '../components/Form.js';
import { get } from '../lib/api.js';
import { textToLabels } from '../lib/format.js';

const RANGES = { '1h': 3_600_000, '6h': 6 * 3_600_000, '24h': 86_400_000, '7d': 7 * 86_400_000 } as const;
type RangeKey = keyof typeof RANGES;
const COLORS = ['#2f81f7', '#2da44e', '#d4a72c', '#cf222e', '#8250df', '#1b7c83'];

interface Series {
  stepMs: number;
  points: Array<{ t: number; avg: number; min: number; max: number; count: number }>;
}

interface PromMatrix {
  status: string;
  data: { resultType: string; result: Array<{ metric: Record<string, string>; values: Array<[number, string]> }> };
}

export function ExplorePage() {
  const [mode, setMode] = useState<'series' | 'promql'>('series');
  const [promAvailable, setPromAvailable] = useState(false);
  const [names, setNames] = useState<string[]>([]);
  const [name, setName] = useState('');
  const [target, setTarget] = useState('');
  const [labels, setLabels] = useState('');
  const [promql, setPromql] = useState('');
  const [range, setRange] = useState<RangeKey>('1h');
  const [chart, setChart] = useState<{ times: number[]; series: ChartSeries[] } | null>(null);
  const { busy, error, run } = useAction();
  useEffect(() => {
    get<{ status: string; data: string[] }>('/api/prom/api/v1/label/__name__/values')
      .then((r) => {
        if (r.status === 'success') {
          setPromAvailable(true);
          setNames(r.data);
        }
      })
      .catch(() => setPromAvailable(false));
  }, []);
  const draw = (e: Event): void => {
    e.preventDefault();
    void run(async () => {
      const to = Date.now();
      const from = to - RANGES[range];
      if (mode === 'promql') {
        const step = Math.max(1, Math.round(RANGES[range] / 1000 / 300));
        const r = await get<PromMatrix>('/api/prom/api/v1/query_range', { query: promql, start: from / 1000, end: to / 1000, step });
        const times = [...new Set(r.data.result.flatMap((s) => s.values.map(([t]) => t * 1000)))].sort((a, b) => a - b);
        const index = new Map(times.map((t, i) => [t, i]));
        const series = r.data.result.slice(0, 12).map((s, k) => {
          const values: Array<number | null> = new Array<number | null>(times.length).fill(null);
          for (const [t, v] of s.values) values[index.get(t * 1000) as number] = Number(v);
          return { label: Object.entries(s.metric).map(([a, b]) => `${a}=${b}`).join(',') || promql, values, color: COLORS[k % COLORS.length] as string };
        });
        setChart({ times, series });
        return;
      }
      if (!name.trim()) throw new Error('Enter a metric name.');
      const params: Record<string, string> = { name: name.trim(), from: new Date(from).toISOString(), to: new Date(to).toISOString() };
      if (target.trim()) params.target = target.trim();
      for (const [k, v] of Object.entries(textToLabels(labels))) params[`label.${k}`] = v;
      const s = await get<Series>('/api/metrics/series', params);
      setChart({
        times: s.points.map((p) => p.t),
        series: [
          { label: 'avg', values: s.points.map((p) => p.avg), color: COLORS[0] as string },
          { label: 'min', values: s.points.map((p) => p.min), color: COLORS[1] as string },
          { label: 'max', values: s.points.map((p) => p.max), color: COLORS[3] as string },
        ],
      });
    });
  };
  return (
    <>
      <div class="page-head">
        <h1>Metrics</h1>
        {promAvailable && (
          <div class="tabs" role="tablist" aria-label="Query mode">
            <button type="button" role="tab" aria-selected={mode === 'series'} onClick={() => setMode('series')}>
              Metric and labels
            </button>
            <button type="button" role="tab" aria-selected={mode === 'promql'} onClick={() => setMode('promql')}>
              PromQL
            </button>
          </div>
        )}
      </div>
      <form class="panel" onSubmit={draw}>
        <FormError error={error} />
        {mode === 'promql' ? (
          <Field label="PromQL query" id="ex-promql">
            <input id="ex-promql" value={promql} onInput={(e) => setPromql(e.currentTarget.value)} placeholder="rate(http_requests_total[5m])" />
          </Field>
        ) : (
          <div class="grid2">
            <Field label="Metric" id="ex-name">
              <input id="ex-name" list="ex-names" value={name} onInput={(e) => setName(e.currentTarget.value)} placeholder="cpu_usage" />
              <datalist id="ex-names">
                {names.map((n) => (
                  <option value={n} />
                ))}
              </datalist>
            </Field>
            <Field label="Target" id="ex-target">
              <input id="ex-target" value={target} onInput={(e) => setTarget(e.currentTarget.value)} />
            </Field>
            <Field label="Labels" id="ex-labels" help="env=prod, region=eu">
              <input id="ex-labels" value={labels} onInput={(e) => setLabels(e.currentTarget.value)} />
            </Field>
          </div>
        )}
        <div class="row">
          <label for="ex-range">Range</label>
          <select id="ex-range" value={range} onChange={(e) => setRange(e.currentTarget.value as RangeKey)}>
            {Object.keys(RANGES).map((r) => (
              <option value={r}>Last {r}</option>
            ))}
          </select>
          <button class="primary" type="submit" disabled={busy}>
            Show chart
          </button>
        </div>
      </form>
      {chart && (
        <div class="panel">
          {chart.times.length === 0 ? <p class="muted">No samples in this range.</p> : <Chart times={chart.times} series={chart.series} title={`Chart of ${mode === 'promql' ? promql : name}`} />}
        </div>
      )}
    </>
  );
}
