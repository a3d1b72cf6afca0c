// Ping check: the system `ping` (iputils-ping; unprivileged ICMP echo) sends `count` requests 0.2 s apart
// within the attempt's timeout; fails on more loss than allowed or a slower average round trip. The parsing
// of ping's summary is a pure function (parsePingSummary) tested on its own.
import { execFile } from 'node:child_process';
import { isIP } from 'node:net';
import type { CheckSettingsOf } from '../../../lib/api/check-settings.js';
import type { Probe } from '../probe.js';

export interface PingSummary {
  transmitted: number;
  received: number;
  avgRttMs: number | null;
}

/** Reads "N packets transmitted, M received" and "rtt min/avg/max/mdev = a/b/c/d ms" from ping's output. */
export function parsePingSummary(out: string): PingSummary | null {
  const counts = /(\d+) packets transmitted, (\d+) (?:packets )?received/.exec(out);
  if (!counts) return null;
  const rtt = /= [\d.]+\/([\d.]+)\/[\d.]+\/[\d.]+ ms/.exec(out);
  return { transmitted: Number(counts[1]), received: Number(counts[2]), avgRttMs: rtt ? Number(rtt[1]) : null };
}

function run(args: string[], signal: AbortSignal): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile('ping', args, { signal, timeout: 0, maxBuffer: 64 * 1024 }, (err, stdout, stderr) => {
      // Exit 1 = some replies missing: the summary says how many. Anything without a summary is an error.
      if (err && parsePingSummary(stdout) === null) {
        const e = err as NodeJS.ErrnoException;
        if (e.code === 'ENOENT') return reject(new Error('the ping command is not installed (Debian package iputils-ping)'));
        if (e.name === 'AbortError') return reject(err);
        return reject(new Error(stderr.trim().split('\n').pop() || err.message));
      }
      resolve({ stdout, stderr });
    });
  });
}

export const pingProbe: Probe<CheckSettingsOf['ping']> = {
  async attempt(s, { signal, timeoutMs, guard }) {
    const address = await guard.address(s.host);
    // Exactly `count` packets, 0.2 s apart; the wait for the last reply (-W) ends ping before the attempt's
    // timeout abandons it. (A deadline, -w, would make ping send until `count` replies came back.)
    const waitSec = Math.max(0.1, Math.min(timeoutMs / 1000 - (s.count - 1) * 0.2 - 0.1, 5)).toFixed(1);
    const args = ['-n', '-q', '-c', String(s.count), '-i', '0.2', '-W', waitSec];
    if (isIP(address) === 6) args.unshift('-6');
    const { stdout } = await run([...args, address], signal);
    const sum = parsePingSummary(stdout) as PingSummary;
    const lossPercent = sum.transmitted === 0 ? 100 : ((sum.transmitted - sum.received) / sum.transmitted) * 100;
    const latencyMs = sum.avgRttMs === null ? undefined : Math.round(sum.avgRttMs * 1000) / 1000;
    const base = latencyMs === undefined ? {} : { latencyMs };
    if (lossPercent > s.maxLossPercent) {
      return { ...base, ok: false, error: `${Math.round(lossPercent)}% packet loss (${sum.received}/${sum.transmitted} replies)${sum.received === 0 ? ': host unreachable' : ''}` };
    }
    if (s.maxRttMs !== undefined && sum.avgRttMs !== null && sum.avgRttMs > s.maxRttMs) {
      return { ...base, ok: false, error: `average round trip ${sum.avgRttMs} ms exceeds ${s.maxRttMs} ms` };
    }
    return { ...base, ok: true };
  },
};
