// Lexical values of PromQL as Prometheus reads them: Go string literals, model.ParseDuration durations and
// strconv.ParseFloat numbers.

/** Go's strconv.Unquote for "…", '…' and `…` literals; throws with Go's wording on a bad escape. */
export function unquote(raw: string): string {
  const q = raw[0];
  if (raw.length < 2 || raw[raw.length - 1] !== q) throw new Error('invalid syntax');
  const body = raw.slice(1, -1);
  if (q === '`') {
    if (body.includes('`')) throw new Error('invalid syntax');
    return body.replace(/\r/g, '');
  }
  if (q !== '"' && q !== "'") throw new Error('invalid syntax');
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const c = body[i] as string;
    if (c === q) throw new Error('invalid syntax');
    if (c === '\n') throw new Error('invalid syntax');
    if (c !== '\\') {
      out += c;
      continue;
    }
    const e = body[++i];
    switch (e) {
      case 'a': out += '\x07'; break;
      case 'b': out += '\b'; break;
      case 'f': out += '\f'; break;
      case 'n': out += '\n'; break;
      case 'r': out += '\r'; break;
      case 't': out += '\t'; break;
      case 'v': out += '\v'; break;
      case '\\': out += '\\'; break;
      case '"':
      case "'":
        if (e !== q) throw new Error('invalid syntax');
        out += e;
        break;
      case 'x':
      case 'u':
      case 'U': {
        const len = e === 'x' ? 2 : e === 'u' ? 4 : 8;
        const hex = body.slice(i + 1, i + 1 + len);
        if (hex.length !== len || !/^[0-9a-fA-F]+$/.test(hex)) throw new Error('invalid syntax');
        const cp = parseInt(hex, 16);
        if (e === 'x') out += decodeByte(cp);
        else {
          if (cp > 0x10ffff || (cp >= 0xd800 && cp < 0xe000)) throw new Error('invalid syntax');
          out += String.fromCodePoint(cp);
        }
        i += len;
        break;
      }
      default: {
        if (e !== undefined && e >= '0' && e <= '7') {
          const oct = body.slice(i, i + 3);
          if (!/^[0-7]{3}$/.test(oct)) throw new Error('invalid syntax');
          const v = parseInt(oct, 8);
          if (v > 255) throw new Error('invalid syntax');
          out += decodeByte(v);
          i += 2;
          break;
        }
        throw new Error('invalid syntax');
      }
    }
  }
  return out;
}

function decodeByte(b: number): string {
  // Go strings are bytes; a lone byte above 0x7f is not valid UTF-8 and shows as U+FFFD once decoded.
  return b < 0x80 ? String.fromCharCode(b) : '\ufffd';
}

const DURATION_RE = /^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$/;
const UNIT_MS = [365 * 86_400_000, 7 * 86_400_000, 86_400_000, 3_600_000, 60_000, 1000, 1];

/** Prometheus's model.ParseDuration (y, w, d, h, m, s, ms, in that order) in ms; throws with its message. */
export function parseDuration(s: string): number {
  const m = s === '' ? null : DURATION_RE.exec(s);
  if (m === null || s === '0' || m.slice(1).every((g) => g === undefined)) {
    if (s === '0') return 0;
    throw new Error(`not a valid duration string: "${s}"`);
  }
  let ms = 0;
  for (let i = 0; i < UNIT_MS.length; i++) {
    const g = m[i + 1];
    if (g !== undefined) ms += Number(g) * (UNIT_MS[i] as number);
  }
  if (!Number.isSafeInteger(ms) || ms > 9_223_372_036_854) throw new Error('duration out of range');
  return ms;
}

/** Go's strconv.ParseFloat(s, 64) for the forms PromQL numbers and `le` labels take; NaN result means "invalid". */
export function parseGoFloat(s: string): number | null {
  const t = s.toLowerCase();
  if (t === 'inf' || t === '+inf' || t === 'infinity' || t === '+infinity') return Infinity;
  if (t === '-inf' || t === '-infinity') return -Infinity;
  if (t === 'nan') return NaN;
  if (/^[+-]?0x[0-9a-f_]*(\.[0-9a-f_]*)?(p[+-]?\d+)?$/.test(t)) {
    const neg = t.startsWith('-');
    const body = t.replace(/^[+-]?0x/, '').replace(/_/g, '');
    const [mant = '', expPart] = body.split('p');
    const [ip = '', fp = ''] = mant.split('.');
    if (ip === '' && fp === '') return null;
    let v = ip === '' ? 0 : parseInt(ip, 16);
    for (let i = 0; i < fp.length; i++) v += parseInt(fp[i] as string, 16) / 16 ** (i + 1);
    if (expPart !== undefined) v *= 2 ** Number(expPart);
    else if (fp !== '' || mant.includes('.')) return null;
    return neg ? -v : v;
  }
  if (!/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/.test(t)) return null;
  return Number(t);
}
