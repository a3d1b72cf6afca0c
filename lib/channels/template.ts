// Channel message templates in Liquid (LiquidJS): logic-light, no code execution, no file access (an empty
// in-memory template map, so include/render/layout find nothing), own properties only (no prototype walk),
// parse/render/memory limits, and output cut at a fixed size. A syntax error names its line and column.
import { Liquid, type Template } from 'liquidjs';
import type { Notice } from './notice.js';

export const MAX_TEMPLATE_CHARS = 8_192;
export const MAX_OUTPUT_CHARS = 16_384;
const RENDER_LIMIT_MS = 500;
const MEMORY_LIMIT = 1_000_000;

function engine(escape: boolean): Liquid {
  return new Liquid({
    templates: {},
    ownPropertyOnly: true,
    strictFilters: true,
    dynamicPartials: false,
    relativeReference: false,
    parseLimit: MAX_TEMPLATE_CHARS,
    renderLimit: RENDER_LIMIT_MS,
    memoryLimit: MEMORY_LIMIT,
    ...(escape ? { outputEscape: 'escape' as const } : {}),
  });
}
const plain = engine(false);
const html = engine(true);

export class TemplateError extends Error {
  constructor(
    message: string,
    readonly line?: number,
    readonly column?: number,
  ) {
    super(message);
    this.name = 'TemplateError';
  }
}

function positionOf(err: unknown): { line?: number; column?: number } {
  const tok = (err as { token?: { getPosition?: () => number[] } }).token;
  const pos = typeof tok?.getPosition === 'function' ? tok.getPosition() : undefined;
  return pos && pos.length >= 2 ? { line: pos[0], column: pos[1] } : {};
}

function firstLine(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return (msg.split('\n')[0] ?? msg).slice(0, 300);
}

// Parsing costs about ten times rendering: every channel's few templates are parsed once.
const parsed = new Map<string, Template[]>();
const MAX_CACHED = 2_000;

/** Parses a template; throws TemplateError (with line and column) when it is not valid Liquid. */
export function parseTemplate(src: string, escapeHtml = false): Template[] {
  if (src.length > MAX_TEMPLATE_CHARS) throw new TemplateError(`template is longer than ${MAX_TEMPLATE_CHARS} characters`);
  const key = `${escapeHtml ? 'h' : 'p'}${src}`;
  const hit = parsed.get(key);
  if (hit) return hit;
  try {
    // The HTML engine escapes at parse time (the escape filter is appended to every output then).
    const tpl = (escapeHtml ? html : plain).parse(src);
    if (parsed.size >= MAX_CACHED) parsed.clear();
    parsed.set(key, tpl);
    return tpl;
  } catch (err) {
    const { line, column } = positionOf(err);
    throw new TemplateError(firstLine(err), line, column);
  }
}

/** Problems of a template as text naming the place ("line 2, column 5: …"), or null when it parses. */
export function templateProblem(src: string): string | null {
  try {
    parseTemplate(src);
    return null;
  } catch (err) {
    const e = err as TemplateError;
    return e.line !== undefined ? `line ${e.line}, column ${e.column}: ${e.message}` : e.message;
  }
}

/** What templates see: the notice, plus `target` and `status` for convenience. */
export function templateScope(n: Notice): Record<string, unknown> {
  const i = n.incident;
  return {
    ...n,
    target: { id: i.targetId, name: i.targetName },
    status: n.transition === 'resolved' ? 'resolved' : 'firing',
    count: n.incidents.length,
  };
}

/**
 * Renders `src` over the notice; `escapeHtml` escapes every output (HTML e-mail bodies). Output beyond
 * MAX_OUTPUT_CHARS is cut. A template that fails at render time throws TemplateError.
 */
export async function renderTemplate(src: string, n: Notice, escapeHtml = false): Promise<string> {
  const tpl = parseTemplate(src, escapeHtml);
  try {
    // Synchronous rendering: no tag of ours waits on anything, and it is several times cheaper than render().
    const out = String((escapeHtml ? html : plain).renderSync(tpl, templateScope(n)));
    return out.length > MAX_OUTPUT_CHARS ? `${out.slice(0, MAX_OUTPUT_CHARS - 1)}…` : out;
  } catch (err) {
    const { line, column } = positionOf(err);
    throw new TemplateError(firstLine(err), line, column);
  }
}
