// The CLI as users meet it: a real `node bin/lightwatch.js` process, one-line errors and exit codes.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseCommand } from './usage.js';

const BIN = fileURLToPath(new URL('../bin/lightwatch.js', import.meta.url));

function lightwatch(args: string[], env: Record<string, string> = {}): { code: number | null; stdout: string; stderr: string } {
  const base = { ...process.env } as Record<string, string>;
  delete base.REDIS_URL;
  const r = spawnSync(process.execPath, [BIN, ...args], { env: { ...base, LOG_LEVEL: 'info', ...env }, encoding: 'utf8', timeout: 20_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('parseCommand', () => {
  it('knows every service and all', () => {
    for (const c of ['all', 'gateway', 'ingest', 'query', 'realtime', 'detector']) expect(parseCommand([c])).toBe(c);
    expect(parseCommand([])).toBe('help');
    expect(parseCommand(['--version'])).toBe('version');
  });
  it('refuses unknown commands and extra arguments', () => {
    expect(() => parseCommand(['alll'])).toThrow('unknown command "alll": expected one of all, gateway, ingest, query, realtime, detector, probe, help, version');
    expect(() => parseCommand(['ingest', 'extra'])).toThrow('unexpected argument "extra" after "ingest"');
  });
});

describe('lightwatch command', () => {
  it('prints usage for help and exits 0', () => {
    const r = lightwatch(['help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Usage: lightwatch <command>');
  });

  it('answers an unknown command with one line and exit code 2', () => {
    const r = lightwatch(['frobnicate']);
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[0]).toBe('lightwatch: unknown command "frobnicate": expected one of all, gateway, ingest, query, realtime, detector, probe, help, version');
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('names each bad environment variable, without a stack trace', () => {
    const r = lightwatch(['all'], { PORT: 'http', PARTITIONS: '-1' });
    expect(r.code).toBe(2);
    const first = r.stderr.split('\n')[0] ?? '';
    expect(first).toContain('PORT="http" is not valid: expected an integer from 0 to 65535');
    expect(first).toContain('PARTITIONS="-1" is not valid: expected an integer from 1 to 1024');
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
