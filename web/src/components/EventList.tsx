// Recent events of one kind with infinite scroll over the cursor API: the next page loads when the end of
// the list comes into view.
import { useEffect, useRef, useState } from 'preact/hooks';
import { get, type Page } from '../lib/api.js';
import { dateTime } from '../lib/format.js';

export interface AnyEvent {
  id: string;
  kind: string;
  target: string;
  ts: number;
  labels: Record<string, string>;
  body: Record<string, unknown>;
}

export function summary(e: AnyEvent): { level: string; text: string } {
  const b = e.body;
  switch (e.kind) {
    case 'log':
      return { level: String(b.level), text: String(b.message) };
    case 'security':
      return { level: String(b.severity), text: `${String(b.category)}${b.actor ? ` by ${String(b.actor)}` : ''}${b.ip ? ` from ${String(b.ip)}` : ''}${b.message ? `: ${String(b.message)}` : ''}` };
    case 'heartbeat':
      return { level: b.status === 'fail' ? 'error' : 'info', text: `ping ${String(b.status)}${b.exitStatus !== undefined ? ` (exit ${String(b.exitStatus)})` : ''}` };
    case 'check':
      return { level: b.ok ? 'info' : 'error', text: `${b.ok ? 'ok' : 'failed'}${b.status !== undefined ? ` HTTP ${String(b.status)}` : ''} in ${Math.round(Number(b.latencyMs))} ms${b.error ? `: ${String(b.error)}` : ''}` };
    case 'metric':
      return { level: 'info', text: `${String(b.name)} = ${String(b.value)}` };
    default:
      return { level: 'info', text: JSON.stringify(b).slice(0, 200) };
  }
}

export function EventList({ collection, target }: { collection: string; target: string }) {
  const [items, setItems] = useState<AnyEvent[]>([]);
  const [cursor, setCursor] = useState<string | null | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const end = useRef<HTMLDivElement>(null);
  const load = async (c: string | null | undefined, reset: boolean): Promise<void> => {
    setBusy(true);
    try {
      const page = await get<Page<AnyEvent>>(`/api/${collection}`, { target, limit: 50, cursor: c ?? undefined });
      setItems((prev) => (reset ? page.items : [...prev, ...page.items]));
      setCursor(page.nextCursor);
      setError(null);
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };
  useEffect(() => {
    setItems([]);
    setCursor(undefined);
    void load(undefined, true);
  }, [collection, target]);
  useEffect(() => {
    const el = end.current;
    if (!el) return;
    const io = new IntersectionObserver((entries) => {
      if (entries.some((e) => e.isIntersecting) && cursor && !busy) void load(cursor, false);
    });
    io.observe(el);
    return () => io.disconnect();
  }, [cursor, busy]);
  return (
    <div>
      {error && <div class="form-error">{error}</div>}
      <div class="table-wrap" style="max-height:420px">
        <table aria-label={`Recent ${collection}`}>
          <thead>
            <tr>
              <th scope="col">Time</th>
              <th scope="col">Level</th>
              <th scope="col">Event</th>
            </tr>
          </thead>
          <tbody>
            {items.map((e) => {
              const s = summary(e);
              return (
                <tr key={e.id}>
                  <td class="mono">{dateTime(e.ts)}</td>
                  <td class={`lvl-${s.level}`}>{s.level}</td>
                  <td class="wrap">{s.text}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
        <div ref={end} class="muted" style="padding:8px 10px">
          {busy ? 'Loading…' : cursor ? 'Scroll for more' : items.length === 0 ? 'No events.' : 'End of history.'}
        </div>
      </div>
    </div>
  );
}
