import { describe, expect, it } from 'vitest';
import { LightwatchError } from '../../../lib/errors/errors.js';
import { leadingTimestamp, parsePlain } from './plain.js';
import { detectLine, parseTextBody } from './text.js';

const NOW = Date.UTC(2024, 0, 5, 12, 0, 0);
const OPTS = { maxItems: 100, maxDepth: 32, maxLineBytes: 1024, now: NOW };
const formatOf = (line: string) => {
  const r = detectLine(line, NOW);
  return 'message' in r ? r.format : r.format;
};

describe('per-line detection', () => {
  it('tells the formats apart', () => {
    expect(formatOf('{"msg":"x"}')).toBe('json');
    expect(formatOf('<34>Oct 11 22:14:15 mymachine su: x')).toBe('rfc3164');
    expect(formatOf('<14>1 2003-10-11T22:14:15.003Z host app - - - x')).toBe('rfc5424');
    expect(formatOf('Jan  5 10:00:01 web-1 CRON[1]: (root) CMD (x)')).toBe('rfc3164');
    expect(formatOf('127.0.0.1 - - [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.0" 200 1')).toBe('clf');
    expect(formatOf('level=info msg=started')).toBe('logfmt');
    expect(formatOf('{not json')).toBe('plain');
    expect(formatOf('Just words [in brackets] here')).toBe('plain');
    expect(formatOf('2024-01-05 10:00:06,789 ERROR x')).toBe('plain');
  });

  it('finds the level and time in plain lines', () => {
    expect(parsePlain('2024-01-05 10:00:06,789 ERROR [main] x')).toMatchObject({ ts: Date.UTC(2024, 0, 5, 10, 0, 6, 789), level: 'error' });
    expect(parsePlain('WARNING: low disk')).toMatchObject({ level: 'warn' });
    expect(parsePlain('2024/01/05 10:00:01 [crit] 1#1: x')).toMatchObject({ level: 'fatal' });
    expect(parsePlain('Information is power')).toMatchObject({ level: 'info' });
    expect(parsePlain('A plain line')).toEqual({ level: 'info', message: 'A plain line', fields: {}, format: 'plain' });
    expect(leadingTimestamp('2024-13-05 10:00:06 x')).toBeNull();
  });
});

describe('parseTextBody', () => {
  it('indexes by physical line and applies the target parameter as a default', () => {
    const r = parseTextBody('first\n\nJan  5 10:00:01 web-1 app: third\n', { ...OPTS, defaultTarget: 'box' });
    expect(r.items.map((i) => [i.index, i.draft.target])).toEqual([
      [0, 'box'],
      [2, 'web-1'],
    ]);
    expect(r.format).toBe('text');
  });

  it('forces a format and rejects the lines that are not in it', () => {
    const r = parseTextBody('<34>Oct 11 22:14:15 mymachine su: x\nnot syslog\n', { ...OPTS, format: 'syslog' });
    expect(r.items).toHaveLength(1);
    expect(r.rejected).toEqual([{ index: 1, error: 'line 2: not syslog (RFC 5424 or RFC 3164)' }]);
    expect(r.format).toBe('syslog');
    expect(parseTextBody('{"a":1}\n[1]\n', { ...OPTS, format: 'JSON' }).rejected).toEqual([{ index: 1, error: 'line 2: a JSON log line must be an object, not an array' }]);
  });

  it('answers 400 unknown_format listing the valid ones', () => {
    try {
      parseTextBody('x', { ...OPTS, format: 'xml' });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(LightwatchError);
      expect((e as LightwatchError).reason).toBe('unknown_format');
      expect((e as LightwatchError).message).toContain('json, logfmt, rfc5424, rfc3164, syslog, clf, combined, plain');
    }
  });

  it('rejects lines over the byte limit (counting UTF-8 bytes)', () => {
    const r = parseTextBody(`ok\n${'é'.repeat(600)}\n${'a'.repeat(2000)}`, OPTS);
    expect(r.items.map((i) => i.index)).toEqual([0]);
    expect(r.rejected.map((x) => x.index)).toEqual([1, 2]);
  });

  it('reads JSON and logfmt lines like native log items', () => {
    const r = parseTextBody('{"level":"warn","msg":"a","service":"api","k":1}\nts=2024-01-05T10:00:00Z lvl=error msg="b c" x=y', OPTS);
    expect(r.items.map((i) => i.draft)).toEqual([
      { kind: 'log', target: 'api', body: { level: 'warn', message: 'a', fields: { k: 1 }, format: 'json' } },
      { kind: 'log', ts: '2024-01-05T10:00:00Z', body: { level: 'error', message: 'b c', fields: { x: 'y' }, format: 'logfmt' } },
    ]);
  });
});
