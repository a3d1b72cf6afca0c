import { describe, expect, it } from 'vitest';
import { parseRfc3164, parseRfc5424, readBsdTimestamp } from './syslog.js';

const NOW = Date.UTC(2024, 0, 5, 12, 0, 0);

describe('RFC 3164', () => {
  it('reads the RFC example with PRI, no PID', () => {
    expect(parseRfc3164("<34>Oct 11 22:14:15 mymachine su: 'su root' failed for lonvick on /dev/pts/8", NOW)).toEqual({
      ts: Date.UTC(2023, 9, 11, 22, 14, 15),
      target: 'mymachine',
      labels: { app: 'su' },
      level: 'fatal',
      message: "'su root' failed for lonvick on /dev/pts/8",
      fields: { facility: 'auth', severity: 2, hostname: 'mymachine', appname: 'su' },
      format: 'rfc3164',
    });
  });

  it('reads the file form with a space-padded day and a PID; level from the message', () => {
    const r = parseRfc3164('Jan  5 10:00:01 web-1 sshd[123]: error: Could not load host key: /etc/ssh/ssh_host_ed25519_key', NOW);
    expect(r).toMatchObject({ ts: Date.UTC(2024, 0, 5, 10, 0, 1), target: 'web-1', level: 'error', fields: { hostname: 'web-1', appname: 'sshd', procid: '123' } });
  });

  it('puts a date more than a day ahead of now in the previous year', () => {
    expect(readBsdTimestamp('Jan  6 11:59:59', 0, NOW)?.ms).toBe(Date.UTC(2024, 0, 6, 11, 59, 59));
    expect(readBsdTimestamp('Jan  6 12:00:01', 0, NOW)?.ms).toBe(Date.UTC(2023, 0, 6, 12, 0, 1));
    expect(readBsdTimestamp('Dec 31 23:59:59', 0, NOW)?.ms).toBe(Date.UTC(2023, 11, 31, 23, 59, 59));
  });

  it('keeps fractional seconds and rejects impossible times', () => {
    expect(readBsdTimestamp('Jan  5 10:00:01.250 host', 0, NOW)?.ms).toBe(Date.UTC(2024, 0, 5, 10, 0, 1, 250));
    expect(readBsdTimestamp('Jan 32 10:00:01', 0, NOW)).toBeNull();
    expect(readBsdTimestamp('Foo  5 10:00:01', 0, NOW)).toBeNull();
    expect(readBsdTimestamp('Jan  5 25:00:01', 0, NOW)).toBeNull();
  });

  it('reads tags with slashes (postfix) and kernel lines without PID', () => {
    expect(parseRfc3164('Jan  5 10:00:08 mail postfix/smtpd[5012]: connect from unknown[192.0.2.10]', NOW)?.fields).toEqual({ hostname: 'mail', appname: 'postfix/smtpd', procid: '5012' });
    expect(parseRfc3164('Jan  5 10:00:07 web-1 kernel: [1234.5] usb 1-1: new device', NOW)).toMatchObject({ message: '[1234.5] usb 1-1: new device', labels: { app: 'kernel' } });
  });

  it('reads a line without HOSTNAME as sent by a local program', () => {
    expect(parseRfc3164('<13>Oct 11 22:14:15 su: hello', NOW)).toMatchObject({ target: 'su', message: 'hello', fields: { appname: 'su' } });
  });

  it("reads rsyslog's ISO-timestamped file format but not an application line that starts with a date", () => {
    expect(parseRfc3164('2024-01-05T10:00:12.123456+00:00 web-1 systemd-logind[712]: New session', NOW)).toMatchObject({ ts: '2024-01-05T10:00:12.123456+00:00', target: 'web-1' });
    expect(parseRfc3164('2024-01-05 10:00:06,789 ERROR [main] x', NOW)).toBeNull();
    expect(parseRfc3164('2024-01-05T10:00:07Z INFO server listening', NOW)).toBeNull();
  });

  it('accepts anything after a PRI, but needs a timestamp without one', () => {
    expect(parseRfc3164('<13>hello world', NOW)).toMatchObject({ message: 'hello world', level: 'info', fields: { facility: 'user' } });
    expect(parseRfc3164('hello world', NOW)).toBeNull();
    expect(parseRfc3164('<999>x', NOW)).toBeNull();
  });
});

describe('RFC 5424', () => {
  it('reads the RFC examples with structured data and a BOM', () => {
    const r = parseRfc5424('<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut="3" eventSource="Application" eventID="1011"][examplePriority@32473 class="high"] \ufeffAn application event log entry...');
    expect(r).toEqual({
      ts: '2003-10-11T22:14:15.003Z',
      target: 'mymachine.example.com',
      labels: { app: 'evntslog' },
      level: 'info',
      message: 'An application event log entry...',
      fields: {
        facility: 'local4',
        severity: 5,
        hostname: 'mymachine.example.com',
        appname: 'evntslog',
        msgid: 'ID47',
        structuredData: { 'exampleSDID@32473': { iut: '3', eventSource: 'Application', eventID: '1011' }, 'examplePriority@32473': { class: 'high' } },
      },
      format: 'rfc5424',
    });
  });

  it('unescapes structured data values and handles nil fields', () => {
    const r = parseRfc5424('<14>1 - - - - - [x a="q\\"u\\]o\\\\te"]');
    expect(r?.fields.structuredData).toEqual({ x: { a: 'q"u]o\\te' } });
    expect(r?.ts).toBeUndefined();
    expect(r?.target).toBeUndefined();
  });

  it('is not fooled by RFC 3164 lines or broken headers', () => {
    expect(parseRfc5424('<34>Oct 11 22:14:15 mymachine su: x')).toBeNull();
    expect(parseRfc5424('<34>1 not-a-time host app - - - x')).toBeNull();
    expect(parseRfc5424('<34>1 2003-10-11T22:14:15Z host app - - [unterminated a="b"')).toBeNull();
  });
});
