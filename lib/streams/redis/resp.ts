// Encodes one Redis command as the RESP bytes a client sends (an array of bulk strings), in one buffer of the
// exact length. ioredis's own encoder (Command.toWritable with Buffer arguments) keeps a list of the parts and
// measures each string twice and writes it through a native call: per remote_write append (a script call with
// ~100 arguments, sixteen of them ~3.5 KB metric batches) that work cost the HTTP thread more than the copy of
// the bytes. Here ASCII strings (keys, counts, field names) are written byte by byte and Buffers copied once. Pure.

const CR = 13;
const LF = 10;

/** Decimal digits of a non-negative integer. */
function digits(n: number): number {
  let d = 1;
  while (n >= 10) {
    n = Math.floor(n / 10);
    d++;
  }
  return d;
}

/** Writes `n` (non-negative integer) in decimal at `at`; returns the offset after it. */
function writeInt(out: Buffer, at: number, n: number): number {
  const end = at + digits(n);
  let o = end;
  do {
    out[--o] = 48 + (n % 10);
    n = Math.floor(n / 10);
  } while (n > 0);
  return end;
}

/** Strings up to this long (in bytes) that are ASCII are written byte by byte; longer ones by Buffer.write. */
const INLINE_ASCII = 128;

/** `args` (the command name first) as one RESP array of bulk strings: strings as UTF-8, Buffers as they are. */
export function encodeCommand(args: ReadonlyArray<string | Buffer>): Buffer {
  const n = args.length;
  const lengths = new Array<number>(n);
  let total = 1 + digits(n) + 2;
  for (let i = 0; i < n; i++) {
    const a = args[i] as string | Buffer;
    const len = typeof a === 'string' ? Buffer.byteLength(a, 'utf8') : a.length;
    lengths[i] = len;
    total += 1 + digits(len) + 2 + len + 2;
  }
  const out = Buffer.allocUnsafe(total);
  out[0] = 42; // '*'
  let o = writeInt(out, 1, n);
  out[o++] = CR;
  out[o++] = LF;
  for (let i = 0; i < n; i++) {
    const a = args[i] as string | Buffer;
    const len = lengths[i] as number;
    out[o++] = 36; // '$'
    o = writeInt(out, o, len);
    out[o++] = CR;
    out[o++] = LF;
    if (typeof a !== 'string') out.set(a, o);
    // As many UTF-8 bytes as characters: every character is ASCII.
    else if (len === a.length && len <= INLINE_ASCII) for (let k = 0; k < len; k++) out[o + k] = a.charCodeAt(k);
    else out.write(a, o, len, 'utf8');
    o += len;
    out[o++] = CR;
    out[o++] = LF;
  }
  return out;
}
