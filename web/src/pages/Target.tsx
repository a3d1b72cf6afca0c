// One target: state, uptime/SLA/error budget over 24 h, 7 d, 30 d, 90 d or a chosen range, a latency (or
// ping interval) chart, its incidents, recent events with infinite scroll, pause/resume, edit and delete.
import { useEffect, useMemo, useState } from 'preact/hooks';
import type { Board, BoardTarget } from '../../../lib/board/wire.js';
import { Chart } from '../components/Chart.js';
import { EventList, type AnyEvent } from '../components/EventList.js';
import { FormError, useAction } from '../components/Form.js';
import { StateBadge } from '../components/Strip.js';
import { api, get, type Page } from '../lib/api.js';
import { dateTime, duration, labelsToText, percent } from '../lib/format.js';
import { navigate } from '../lib/router.js';
import { useFetch } from '../lib/use-fetch.js';

interface Target {
  id: string;
  name: string;
  kind: string;
  labels: Record<string, string>;
  paused: boolean;
  slaTarget?: number;
  heartbeat?: { intervalSec?: number; cron?: string; timezone?: string; graceSec?: number };
  http?: { url: string; intervalSec: number };
  createdAt: number;
  [k: string]: unknown;
}

interface Uptime {
  uptimePercent: number | null;
  downtimeMs: number;
  incidentCount: number;
  mttrMs: number | null;
  slaTarget: number | null;
  errorBudget: { allowedDowntimeMs: number; remainingMs: number; remainingPercent: number | null } | null;
}

export interface IncidentSummary {
  id: string;
  targetId: string;
  status: string;
  severity: string;
  title: string;
  openedAt: number;
  resolvedAt?: number;
  acknowledgedBy?: string;
}

const WINDOWS = ['24h', '7d', '30d', '90d'] as const;

function UptimeCard({ id, window, from, to }: { id: string; window?: string; from?: string; to?: string }) {
  const { data, error } = useFetch<Uptime>(`/api/targets/${encodeURIComponent(id)}/uptime`, window ? { window } : { from, to });
  return (
    <div class="card">
      <div class="small">{window ? `Last ${window}` : 'Chosen range'}</div>
      {error ? (
        <div class="error">{error.message}</div>
      ) : (
        <>
          <div class="big">{percent(data?.uptimePercent)}</div>
          <div class="small">
            {data ? `${duration(data.downtimeMs)} down · ${data.incidentCount} incident${data.incidentCount === 1 ? '' : 's'}` : '…'}
            {data?.mttrMs !== null && data?.mttrMs !== undefined ? ` · MTTR ${duration(data.mttrMs)}` : ''}
          </div>
          {data?.errorBudget && (
            <div class="small">
              SLA {data.slaTarget}% · budget left {duration(data.errorBudget.remainingMs)} ({percent(data.errorBudget.remainingPercent, 1)})
            </div>
          )}
        </>
      )}
    </div>
  );
}

function TargetChart({ t }: { t: Target }) {
  const [events, setEvents] = useState<AnyEvent[] | null>(null);
  // Every check kind (http, tcp, …, scrape) writes check results; heartbeat targets have pings.
  const collection = t.kind === 'heartbeat' ? 'heartbeats' : 'checks';
  useEffect(() => {
    const ctl = new AbortController();
    get<Page<AnyEvent>>(`/api/${collection}`, { target: t.name, limit: 500, from: new Date(Date.now() - 86_400_000).toISOString() }, ctl.signal)
      .then((p) => setEvents(p.items.slice().reverse()))
      .catch(() => setEvents([]));
    return () => ctl.abort();
  }, [t.name, collection]);
  const data = useMemo(() => {
    if (!events || events.length === 0) return null;
    if (collection === 'checks') return { times: events.map((e) => e.ts), series: [{ label: 'Latency', values: events.map((e) => Number(e.body.latencyMs)), color: '#2f81f7', unit: ' ms' }] };
    const times = events.slice(1).map((e) => e.ts);
    return { times, series: [{ label: 'Seconds since previous ping', values: events.slice(1).map((e, i) => (e.ts - (events[i] as AnyEvent).ts) / 1000), color: '#2da44e', unit: ' s' }] };
  }, [events]);
  return (
    <div class="panel">
      <h2>{collection === 'checks' ? 'Check latency, last 24 hours' : 'Ping intervals, last 24 hours'}</h2>
      {events === null ? <p class="muted">Loading…</p> : data ? <Chart times={data.times} series={data.series} title={collection === 'checks' ? 'Check latency chart' : 'Ping interval chart'} /> : <p class="muted">No data in the last 24 hours.</p>}
    </div>
  );
}

/** "ping every 1m (grace 30s)" or "cron 0 3 * * * (Europe/Berlin), grace 1h". */
function heartbeatSchedule(h: NonNullable<Target['heartbeat']>): string {
  const grace = h.graceSec !== undefined ? ` (grace ${duration(h.graceSec * 1000)})` : '';
  if (h.cron) return `cron ${h.cron}${h.timezone ? ` in ${h.timezone}` : ''}${grace}`;
  return `ping every ${duration((h.intervalSec ?? 0) * 1000)}${grace}`;
}

export function TargetPage({ id }: { id: string }) {
  const { data: t, error, reload } = useFetch<Target>(`/api/targets/${encodeURIComponent(id)}`);
  const { data: incidents, reload: reloadIncidents } = useFetch<Page<IncidentSummary>>('/api/incidents', { target: id, limit: 20 });
  const { data: board } = useFetch<Board>('/api/board');
  const [range, setRange] = useState<{ from: string; to: string } | null>(null);
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [tab, setTab] = useState('logs');
  const action = useAction();
  const row: BoardTarget | undefined = board?.targets.find((b) => b.id === id);
  if (error) return <div class="form-error">{error.message}</div>;
  if (!t) return <p class="muted">Loading…</p>;
  const open = incidents?.items.find((i) => i.status === 'open' || i.status === 'pending');
  const setPaused = (paused: boolean): Promise<void> =>
    action.run(async () => {
      await api('PATCH', `/api/targets/${encodeURIComponent(id)}`, { paused });
      reload();
    });
  return (
    <>
      <div class="page-head">
        <div>
          <div class="muted">
            <a href="/">Status board</a> / target
          </div>
          <h1>
            {t.name} {row && <StateBadge state={row.state} />}
          </h1>
          <div class="muted">
            {t.kind}
            {t.heartbeat ? ` · ${heartbeatSchedule(t.heartbeat)}` : ''}
            {row?.nextPingExpectedAt !== undefined && row.nextPingExpectedAt < Number.MAX_SAFE_INTEGER ? ` · next ping expected ${dateTime(row.nextPingExpectedAt)}` : ''}
            {t.http ? ` · ${t.http.url} every ${duration(t.http.intervalSec * 1000)}` : ''}
            {Object.keys(t.labels).length > 0 ? ` · ${labelsToText(t.labels)}` : ''}
          </div>
        </div>
        <div class="row">
          {open && (
            <button
              class="primary"
              type="button"
              disabled={action.busy}
              onClick={() =>
                void action.run(async () => {
                  await api('POST', `/api/incidents/${encodeURIComponent(open.id)}/ack`, {});
                  reloadIncidents();
                })
              }
            >
              Acknowledge
            </button>
          )}
          {t.paused ? (
            <button type="button" onClick={() => void setPaused(false)} disabled={action.busy}>
              Resume
            </button>
          ) : (
            <button type="button" onClick={() => void setPaused(true)} disabled={action.busy}>
              Pause
            </button>
          )}
          <a class="button" href={`/settings/targets?edit=${encodeURIComponent(id)}`}>
            Edit
          </a>
          <button
            type="button"
            class="danger"
            onClick={() =>
              confirm(`Delete target ${t.name}? Its history stays; monitoring stops.`) &&
              void action.run(async () => {
                await api('DELETE', `/api/targets/${encodeURIComponent(id)}`);
                navigate('/');
              })
            }
          >
            Delete
          </button>
        </div>
      </div>
      <FormError error={action.error} />
      <div class="cards">
        {WINDOWS.map((w) => (
          <UptimeCard id={id} window={w} key={w} />
        ))}
        {range && <UptimeCard id={id} from={range.from} to={range.to} key={`${range.from}-${range.to}`} />}
      </div>
      <form
        class="toolbar"
        onSubmit={(e) => {
          e.preventDefault();
          if (from) setRange({ from: new Date(from).toISOString(), to: to ? new Date(to).toISOString() : new Date().toISOString() });
        }}
      >
        <label for="range-from">From</label>
        <input id="range-from" type="datetime-local" value={from} onInput={(e) => setFrom(e.currentTarget.value)} />
        <label for="range-to">To</label>
        <input id="range-to" type="datetime-local" value={to} onInput={(e) => setTo(e.currentTarget.value)} />
        <button type="submit">Show uptime for range</button>
      </form>
      <TargetChart t={t} />
      <div class="panel">
        <h2>Incidents</h2>
        {incidents && incidents.items.length === 0 ? (
          <p class="muted">No incidents.</p>
        ) : (
          <table aria-label="Incidents of this target">
            <thead>
              <tr>
                <th scope="col">Opened</th>
                <th scope="col">Status</th>
                <th scope="col">Title</th>
                <th scope="col">Duration</th>
              </tr>
            </thead>
            <tbody>
              {incidents?.items.map((i) => (
                <tr key={i.id}>
                  <td class="mono">{dateTime(i.openedAt)}</td>
                  <td>
                    <StateBadge state={i.status} />
                  </td>
                  <td class="wrap">
                    <a href={`/incidents/${encodeURIComponent(i.id)}`}>{i.title}</a>
                  </td>
                  <td>{duration((i.resolvedAt ?? Date.now()) - i.openedAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </div>
      <div class="panel">
        <h2>Recent events</h2>
        <div class="tabs" role="tablist" aria-label="Event kind">
          {['logs', 'checks', 'heartbeats', 'events'].map((c) => (
            <button type="button" role="tab" aria-selected={tab === c} onClick={() => setTab(c)}>
              {c === 'events' ? 'security' : c}
            </button>
          ))}
        </div>
        <EventList collection={tab} target={t.name} />
      </div>
    </>
  );
}
