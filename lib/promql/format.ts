// Number formatting exactly as Prometheus writes it: sample values in API JSON (jsonutil.MarshalValue: Go's
// strconv 'f' with shortest digits, 'e' below 1e-6 and from 1e21), count_values labels (always 'f') and timestamps.

/** A sample value as the Prometheus HTTP API writes it: "1000000", "1e-07", "1e+21", "NaN", "+Inf", "-Inf". */
export function formatSampleValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  if (v === 0) return Object.is(v, -0) ? '-0' : '0';
  const abs = Math.abs(v);
  if (abs < 1e-6 || abs >= 1e21) return formatGoE(v);
  // JavaScript's shortest round-trip form is Go's 'f', -1 in exactly this range.
  return String(v);
}

/** Go's strconv.FormatFloat(v, 'e', -1, 64): shortest digits, at least two exponent digits. */
export function formatGoE(v: number): string {
  const s = v.toExponential();
  const m = /^(-?[\d.]+)e([+-])(\d+)$/.exec(s);
  if (m === null) return s;
  return `${m[1]}e${m[2]}${(m[3] as string).padStart(2, '0')}`;
}

/** Go's strconv.FormatFloat(v, 'f', -1, 64): shortest digits that round-trip, never an exponent. */
export function formatGoF(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  if (v === 0) return Object.is(v, -0) ? '-0' : '0';
  const abs = Math.abs(v);
  if (abs >= 1e-6 && abs < 1e21) return String(v);
  const m = /^(-?)(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(v.toExponential()) as RegExpExecArray;
  const sign = m[1] as string;
  const digits = (m[2] as string) + (m[3] ?? '');
  const exp = Number(m[4]);
  const point = exp + 1; // digits before the decimal point
  if (point <= 0) return `${sign}0.${'0'.repeat(-point)}${digits}`;
  if (point >= digits.length) return sign + digits + '0'.repeat(point - digits.length);
  return `${sign}${digits.slice(0, point)}.${digits.slice(point)}`;
}

/** A timestamp in ms as the API writes it: seconds with up to three decimals (`1.5` is written `1.500`), a JSON number. */
export function formatTimestamp(ms: number): string {
  let t = Math.trunc(ms);
  let sign = '';
  if (t < 0) {
    sign = '-';
    t = -t;
  }
  const sec = Math.trunc(t / 1000);
  const frac = t % 1000;
  return frac === 0 ? `${sign}${sec}` : `${sign}${sec}.${String(frac).padStart(3, '0')}`;
}
