// Time values as the /api accepts them: instants as RFC 3339 or epoch milliseconds, durations as `500ms`,
// `60s`, `5m`, `1h`, `7d` or plain milliseconds. Pure; shared by the gateway's parameter parsing, the query
// service's body schemas and the OpenAPI document, so every place accepts exactly the same forms.

/** Latest instant a JS Date can hold; anything beyond is certainly a mistake. */
export const MAX_EPOCH_MS = 8_640_000_000_000_000;

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$/;
const EPOCH_MS = /^\d{1,16}$/;

/** Epoch ms from `2024-05-01T12:00:00Z` (any offset, optional fraction) or `1714564800000`; null when neither. */
export function parseInstant(value: string): number | null {
  const s = value.trim();
  if (EPOCH_MS.test(s)) {
    const n = Number(s);
    return n <= MAX_EPOCH_MS ? n : null;
  }
  const m = RFC3339.exec(s);
  if (!m) return null;
  const [, y, mo, d, h, mi, sec] = m.map(Number) as [number, number, number, number, number, number, number];
  // Date.parse rolls 2024-02-31 over into March; reject out-of-range fields instead of guessing.
  const daysInMonth = new Date(Date.UTC(y, mo, 0)).getUTCDate();
  if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth || h > 23 || mi > 59 || sec > 59) return null;
  const ms = Date.parse(s.replace(' ', 'T').replace(/\.(\d{3})\d+/, '.$1'));
  if (Number.isNaN(ms)) return null;
  return ms;
}

const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const DURATION = /^(\d{1,12})(ms|s|m|h|d)?$/;

/** Milliseconds from `500ms`, `60s`, `5m`, `1h`, `7d` or a plain number of milliseconds; null otherwise. */
export function parseDuration(value: string): number | null {
  const m = DURATION.exec(value.trim());
  if (!m) return null;
  const unit = (m[2] ?? 'ms') as keyof typeof UNIT_MS;
  return Number(m[1]) * UNIT_MS[unit];
}
