// The one way the app talks to /api: the session's credential on every call, JSON in and out, the API's
// error shape kept whole (422 details go next to their fields), and a 401 ending the session.
import { endSession, session } from './session.js';

export interface ErrorDetail {
  at?: string;
  message: string;
  index?: number;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: ErrorDetail[] = [],
  ) {
    super(message);
  }
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export type Params = Record<string, string | number | undefined | null>;

export function withParams(path: string, params: Params = {}): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `${path}?${s}` : path;
}

export async function api<T>(method: string, path: string, body?: unknown, opts: { credential?: string; signal?: AbortSignal } = {}): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  const cred = opts.credential ?? session()?.token;
  if (cred) headers.authorization = `Bearer ${cred}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal: opts.signal });
  } catch (err) {
    if ((err as Error).name === 'AbortError') throw err;
    throw new ApiError(0, 'network', 'The server cannot be reached. Check the connection and try again.');
  }
  const text = await res.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = null;
  }
  if (!res.ok) {
    const e = (json as { error?: { code?: string; message?: string; details?: ErrorDetail[] } } | null)?.error;
    if (res.status === 401 && !opts.credential && session()) endSession('unauthorized');
    throw new ApiError(res.status, e?.code ?? 'http_error', e?.message ?? `HTTP ${res.status}`, e?.details ?? []);
  }
  return json as T;
}

export const get = <T>(path: string, params?: Params, signal?: AbortSignal): Promise<T> => api<T>('GET', withParams(path, params), undefined, { signal });
