import { Command } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { encodeCommand } from './resp.js';

/** What ioredis itself writes for the command (its encoder, with Buffer arguments). */
const ioredisBytes = (args: Array<string | Buffer>): Buffer => {
  const [name, ...rest] = args as [string, ...Array<string | Buffer>];
  const w = new Command(name, [...rest, Buffer.alloc(0)]).toWritable({});
  // The empty Buffer forced ioredis's Buffer mode; drop its `$0\r\n\r\n` and restore the count.
  const bytes = Buffer.from(w).subarray(0, -6);
  const head = `*${args.length + 1}\r\n`;
  return Buffer.concat([Buffer.from(`*${args.length}\r\n`), bytes.subarray(head.length)]);
};

describe('encodeCommand', () => {
  it('writes the bytes ioredis writes: ASCII, UTF-8, empty, long strings and Buffers', () => {
    const cases: Array<Array<string | Buffer>> = [
      ['ping'],
      ['set', 'k', ''],
      ['evalsha', 'a'.repeat(40), '3', '{p1}:appended:x', 'lw:{p1}', 'ä€😀 tenant', '0', 'e', Buffer.from([0, 13, 10, 255])],
      ['xadd', 's', '*', 'x'.repeat(127), 'y'.repeat(128), 'z'.repeat(129), 'é'.repeat(200), Buffer.alloc(5000, 7)],
      Array.from({ length: 1234 }, (_, i) => String(i)),
    ];
    for (const args of cases) expect(encodeCommand(args).equals(ioredisBytes(args))).toBe(true);
  });

  it('frames lengths of every number of digits', () => {
    for (const n of [0, 9, 10, 99, 100, 999, 1000, 65536]) {
      const out = encodeCommand(['x', Buffer.alloc(n, 1)]);
      expect(out.subarray(0, 14 + String(n).length).toString('latin1')).toBe(`*2\r\n$1\r\nx\r\n$${n}\r\n`);
      expect(out.length).toBe(14 + String(n).length + n + 2);
    }
  });
});
