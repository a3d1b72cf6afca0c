// Loads JSON for a page and reloads on demand; aborts when the inputs change or the page goes away.
import { useEffect, useState } from 'preact/hooks';
import { get, type Params } from './api.js';

export function useFetch<T>(path: string | null, params: Params = {}): { data: T | null; error: Error | null; reload: () => void; loading: boolean } {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<Error | null>(null);
  const [tick, setTick] = useState(0);
  const [loading, setLoading] = useState(true);
  const key = JSON.stringify([path, params, tick]);
  useEffect(() => {
    if (!path) return;
    const ctl = new AbortController();
    setLoading(true);
    get<T>(path, params, ctl.signal)
      .then((d) => {
        setData(d);
        setError(null);
      })
      .catch((e: Error) => {
        if (e.name !== 'AbortError') setError(e);
      })
      .finally(() => setLoading(false));
    return () => ctl.abort();
  }, [key]);
  return { data, error, loading, reload: () => setTick((n) => n + 1) };
}
