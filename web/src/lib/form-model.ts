// The value model of configuration forms: fields address the request body by JSON pointer, and each field
// type converts between what an input holds and what the API takes. Pure.

export type FieldType = 'text' | 'number' | 'checkbox' | 'select' | 'labels' | 'list' | 'json' | 'datetime' | 'matchers' | 'scopes' | 'password' | 'textarea';

export interface FieldSpec {
  /** JSON pointer of the value in the body, e.g. `/http/url`. */
  at: string;
  label: string;
  type: FieldType;
  options?: readonly string[];
  help?: string;
  required?: boolean;
  /** Shown only when this returns true for the current body. */
  when?: (body: Record<string, unknown>) => boolean;
}

export function getAt(obj: unknown, pointer: string): unknown {
  let cur: unknown = obj;
  for (const part of pointer.split('/').slice(1)) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

/** A copy of `obj` with the value at `pointer` set (undefined removes it); parents are created. */
export function setAt(obj: Record<string, unknown>, pointer: string, value: unknown): Record<string, unknown> {
  const parts = pointer.split('/').slice(1);
  const root: Record<string, unknown> = { ...obj };
  let cur = root;
  for (let i = 0; i < parts.length - 1; i++) {
    const k = parts[i] as string;
    const next = cur[k];
    cur[k] = next !== null && typeof next === 'object' && !Array.isArray(next) ? { ...(next as Record<string, unknown>) } : {};
    cur = cur[k] as Record<string, unknown>;
  }
  const last = parts.at(-1) as string;
  if (value === undefined) delete cur[last];
  else cur[last] = value;
  return root;
}

/** The text an input shows for a body value. */
export function toInput(type: FieldType, v: unknown): string | boolean {
  switch (type) {
    case 'checkbox':
      return v === true;
    case 'labels':
      return Object.entries((v as Record<string, string>) ?? {})
        .map(([k, x]) => `${k}=${x}`)
        .join(', ');
    case 'list':
    case 'scopes':
      return ((v as unknown[]) ?? []).join(', ');
    case 'json':
      return v === undefined ? '' : JSON.stringify(v, null, 2);
    case 'datetime': {
      if (typeof v !== 'number') return '';
      const d = new Date(v - new Date(v).getTimezoneOffset() * 60_000);
      return d.toISOString().slice(0, 16);
    }
    case 'matchers':
      return ((v as Array<{ name: string; op: string; value: string }>) ?? []).map((m) => `${m.name}${m.op}${m.value}`).join('\n');
    default:
      return v === undefined || v === null ? '' : String(v);
  }
}

export class InputError extends Error {}

/** The body value for an input's text; undefined leaves the field out. Throws InputError on unparsable text. */
export function fromInput(type: FieldType, raw: string | boolean): unknown {
  if (type === 'checkbox') return raw === true;
  const s = String(raw);
  if (s.trim() === '' && type !== 'labels' && type !== 'list') return undefined;
  switch (type) {
    case 'number': {
      const n = Number(s);
      if (!Number.isFinite(n)) throw new InputError('must be a number');
      return n;
    }
    case 'labels': {
      const out: Record<string, string> = {};
      for (const part of s.split(/[,\n]/)) {
        const t = part.trim();
        if (!t) continue;
        const eq = t.indexOf('=');
        if (eq <= 0) throw new InputError(`"${t}" is not name=value`);
        out[t.slice(0, eq).trim()] = t.slice(eq + 1).trim();
      }
      return out;
    }
    case 'list':
    case 'scopes':
      return s
        .split(/[,\s]+/)
        .map((x) => x.trim())
        .filter(Boolean);
    case 'json':
      try {
        return JSON.parse(s) as unknown;
      } catch (err) {
        throw new InputError(`not valid JSON: ${(err as Error).message}`);
      }
    case 'datetime': {
      const ms = new Date(s).getTime();
      if (!Number.isFinite(ms)) throw new InputError('not a date and time');
      return ms;
    }
    case 'matchers':
      return s
        .split('\n')
        .map((l) => l.trim())
        .filter(Boolean)
        .map((l) => {
          const m = /^([^=!~]+)(=~|!~|!=|=)(.*)$/.exec(l);
          if (!m) throw new InputError(`"${l}" is not name=value (or !=, =~, !~)`);
          return { name: (m[1] as string).trim(), op: m[2], value: (m[3] as string).trim() };
        });
    default:
      return s;
  }
}
