// The status board (home page): counts per state, filter/sort/group, a table with one row per target, and
// live state changes from /ws incidents and heartbeats. Above a few hundred rows only the visible rows are
// in the DOM (fixed row height), so 10,000 targets filter and scroll without long tasks.
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { TARGET_STATES, type TargetState } from '../../../lib/board/state.js';
import type { BoardTarget } from '../../../lib/board/wire.js';
import { STRIP_SEGMENTS, stripUptime } from '../../../lib/board/strip.js';
import { Strip, StateBadge } from '../components/Strip.js';
import { BoardStore } from '../lib/board-store.js';
import { countStates, groupRows, labelNames, SortedRows, SORT_KEYS, type SortKey } from '../lib/board-model.js';
import { ago, latency, percent } from '../lib/format.js';
import { useLive } from '../lib/use-live.js';

const ROW_H = 41;
const VIRTUAL_ABOVE = 300;
const OVERSCAN = 10;
/** Live changes re-render the board at most this often. */
const RENDER_EVERY_MS = 250;

type Item = { type: 'group'; key: string; label: string; count: number } | { type: 'row'; t: BoardTarget };

const SUBS = [{ channel: 'incidents' }, { channel: 'heartbeats' }];

export function BoardPage() {
  const store = useMemo(() => new BoardStore(), []);
  const [, setVersion] = useState(0);
  const [bucket, setBucket] = useState<'hour' | 'day'>(() => (localStorage.getItem('lightwatch.bucket') === 'day' ? 'day' : 'hour'));
  const [text, setText] = useState('');
  const [states, setStates] = useState<Set<TargetState>>(new Set());
  const [sort, setSort] = useState<SortKey>('state');
  const [groupBy, setGroupBy] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [now, setNow] = useState(Date.now());
  const pending = useRef<Array<{ kind: 'incident' | 'heartbeat'; data: unknown }> | null>([]);

  const reload = (): void => {
    const ctl = new AbortController();
    pending.current = [];
    store
      .load(bucket, ctl.signal)
      .then(() => {
        // Events that arrived while the board loaded apply on top of it.
        const held = pending.current ?? [];
        pending.current = null;
        const since = store.board?.now ?? 0;
        store.apply(held.filter((e) => (e.data as { ts: number }).ts >= since - 1000));
        setError(null);
      })
      .catch((err: Error) => {
        if (err.name !== 'AbortError') setError(err.message);
      });
  };
  // Under a stream of live changes the page re-renders at most every RENDER_EVERY_MS (each render re-places the
  // changed targets in the sorted rows); the first change after a quiet spell shows at once.
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    let last = 0;
    const render = (): void => {
      timer = undefined;
      last = performance.now();
      setVersion(store.version);
    };
    const off = store.subscribe(() => {
      if (timer !== undefined) return;
      const wait = last + RENDER_EVERY_MS - performance.now();
      if (wait <= 0) render();
      else timer = setTimeout(render, wait);
    });
    return () => {
      off();
      clearTimeout(timer);
    };
  }, [store]);
  useEffect(reload, [bucket]);
  useEffect(() => {
    const t = setInterval(() => {
      setNow(Date.now());
      store.sweep();
    }, 1000);
    return () => clearInterval(t);
  }, [store]);

  useLive(
    SUBS,
    (events) => {
      const mapped = events.map((e) => ({ kind: e.sub === 0 ? ('incident' as const) : ('heartbeat' as const), data: e.data }));
      if (pending.current) pending.current.push(...mapped);
      else store.apply(mapped);
    },
    reload,
  );

  const board = store.board;
  const targets = board?.targets ?? [];
  // A live flush re-places only the targets it changed; a new query or board sorts everything again.
  const sorted = useMemo(() => new SortedRows(), []);
  const rows = useMemo(() => sorted.update(targets, { text, states, sort }, store.takeTouched()), [sorted, targets, text, states, sort, store.version]);
  const groups = useMemo(() => groupRows(rows, groupBy), [rows, groupBy]);
  const counts = useMemo(() => countStates(targets), [targets, store.version]);
  const labels = useMemo(() => labelNames(targets), [targets]);
  const items = useMemo(() => {
    const out: Item[] = [];
    for (const g of groups) {
      if (groupBy) out.push({ type: 'group', key: g.key, label: g.key ? `${groupBy}=${g.key}` : `no ${groupBy}`, count: g.rows.length });
      for (const t of g.rows) out.push({ type: 'row', t });
    }
    return out;
  }, [groups, groupBy]);
  const shown = items.reduce((n, i) => n + (i.type === 'row' ? 1 : 0), 0);

  const toggleState = (s: TargetState): void => {
    const next = new Set(states);
    if (next.has(s)) next.delete(s);
    else next.add(s);
    setStates(next);
  };
  const currentBucket = board ? Math.min(STRIP_SEGMENTS - 1, Math.floor((now - board.start) / board.bucketMs)) : STRIP_SEGMENTS - 1;

  return (
    <>
      <div class="page-head">
        <h1>Status board</h1>
        <div class="row">
          <a class="button" href="/settings/targets?new=1">
            New target
          </a>
        </div>
      </div>
      <div class="counts" role="group" aria-label="Counts per state">
        {TARGET_STATES.map((s) => (
          <button type="button" class={`count ${s}`} aria-pressed={states.has(s)} onClick={() => toggleState(s)} aria-label={`${s}: ${counts[s]}`}>
            <b>{counts[s]}</b>
            <span>{s}</span>
          </button>
        ))}
      </div>
      <div class="toolbar">
        <label class="sr" for="board-filter" style="position:absolute;left:-9999px">
          Filter
        </label>
        <input id="board-filter" type="search" placeholder="Filter by name or label (env=prod)" aria-label="Filter" value={text} onInput={(e) => setText(e.currentTarget.value)} />
        <label for="board-sort">Sort</label>
        <select id="board-sort" value={sort} onChange={(e) => setSort(e.currentTarget.value as SortKey)}>
          {SORT_KEYS.map((k) => (
            <option value={k}>{{ state: 'Worst first', name: 'Name', latency: 'Latency', contact: 'Last contact' }[k]}</option>
          ))}
        </select>
        <label for="board-group">Group by</label>
        <select id="board-group" value={groupBy} onChange={(e) => setGroupBy(e.currentTarget.value)}>
          <option value="">No grouping</option>
          {labels.map((l) => (
            <option value={l}>{l}</option>
          ))}
        </select>
        <span class="row" role="group" aria-label="Uptime strip segments">
          <button type="button" aria-pressed={bucket === 'hour'} onClick={() => (localStorage.setItem('lightwatch.bucket', 'hour'), setBucket('hour'))}>
            90 hours
          </button>
          <button type="button" aria-pressed={bucket === 'day'} onClick={() => (localStorage.setItem('lightwatch.bucket', 'day'), setBucket('day'))}>
            90 days
          </button>
        </span>
        <span class="muted" aria-live="polite">
          {board ? `${shown} of ${targets.length} targets` : 'Loading…'}
        </span>
      </div>
      {error && (
        <div class="form-error" role="alert">
          {error}
        </div>
      )}
      {board && targets.length === 0 ? (
        <div class="panel">
          <h2>No targets yet</h2>
          <p>
            Create a heartbeat or HTTP check on the <a href="/settings/targets?new=1">configuration page</a>, or send events: any target that reports shows up here once it has a target entry.
          </p>
        </div>
      ) : (
        <BoardTable items={items} now={now} bucketLabel={bucket === 'hour' ? 'hour' : 'day'} currentBucket={currentBucket} />
      )}
    </>
  );
}

function BoardTable({ items, now, bucketLabel, currentBucket }: { items: Item[]; now: number; bucketLabel: string; currentBucket: number }) {
  const scroller = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [height, setHeight] = useState(800);
  const virtual = items.length > VIRTUAL_ABOVE;
  useEffect(() => {
    const el = scroller.current;
    if (!el) return;
    let raf = 0;
    const onScroll = (): void => {
      if (raf) return;
      raf = requestAnimationFrame(() => {
        raf = 0;
        setScrollTop(el.scrollTop);
      });
    };
    const ro = new ResizeObserver(() => setHeight(el.clientHeight));
    ro.observe(el);
    el.addEventListener('scroll', onScroll, { passive: true });
    return () => {
      el.removeEventListener('scroll', onScroll);
      ro.disconnect();
      cancelAnimationFrame(raf);
    };
  }, []);
  const first = virtual ? Math.max(0, Math.floor(scrollTop / ROW_H) - OVERSCAN) : 0;
  const last = virtual ? Math.min(items.length, Math.ceil((scrollTop + height) / ROW_H) + OVERSCAN) : items.length;
  const slice = items.slice(first, last);
  return (
    <div class="table-wrap board-scroll" ref={scroller}>
      <table class="board" aria-label="Targets" aria-rowcount={items.length + 1}>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">State</th>
            <th scope="col">Uptime (90 {bucketLabel}s)</th>
            <th scope="col">Uptime</th>
            <th scope="col">Latency</th>
            <th scope="col">Last heartbeat</th>
            <th scope="col">Labels</th>
          </tr>
        </thead>
        <tbody>
          {virtual && first > 0 && <tr aria-hidden="true" style={`height:${first * ROW_H}px`} />}
          {slice.map((it, i) =>
            it.type === 'group' ? (
              <tr class="group-row" key={`g:${it.key}`} aria-rowindex={first + i + 2}>
                <td colSpan={7}>
                  {it.label} · {it.count}
                </td>
              </tr>
            ) : (
              <Row key={it.t.id} t={it.t} now={now} currentBucket={currentBucket} bucketLabel={bucketLabel} index={first + i + 2} />
            ),
          )}
          {virtual && last < items.length && <tr aria-hidden="true" style={`height:${(items.length - last) * ROW_H}px`} />}
        </tbody>
      </table>
    </div>
  );
}

function Row({ t, now, currentBucket, bucketLabel, index }: { t: BoardTarget; now: number; currentBucket: number; bucketLabel: string; index: number }) {
  const up = stripUptime(t.strip, currentBucket);
  return (
    <tr aria-rowindex={index}>
      <td>
        <a href={`/targets/${encodeURIComponent(t.id)}`}>{t.name}</a>
      </td>
      <td>
        <StateBadge state={t.state} />
      </td>
      <td>
        <Strip strip={t.strip} current={currentBucket} label={`Uptime per ${bucketLabel}: ${percent(up)}`} />
      </td>
      <td>{percent(up, 2)}</td>
      <td>{latency(t.latencyMs)}</td>
      <td>{t.lastHeartbeatAt !== undefined ? ago(t.lastHeartbeatAt, now) : t.lastCheckAt !== undefined ? `check ${ago(t.lastCheckAt, now)}` : '—'}</td>
      <td class="labels">
        {Object.entries(t.labels)
          .slice(0, 4)
          .map(([k, v]) => (
            <span class="label">
              {k}={v}
            </span>
          ))}
      </td>
    </tr>
  );
}
