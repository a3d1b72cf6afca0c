// Forms that show the API's 422 details next to the field they are about: each field knows the JSON pointer
// of its value (`/http/url`); a detail goes to the field whose pointer is the longest prefix of its `at`,
// and whatever matches no field is shown above the form.
import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import type { ApiError, ErrorDetail } from '../lib/api.js';

export type FieldErrors = Record<string, string[]>;

/** Splits details over the known pointers; the rest goes to `''`. */
export function assignErrors(details: readonly ErrorDetail[], pointers: readonly string[]): FieldErrors {
  const out: FieldErrors = {};
  for (const d of details) {
    const at = d.at ?? '';
    let best = '';
    for (const p of pointers) if ((at === p || at.startsWith(`${p}/`)) && p.length > best.length) best = p;
    const msg = best && at !== best ? `${at.slice(best.length + 1)}: ${d.message}` : d.message;
    (out[best] ??= []).push(msg);
  }
  return out;
}

let seq = 0;
export const useId = (): string => useState(() => `f${++seq}`)[0];

export function Field({ label, errors, help, children, id }: { label: string; errors?: string[]; help?: string; id: string; children: ComponentChildren }) {
  return (
    <div class="field">
      <label for={id}>{label}</label>
      {children}
      {help && (
        <span class="help" id={`${id}-help`}>
          {help}
        </span>
      )}
      {errors?.map((e) => (
        <span class="error" id={`${id}-err`} role="alert">
          {e}
        </span>
      ))}
    </div>
  );
}

export function FormError({ error }: { error: unknown }) {
  if (!error) return null;
  const e = error as ApiError | Error;
  return (
    <div class="form-error" role="alert">
      {e.message}
    </div>
  );
}

/** Runs `fn`, keeping busy and error state for a form or button. */
export function useAction(): { busy: boolean; error: ApiError | Error | null; run: (fn: () => Promise<void>) => Promise<void>; setError: (e: ApiError | Error | null) => void } {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | Error | null>(null);
  const run = async (fn: () => Promise<void>): Promise<void> => {
    setBusy(true);
    setError(null);
    try {
      await fn();
    } catch (err) {
      setError(err as Error);
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, run, setError };
}
