// Incidents: the list with filters (status, target, time) over the cursor API, and one incident with its
// timeline, evidence, notification audit and the Acknowledge / Silence / Resolve (where the rule allows it) actions.
import { useEffect, useMemo, useState } from 'preact/hooks';
import { Field, FormError, useAction } from '../components/Form.js';
import { StateBadge } from '../components/Strip.js';
import { api, get, type Page } from '../lib/api.js';
import { dateTime, duration } from '../lib/format.js';
import { useFetch } from '../lib/use-fetch.js';
import type { IncidentSummary } from './Target.js';

interface TargetLite {
  id: string;
  name: string;
  labels: Record<string, string>;
}

const SINCE = { '': 'Any time', '24h': 'Last 24 hours', '7d': 'Last 7 days', '30d': 'Last 30 days', custom: 'Custom range' } as const;
const SINCE_MS: Record<string, number> = { '24h': 86_400_000, '7d': 7 * 86_400_000, '30d': 30 * 86_400_000 };

export function IncidentsPage() {
  const [status, setStatus] = useState('');
  const [target, setTarget] = useState('');
  const [since, setSince] = useState<keyof typeof SINCE>('');
  const [rangeFrom, setRangeFrom] = useState('');
  const [rangeTo, setRangeTo] = useState('');
  const [items, setItems] = useState<IncidentSummary[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const { data: targets } = useFetch<Page<TargetLite>>('/api/targets');
  const names = useMemo(() => new Map((targets?.items ?? []).map((t) => [t.id, t.name])), [targets]);
  const load = async (c: string | null, reset: boolean): Promise<void> => {
    try {
      // The time filter runs on the server (incidents active at some time in [from, to)), so paging stays exact.
      const custom = since === 'custom';
      const from = custom ? (rangeFrom ? new Date(rangeFrom).getTime() : undefined) : since ? Date.now() - (SINCE_MS[since] ?? 0) : undefined;
      const to = custom && rangeTo ? new Date(rangeTo).getTime() : undefined;
      const p = await get<Page<IncidentSummary>>('/api/incidents', { status, target: target.trim(), from, to, limit: 100, cursor });
      setItems((prev) => (reset ? p.items : [...prev, ...p.items]));
      setCursor(p.nextCursor);
      setError(null);
    } catch (e) {
      setError((e as Error).message);
    }
  };
  useEffect(() => void load(null, true), [status, target, since, rangeFrom, rangeTo]);
  const shown = items;
  return (
    <>
      <div class="page-head">
        <h1>Incidents</h1>
      </div>
      <div class="toolbar">
        <label for="inc-status">Status</label>
        <select id="inc-status" value={status} onChange={(e) => setStatus(e.currentTarget.value)}>
          <option value="">All</option>
          <option value="pending,open,acknowledged">Not resolved</option>
          <option value="open">Open</option>
          <option value="acknowledged">Acknowledged</option>
          <option value="pending">Pending</option>
          <option value="resolved">Resolved</option>
        </select>
        <label for="inc-target">Target</label>
        <input id="inc-target" list="inc-targets" value={target} onChange={(e) => setTarget(e.currentTarget.value)} placeholder="name or id" />
        <datalist id="inc-targets">
          {targets?.items.map((t) => (
            <option value={t.name} />
          ))}
        </datalist>
        <label for="inc-since">Active during</label>
        <select id="inc-since" value={since} onChange={(e) => setSince(e.currentTarget.value as keyof typeof SINCE)}>
          {Object.entries(SINCE).map(([k, v]) => (
            <option value={k}>{v}</option>
          ))}
        </select>
        {since === 'custom' && (
          <>
            <label for="inc-from">From</label>
            <input id="inc-from" type="datetime-local" value={rangeFrom} onChange={(e) => setRangeFrom(e.currentTarget.value)} />
            <label for="inc-to">To</label>
            <input id="inc-to" type="datetime-local" value={rangeTo} onChange={(e) => setRangeTo(e.currentTarget.value)} />
          </>
        )}
      </div>
      {error && <div class="form-error">{error}</div>}
      <div class="table-wrap">
        <table aria-label="Incidents">
          <thead>
            <tr>
              <th scope="col">Opened</th>
              <th scope="col">Status</th>
              <th scope="col">Severity</th>
              <th scope="col">Target</th>
              <th scope="col">Title</th>
              <th scope="col">Duration</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((i) => (
              <tr key={i.id}>
                <td class="mono">{dateTime(i.openedAt)}</td>
                <td>
                  <StateBadge state={i.status} />
                </td>
                <td>
                  <StateBadge state={i.severity} />
                </td>
                <td>
                  <a href={`/targets/${encodeURIComponent(i.targetId)}`}>{names.get(i.targetId) ?? i.targetId}</a>
                </td>
                <td class="wrap">
                  <a href={`/incidents/${encodeURIComponent(i.id)}`}>{i.title}</a>
                </td>
                <td>{duration((i.resolvedAt ?? Date.now()) - i.openedAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {shown.length === 0 && <p class="muted" style="padding:0 10px">No incidents match.</p>}
      </div>
      {cursor && (
        <p>
          <button type="button" onClick={() => void load(cursor, false)}>
            Load older incidents
          </button>
        </p>
      )}
    </>
  );
}

interface IncidentDetail extends IncidentSummary {
  ruleId: string;
  acknowledgedAt?: number;
  reopenCount: number;
  /** Whether the rule lets people resolve it by hand. */
  manualResolve: boolean;
  timeline: Array<{ at: number; type: string; message: string; evidence?: unknown[]; actor?: string }>;
  notifications: Array<{ key: string; channelId: string; transition: string; status: string; attempts: Array<{ at: number; ok: boolean; status?: number; error?: string; durationMs: number }> }>;
}

const DURATIONS = [
  ['1h', 3_600_000],
  ['4h', 4 * 3_600_000],
  ['24h', 86_400_000],
  ['7d', 7 * 86_400_000],
] as const;

function SilenceForm({ incident, target, onDone }: { incident: IncidentDetail; target: TargetLite | undefined; onDone: () => void }) {
  const [dur, setDur] = useState<string>('4h');
  const initial = [`target=${target?.name ?? incident.targetId}`, ...Object.entries(target?.labels ?? {}).map(([k, v]) => `${k}=${v}`)].join('\n');
  const [matchers, setMatchers] = useState(initial);
  const [comment, setComment] = useState(`Silenced from incident ${incident.title}`);
  const { busy, error, run } = useAction();
  return (
    <form
      class="panel"
      onSubmit={(e) => {
        e.preventDefault();
        void run(async () => {
          const ms = DURATIONS.find(([k]) => k === dur)?.[1] ?? 3_600_000;
          const list = matchers
            .split('\n')
            .map((l) => l.trim())
            .filter(Boolean)
            .map((l) => {
              const m = /^([^=!~]+)(=~|!~|!=|=)(.*)$/.exec(l);
              if (!m) throw new Error(`Matcher "${l}" is not name=value (or !=, =~, !~).`);
              return { name: (m[1] as string).trim(), op: m[2], value: (m[3] as string).trim() };
            });
          await api('POST', '/api/silences', { matchers: list, endsAt: Date.now() + ms, comment });
          onDone();
        });
      }}
    >
      <h2>Silence notifications</h2>
      <FormError error={error} />
      <Field label="Duration" id="sil-dur">
        <select id="sil-dur" value={dur} onChange={(e) => setDur(e.currentTarget.value)}>
          {DURATIONS.map(([k]) => (
            <option value={k}>{k}</option>
          ))}
        </select>
      </Field>
      <Field label="Matchers" id="sil-matchers" help="One per line: label=value, target=name, severity=critical; also !=, =~ and !~ (regex). All must match.">
        <textarea id="sil-matchers" value={matchers} onInput={(e) => setMatchers(e.currentTarget.value)} />
      </Field>
      <Field label="Comment" id="sil-comment">
        <input id="sil-comment" value={comment} onInput={(e) => setComment(e.currentTarget.value)} />
      </Field>
      <button class="primary" type="submit" disabled={busy}>
        Create silence
      </button>
    </form>
  );
}

export function IncidentPage({ id }: { id: string }) {
  const { data: inc, error, reload } = useFetch<IncidentDetail>(`/api/incidents/${encodeURIComponent(id)}`);
  const { data: targets } = useFetch<Page<TargetLite>>('/api/targets');
  const { data: channels } = useFetch<Page<{ id: string; name: string; kind: string }>>('/api/channels');
  const [silencing, setSilencing] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  const action = useAction();
  if (error) return <div class="form-error">{error.message}</div>;
  if (!inc) return <p class="muted">Loading…</p>;
  const target = targets?.items.find((t) => t.id === inc.targetId);
  const channelName = (cid: string): string => channels?.items.find((c) => c.id === cid)?.name ?? cid;
  const active = inc.status !== 'resolved';
  return (
    <>
      <div class="page-head">
        <div>
          <div class="muted">
            <a href="/incidents">Incidents</a> / incident
          </div>
          <h1>{inc.title}</h1>
          <div class="row" style="margin-top:6px">
            <StateBadge state={inc.status} />
            <StateBadge state={inc.severity} />
            <span class="muted">
              on <a href={`/targets/${encodeURIComponent(inc.targetId)}`}>{target?.name ?? inc.targetId}</a> · opened {dateTime(inc.openedAt)} · {duration((inc.resolvedAt ?? Date.now()) - inc.openedAt)}
              {inc.acknowledgedBy ? ` · acknowledged by ${inc.acknowledgedBy}` : ''}
            </span>
          </div>
        </div>
        <div class="row">
          {active && (
            <button
              class="primary"
              type="button"
              disabled={action.busy || inc.status === 'acknowledged'}
              onClick={() =>
                void action.run(async () => {
                  await api('POST', `/api/incidents/${encodeURIComponent(id)}/ack`, {});
                  setNotice('Acknowledged.');
                  reload();
                })
              }
            >
              Acknowledge
            </button>
          )}
          {active && inc.manualResolve && inc.status !== 'pending' && (
            <button
              type="button"
              disabled={action.busy}
              onClick={() =>
                void action.run(async () => {
                  await api('POST', `/api/incidents/${encodeURIComponent(id)}/resolve`, {});
                  setNotice('Resolved.');
                  reload();
                })
              }
            >
              Resolve
            </button>
          )}
          <button type="button" aria-expanded={silencing} onClick={() => setSilencing(!silencing)}>
            Silence
          </button>
        </div>
      </div>
      <FormError error={action.error} />
      {notice && (
        <div class="callout" role="status">
          {notice}
        </div>
      )}
      {silencing && (
        <SilenceForm
          incident={inc}
          target={target}
          onDone={() => {
            setSilencing(false);
            setNotice('Silence created: matching notifications are muted until it ends.');
          }}
        />
      )}
      <div class="grid2">
        <div class="panel">
          <h2>Timeline</h2>
          <ol class="timeline">
            {inc.timeline.map((e) => (
              <li>
                <div>
                  <b>{e.type}</b> <span class="muted mono">{dateTime(e.at)}</span>
                </div>
                <div>{e.message}</div>
                {e.evidence && e.evidence.length > 0 && (
                  <details>
                    <summary>Evidence ({e.evidence.length})</summary>
                    <pre>{JSON.stringify(e.evidence, null, 2)}</pre>
                  </details>
                )}
              </li>
            ))}
          </ol>
        </div>
        <div class="panel">
          <h2>Notification audit</h2>
          {inc.notifications.length === 0 ? (
            <p class="muted">No notifications were sent for this incident.</p>
          ) : (
            <table aria-label="Notification audit">
              <thead>
                <tr>
                  <th scope="col">Channel</th>
                  <th scope="col">Transition</th>
                  <th scope="col">Status</th>
                  <th scope="col">Attempts</th>
                </tr>
              </thead>
              <tbody>
                {inc.notifications.map((n) => (
                  <tr key={n.key}>
                    <td>{channelName(n.channelId)}</td>
                    <td>{n.transition}</td>
                    <td>
                      <StateBadge state={n.status} />
                    </td>
                    <td class="wrap">
                      {n.attempts.map((a) => (
                        <div class="mono">
                          {dateTime(a.at)} {a.ok ? 'ok' : 'failed'}
                          {a.status !== undefined ? ` HTTP ${a.status}` : ''} {Math.round(a.durationMs)} ms{a.error ? ` — ${a.error}` : ''}
                        </div>
                      ))}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </div>
      </div>
    </>
  );
}
