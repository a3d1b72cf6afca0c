// Redis Cluster key slots (CRC16/XMODEM of the key's hash tag, mod 16384), so the adapter can group commands by
// slot and by slot owner before sending them. Pure.

const TABLE = (() => {
  const t = new Uint16Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i << 8;
    for (let k = 0; k < 8; k++) c = c & 0x8000 ? ((c << 1) ^ 0x1021) & 0xffff : (c << 1) & 0xffff;
    t[i] = c;
  }
  return t;
})();

/** The part of the key that is hashed: the first non-empty `{…}` tag, else the whole key. */
export function hashTag(key: string): string {
  const open = key.indexOf('{');
  if (open < 0) return key;
  const close = key.indexOf('}', open + 1);
  if (close < 0 || close === open + 1) return key;
  return key.slice(open + 1, close);
}

export function keySlot(key: string): number {
  const bytes = Buffer.from(hashTag(key), 'utf8');
  let crc = 0;
  for (const b of bytes) crc = ((crc << 8) & 0xffff) ^ (TABLE[((crc >> 8) ^ b) & 0xff] as number);
  return crc % 16384;
}

/**
 * The key remembering an idempotent append of `key` to `stream`: in the stream's slot (a Lua script may touch
 * both on a Cluster), under the stream's name when it has a hash tag (a prefix clean-up finds it), else under
 * `{stream}`, whose tag hashes as the untagged stream name does.
 */
export function appendKeyOf(stream: string, key: string): string {
  return hashTag(stream) === stream ? `{${stream}}:appended:${key}` : `${stream}:appended:${key}`;
}
