// Records which keys of a settings object a piece of code reads, so tests can hold a schema's settings and
// their consumer to each other ("accepted but unused", "used but not accepted"). Test support; no I/O.

/** `value` wrapped so every top-level key read lands in `reads`. */
export function recordingReads<T extends object>(value: T, reads: Set<string>): T {
  return new Proxy(value, {
    get(target, key, receiver) {
      if (typeof key === 'string') reads.add(key);
      return Reflect.get(target, key, receiver) as unknown;
    },
  });
}
