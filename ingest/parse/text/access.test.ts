import { describe, expect, it } from 'vitest';
import { parseAccessLog, parseClfTime } from './access.js';

describe('access logs', () => {
  it('reads the Apache common log format example', () => {
    expect(parseAccessLog('127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif HTTP/1.0" 200 2326')).toEqual({
      ts: Date.UTC(2000, 9, 10, 20, 55, 36),
      level: 'info',
      message: '127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif HTTP/1.0" 200 2326',
      fields: { remote_addr: '127.0.0.1', remote_user: 'frank', method: 'GET', path: '/apache_pb.gif', protocol: 'HTTP/1.0', status: 200, bytes: 2326 },
      format: 'clf',
    });
  });

  it('reads nginx combined lines; 5xx is an error and 4xx a warning', () => {
    const r = parseAccessLog('10.0.0.1 - - [05/Jan/2024:10:00:01 +0000] "POST /api HTTP/1.1" 503 0 "https://a.example/" "curl/8.5.0"');
    expect(r).toMatchObject({ level: 'error', format: 'combined', fields: { status: 503, referer: 'https://a.example/', user_agent: 'curl/8.5.0' } });
    expect(parseAccessLog('10.0.0.1 - - [05/Jan/2024:10:00:01 +0000] "GET / HTTP/1.1" 404 0 "-" "-"')?.level).toBe('warn');
  });

  it('keeps escaped quotes inside quoted fields and a bad request line as is', () => {
    const r = parseAccessLog('1.2.3.4 - - [05/Jan/2024:10:00:01 +0000] "GET /\\"x HTTP/1.1" 400 5 "-" "a \\"b\\" c"');
    expect(r?.fields).toMatchObject({ path: '/\\"x', user_agent: 'a \\"b\\" c' });
    expect(parseAccessLog('1.2.3.4 - - [05/Jan/2024:10:00:01 +0000] "\\x16\\x03" 400 157 "-" "-"')?.fields.request).toBe('\\x16\\x03');
  });

  it('is not fooled by other bracketed lines', () => {
    expect(parseAccessLog('[WARN] something')).toBeNull();
    expect(parseAccessLog('a b c [not a time] "GET / HTTP/1.1" 200 1')).toBeNull();
    expect(parseAccessLog('a - - [05/Jan/2024:10:00:01 +0000] "GET / HTTP/1.1" abc 1')).toBeNull();
  });

  it('parses CLF times with their offset', () => {
    expect(parseClfTime('05/Jan/2024:10:00:06 +0100')).toBe(Date.UTC(2024, 0, 5, 9, 0, 6));
    expect(parseClfTime('05/Foo/2024:10:00:06 +0100')).toBeNull();
  });
});
