import { describe, expect, it } from 'vitest';
import { LightwatchError } from '../../lib/errors/errors.js';
import { parseHeartbeatPing } from './heartbeat.js';

const ping = (suffix: string, body = '', method = 'POST') => parseHeartbeatPing({ target: 'backup', suffix, method, body: Buffer.from(body) });

describe('heartbeat pings', () => {
  it('maps suffixes to statuses and exit statuses', () => {
    expect(ping('').draft.body).toEqual({ status: 'ok' });
    expect(ping('start').draft.body).toEqual({ status: 'start' });
    expect(ping('fail').draft.body).toEqual({ status: 'fail' });
    expect(ping('0').draft.body).toEqual({ status: 'ok', exitStatus: 0 });
    expect(ping('255').draft.body).toEqual({ status: 'fail', exitStatus: 255 });
    expect(ping('').draft.target).toBe('backup');
    expect(ping('log', 'step 2 done').draft.body).toEqual({ status: 'log', log: 'step 2 done' });
  });

  it('carries a run id, and refuses one that is not 1-64 letters, digits, _ or -', () => {
    const p = parseHeartbeatPing({ target: 't', suffix: 'start', method: 'GET', body: Buffer.alloc(0), rid: '5bf66975-d4c7-4bf5-bcc8-b8d8a82ea278' });
    expect(p.draft.body).toEqual({ status: 'start', rid: '5bf66975-d4c7-4bf5-bcc8-b8d8a82ea278' });
    expect(() => parseHeartbeatPing({ target: 't', suffix: '', method: 'GET', body: Buffer.alloc(0), rid: 'a b' })).toThrow(/rid must be/);
  });

  it('refuses other suffixes and a missing target with 400', () => {
    for (const s of ['256', '-1', 'logs', '1.5']) {
      expect(() => ping(s)).toThrow(LightwatchError);
    }
    expect(() => parseHeartbeatPing({ target: ' ', suffix: '', method: 'GET', body: Buffer.alloc(0) })).toThrow(/target is missing/);
  });

  it('keeps a POST body as the log, cut at 10 KB on a character boundary and flagged', () => {
    expect(ping('', 'rsync done\n').draft.body).toEqual({ status: 'ok', log: 'rsync done\n' });
    const long = ping('1', `${'a'.repeat(10 * 1024 - 1)}é and more`);
    expect(long.flags).toEqual(['log_truncated']);
    expect((long.draft.body as { log: string }).log).toBe('a'.repeat(10 * 1024 - 1));
    expect(ping('', 'ignored', 'GET').draft.body).toEqual({ status: 'ok' });
  });

  it('never fails on a body that is not UTF-8', () => {
    const item = parseHeartbeatPing({ target: 't', suffix: '', method: 'POST', body: Buffer.from([0xff, 0x41]) });
    expect((item.draft.body as { log: string }).log).toBe('\ufffdA');
  });
});
