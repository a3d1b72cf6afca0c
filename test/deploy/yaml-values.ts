// Narrowing helpers for parsed YAML (compose, Traefik, services.yaml): the documents are open-ended, so
// the checks read them through these instead of casting.

export type Dict = Record<string, unknown>;

export function isDict(v: unknown): v is Dict {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function dict(v: unknown): Dict {
  return isDict(v) ? v : {};
}

export function list(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

export function str(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return undefined;
}

export function strings(v: unknown): string[] {
  return list(v).flatMap((x) => {
    const s = str(x);
    return s === undefined ? [] : [s];
  });
}

/** Value at a dotted path of plain keys, e.g. at(doc, 'deploy', 'resources', 'limits'). */
export function at(v: unknown, ...keys: string[]): unknown {
  let cur = v;
  for (const k of keys) {
    if (!isDict(cur)) return undefined;
    cur = cur[k];
  }
  return cur;
}

/** Case-insensitive key lookup: Traefik's file provider matches option names regardless of case. */
export function keyCI(d: Dict, name: string): unknown {
  const lower = name.toLowerCase();
  for (const [k, v] of Object.entries(d)) if (k.toLowerCase() === lower) return v;
  return undefined;
}

/** Bytes of a compose/Redis size: 512M, 1G, 768mb, 1048576. */
export function parseBytes(v: unknown): number | undefined {
  const s = str(v)?.trim();
  if (!s) return undefined;
  const m = /^(\d+(?:\.\d+)?)\s*([kmgt]?)(i?b?)?$/i.exec(s);
  if (!m) return undefined;
  const unit = (m[2] ?? '').toLowerCase();
  const pow = { '': 0, k: 1, m: 2, g: 3, t: 4 }[unit] ?? 0;
  return Math.round(Number(m[1]) * 1024 ** pow);
}
