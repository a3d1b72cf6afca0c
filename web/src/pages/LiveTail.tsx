// Live tail of logs or security events with the filters of /api/logs: events arrive in per-frame batches,
// a ring keeps the newest 10,000 (flat memory at any rate), and only the visible rows exist in the DOM.
// Pause keeps receiving and counts "N new"; resume shows them; clear empties the view.
import { useMemo, useRef, useState, useEffect } from 'preact/hooks';
import { summary, type AnyEvent } from '../components/EventList.js';
import { dateTime, textToLabels } from '../lib/format.js';
import { Ring } from '../lib/ring.js';
import { useLive } from '../lib/use-live.js';

const CAPACITY = 10_000;
const ROW_H = 22;

interface Filters {
  source: 'logs' | 'events';
  target: string;
  level: string;
  text: string;
  labels: string;
}

function wsFilter(f: Filters): Record<string, string> {
  const out: Record<string, string> = {};
  if (f.target.trim()) out.target = f.target.trim();
  if (f.level) out[f.source === 'logs' ? 'level' : 'severity'] = f.level;
  if (f.text.trim() && f.source === 'logs') out.text = f.text.trim();
  for (const [k, v] of Object.entries(textToLabels(f.labels))) out[`label.${k}`] = v;
  return out;
}

export function LiveTailPage() {
  const [draft, setDraft] = useState<Filters>({ source: 'logs', target: '', level: '', text: '', labels: '' });
  const [filters, setFilters] = useState<Filters>(draft);
  const ring = useMemo(() => new Ring<AnyEvent>(CAPACITY), [filters]);
  const held = useMemo(() => new Ring<AnyEvent>(CAPACITY), [filters]);
  const [paused, setPaused] = useState(false);
  const [, setTick] = useState(0);
  const [follow, setFollow] = useState(true);
  const scroller = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [height, setHeight] = useState(600);
  const pausedRef = useRef(paused);
  pausedRef.current = paused;

  const subs = useMemo(() => [{ channel: filters.source, filter: wsFilter(filters) }], [filters]);
  useLive(
    subs,
    (events) => {
      const items = events.map((e) => e.data as AnyEvent);
      (pausedRef.current ? held : ring).pushAll(items);
      setTick((n) => n + 1);
    },
    () => undefined,
  );

  useEffect(() => {
    const el = scroller.current;
    if (!el) return;
    const ro = new ResizeObserver(() => setHeight(el.clientHeight));
    ro.observe(el);
    return () => ro.disconnect();
  }, []);
  useEffect(() => {
    const el = scroller.current;
    if (el && follow && !paused) el.scrollTop = el.scrollHeight;
  });

  const total = ring.size;
  const first = Math.max(0, Math.floor(scrollTop / ROW_H) - 5);
  const last = Math.min(total, Math.ceil((scrollTop + height) / ROW_H) + 5);
  const rows: Array<{ i: number; e: AnyEvent }> = [];
  for (let i = first; i < last; i++) rows.push({ i, e: ring.at(i) as AnyEvent });
  const resume = (): void => {
    ring.pushAll(held.toArray());
    held.clear();
    setPaused(false);
    setFollow(true);
  };
  const set = (k: keyof Filters) => (e: Event) => setDraft({ ...draft, [k]: (e.currentTarget as HTMLInputElement).value });
  const levels = draft.source === 'logs' ? ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] : ['info', 'low', 'medium', 'high', 'critical'];
  return (
    <>
      <div class="page-head">
        <h1>Live tail</h1>
        <div class="row">
          {paused ? (
            <button class="primary" type="button" onClick={resume}>
              Resume{held.total > 0 ? ` (${held.total} new)` : ''}
            </button>
          ) : (
            <button type="button" onClick={() => setPaused(true)}>
              Pause
            </button>
          )}
          <button
            type="button"
            onClick={() => {
              ring.clear();
              held.clear();
              setTick((n) => n + 1);
            }}
          >
            Clear
          </button>
        </div>
      </div>
      <form
        class="toolbar"
        onSubmit={(e) => {
          e.preventDefault();
          setFilters(draft);
        }}
      >
        <label for="lt-source">Source</label>
        <select id="lt-source" value={draft.source} onChange={(e) => setDraft({ ...draft, source: e.currentTarget.value as Filters['source'], level: '' })}>
          <option value="logs">Logs</option>
          <option value="events">Security events</option>
        </select>
        <label for="lt-target">Target</label>
        <input id="lt-target" value={draft.target} onInput={set('target')} size={14} />
        <label for="lt-level">{draft.source === 'logs' ? 'Level' : 'Severity'}</label>
        <select id="lt-level" value={draft.level} onChange={set('level')}>
          <option value="">Any</option>
          {levels.map((l) => (
            <option value={l}>{l}</option>
          ))}
        </select>
        {draft.source === 'logs' && (
          <>
            <label for="lt-text">Text</label>
            <input id="lt-text" value={draft.text} onInput={set('text')} size={14} />
          </>
        )}
        <label for="lt-labels">Labels</label>
        <input id="lt-labels" value={draft.labels} onInput={set('labels')} placeholder="env=prod" size={14} />
        <button type="submit">Apply filters</button>
      </form>
      <p class="muted" aria-live="polite">
        {paused ? `Paused · ${held.total} new` : 'Streaming'} · {ring.total} received · showing the newest {Math.min(ring.size, CAPACITY)}
      </p>
      <div
        class="tail"
        ref={scroller}
        role="log"
        aria-label="Live events"
        tabIndex={0}
        onScroll={(e) => {
          const el = e.currentTarget;
          setScrollTop(el.scrollTop);
          setFollow(el.scrollTop + el.clientHeight >= el.scrollHeight - ROW_H * 2);
        }}
      >
        <div style={`height:${total * ROW_H}px;position:relative`}>
          {rows.map(({ i, e }) => {
            const s = summary(e);
            return (
              <div class="tail-row" key={e.id} style={`top:${i * ROW_H}px`}>
                <span class="muted">{dateTime(e.ts)}</span> <span class={`lvl lvl-${s.level}`}>{s.level}</span> <b>{e.target}</b> {s.text}
              </div>
            );
          })}
        </div>
        {total === 0 && <p class="muted" style="padding:10px">Waiting for events…</p>}
      </div>
    </>
  );
}
