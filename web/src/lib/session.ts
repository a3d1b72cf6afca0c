// The signed-in session: a JWT from /api/auth/login (with its expiry) or an API key, kept in localStorage so
// a reload stays signed in. Expiry and 401s end it; the app then returns to the sign-in page.

export interface Session {
  token: string;
  kind: 'jwt' | 'key';
  /** Epoch ms; absent for API keys. */
  expiresAt?: number;
  label: string;
}

const KEY = 'lightwatch.session';
type Listener = (s: Session | null) => void;
const listeners = new Set<Listener>();
let current: Session | null = read();
let expiryTimer: ReturnType<typeof setTimeout> | undefined;

function read(): Session | null {
  try {
    const raw = localStorage.getItem(KEY);
    if (!raw) return null;
    const s = JSON.parse(raw) as Session;
    if (typeof s.token !== 'string' || (s.expiresAt !== undefined && s.expiresAt <= Date.now())) return null;
    return s;
  } catch {
    return null;
  }
}

function armExpiry(): void {
  clearTimeout(expiryTimer);
  if (current?.expiresAt !== undefined) {
    expiryTimer = setTimeout(() => endSession('expired'), Math.max(0, Math.min(current.expiresAt - Date.now(), 2 ** 31 - 1)));
  }
}
armExpiry();

export const session = (): Session | null => current;

export function startSession(s: Session): void {
  current = s;
  localStorage.setItem(KEY, JSON.stringify(s));
  armExpiry();
  for (const l of listeners) l(current);
}

/** Why the session ended, for the sign-in page's message. */
export let endReason: 'expired' | 'signed_out' | 'unauthorized' | null = null;

export function endSession(reason: 'expired' | 'signed_out' | 'unauthorized'): void {
  if (!current) return;
  endReason = reason;
  current = null;
  localStorage.removeItem(KEY);
  clearTimeout(expiryTimer);
  for (const l of listeners) l(null);
}

export function onSession(l: Listener): () => void {
  listeners.add(l);
  return () => listeners.delete(l);
}
