// The connection indicator's state: whichever page holds a live connection reports here; the navigation
// shows "Live" or "Reconnecting".
import { useEffect, useState } from 'preact/hooks';
import type { LiveStatus } from './live.js';

let current: LiveStatus | null = null;
const listeners = new Set<() => void>();

export function reportLive(s: LiveStatus | null): void {
  current = s;
  for (const l of listeners) l();
}

export function useLiveStatus(): LiveStatus | null {
  const [, set] = useState(0);
  useEffect(() => {
    const l = (): void => set((n) => n + 1);
    listeners.add(l);
    return () => void listeners.delete(l);
  }, []);
  return current;
}
