// A page's live subscription as a hook: connects while the page is shown, reports the indicator state,
// hands batches of events to the page, and ends the session on 4401.
import { useEffect, useRef } from 'preact/hooks';
import { LiveConnection, wsUrl, type Subscription } from './live.js';
import { reportLive } from './live-status.js';
import { endSession, session } from './session.js';

export function useLive(subscriptions: Subscription[] | null, onEvents: (events: Array<{ sub: number; data: unknown }>) => void, onReset: () => void): void {
  const handlers = useRef({ onEvents, onReset });
  handlers.current = { onEvents, onReset };
  const key = JSON.stringify(subscriptions);
  useEffect(() => {
    if (!subscriptions) return;
    const conn = new LiveConnection({
      url: () => wsUrl(session()?.token ?? ''),
      subscriptions,
      onEvents: (e) => handlers.current.onEvents(e),
      onReset: () => handlers.current.onReset(),
      onStatus: (s) => {
        if (s === 'unauthorized') endSession('unauthorized');
        else reportLive(s);
      },
    });
    reportLive('connecting');
    conn.start();
    return () => {
      conn.stop();
      reportLive(null);
    };
  }, [key]);
}
