// The idempotent append (scripts.ts APPEND_MANY_LUA) as the Redis adapter sends it: one call's keys and
// arguments, and the call as an ioredis command whose bytes are encoded once, by resp.ts, when it is made. ioredis
// writes those same bytes again if it re-sends the command after a reconnect, which the call's append key makes
// harmless. The script goes by its SHA1 (EVALSHA); the caller sends it as text (EVAL) when Redis answers NOSCRIPT
// (a restarted or flushed script cache), as ioredis's defined commands do.
import { createHash } from 'node:crypto';
import { Command } from 'ioredis';
import type { AppendEntry } from '../port.js';
import { encodeCommand } from './resp.js';
import { APPEND_MANY_LUA } from './scripts.js';
import { appendKeyOf } from './slot.js';

const APPEND_SHA = createHash('sha1').update(APPEND_MANY_LUA).digest('hex');

/** One call of the append script: its KEYS and ARGV. */
export interface AppendCall {
  keys: string[];
  argv: Array<string | Buffer>;
}

/**
 * The call that appends `entries[i]` for each i of `group` (in that order), remembered under `callKey` (a key no
 * other call uses) for `dedupWindow` ms; an entry with a key of its own is also remembered under that.
 */
export function appendCall(entries: readonly AppendEntry[], group: readonly number[], callKey: string, dedupWindow: string): AppendCall {
  const first = entries[group[0] as number] as AppendEntry;
  const keys = [appendKeyOf(first.stream, callKey)];
  const argv: Array<string | Buffer> = [dedupWindow];
  for (const i of group) {
    const e = entries[i] as AppendEntry;
    keys.push(e.stream);
    if (e.key !== undefined) keys.push(appendKeyOf(e.stream, e.key));
    argv.push(e.maxLen === undefined ? '' : String(e.maxLen), e.key === undefined ? '0' : '1', String(e.fields.length));
    for (const f of e.fields) argv.push(f);
  }
  return { keys, argv };
}

/** A command whose RESP bytes are made once; its name and keys are what ioredis routes by (Cluster slots). */
class EncodedCommand extends Command {
  private readonly bytes: Buffer;
  constructor(name: string, routing: string[], bytes: Buffer) {
    super(name, routing, { replyEncoding: 'utf8' });
    this.bytes = bytes;
  }
  override toWritable(): Buffer {
    return this.bytes;
  }
}

/** `call` as a command: EVALSHA of the script, or EVAL of its text (`byText`, after NOSCRIPT). Replies with the ids. */
export function appendCommand(call: AppendCall, byText = false): Command {
  const name = byText ? 'eval' : 'evalsha';
  const script = byText ? APPEND_MANY_LUA : APPEND_SHA;
  const numKeys = String(call.keys.length);
  const bytes = encodeCommand([name, script, numKeys, ...call.keys, ...call.argv]);
  return new EncodedCommand(name, [script, numKeys, ...call.keys], bytes);
}
