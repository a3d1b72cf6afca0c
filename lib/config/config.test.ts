import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.js';
import { ConfigError } from './env.js';

describe('loadConfig', () => {
  it('gives the documented defaults', () => {
    const c = loadConfig({});
    expect(c.port).toBe(8080);
    expect(c.dataDir.endsWith('/data')).toBe(true);
    expect(c.storeUrl.endsWith('/data/lightwatch.db')).toBe(true);
    expect(c.redisUrl).toBeUndefined();
    expect(c.partitions).toBe(16);
    expect(c.ingest.maxBodyBytes).toBe(5 * 1024 * 1024);
    expect(c.logLevel).toBe('info');
    expect(Object.isFrozen(c)).toBe(true);
    expect(Object.isFrozen(c.ingest)).toBe(true);
  });

  it('names every bad variable and the expected form', () => {
    let err: unknown;
    try {
      loadConfig({ PORT: 'eighty', LOG_LEVEL: 'loud', REDIS_URL: 'http://x', INGEST_ADDR: 'nohost', PARTITIONS: '0' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const problems = (err as ConfigError).problems.join('\n');
    expect(problems).toContain('PORT="eighty" is not valid: expected an integer from 0 to 65535');
    expect(problems).toContain('LOG_LEVEL="loud" is not valid: expected one of fatal, error, warn, info, debug, trace, silent');
    expect(problems).toContain('REDIS_URL="http://x" is not valid: expected a URL starting with redis:// or rediss://');
    expect(problems).toContain('INGEST_ADDR="nohost" is not valid: expected host:port');
    expect(problems).toContain('PARTITIONS="0" is not valid: expected an integer from 1 to 1024');
    expect((err as ConfigError).problems).toHaveLength(5);
  });

  it('reads the contract variables', () => {
    const c = loadConfig({ PORT: '9090', DATA_DIR: '/tmp/lwx', REDIS_URL: 'redis://h:6380', STORE_URL: 'mongodb://m/lw', BOOTSTRAP_API_KEY: 'lw_k', LOG_LEVEL: 'debug' });
    expect(c).toMatchObject({ port: 9090, dataDir: '/tmp/lwx', redisUrl: 'redis://h:6380', storeUrl: 'mongodb://m/lw', bootstrapApiKey: 'lw_k', logLevel: 'debug' });
  });

  it('reads AM_TARGET_LABEL (default instance) and names it when it is no label name', () => {
    expect(loadConfig({}).ingest.alertTargetLabel).toBe('instance');
    expect(loadConfig({ AM_TARGET_LABEL: 'service' }).ingest.alertTargetLabel).toBe('service');
    expect(() => loadConfig({ AM_TARGET_LABEL: 'my-label' })).toThrow(/AM_TARGET_LABEL must be a Prometheus label name/);
  });

  it('reads TRUSTED_PROXIES and the login limits, naming a bad value', () => {
    const c = loadConfig({ TRUSTED_PROXIES: '10.0.0.0/8, 172.16.0.0/12', LOGIN_ATTEMPTS_PER_MIN: '30', LOGIN_FAILURES_PER_MIN: '0' });
    expect(c.gateway.trustedProxies?.cidrs).toEqual(['10.0.0.0/8', '172.16.0.0/12']);
    expect(c.gateway).toMatchObject({ loginAttemptsPerMin: 30, loginFailuresPerMin: 0 });
    expect(loadConfig({}).gateway).toMatchObject({ trustedProxies: null, loginAttemptsPerMin: 20, loginFailuresPerMin: 5 });
    let err: unknown;
    try {
      loadConfig({ TRUSTED_PROXIES: '10.0.0.0/33', LOGIN_FAILURES_PER_MIN: '-1' });
    } catch (e) {
      err = e;
    }
    const problems = (err as ConfigError).problems.join('\n');
    expect(problems).toContain('TRUSTED_PROXIES="10.0.0.0/33" is not valid');
    expect(problems).toContain('LOGIN_FAILURES_PER_MIN="-1" is not valid');
  });

  it('reads NOTIFY_ALLOWED_NETWORKS apart from CHECK_ALLOWED_NETWORKS (unset: anywhere), naming a bad value', () => {
    expect(loadConfig({}).detector).toMatchObject({ checkAllowedNetworks: null, notifyAllowedNetworks: null });
    const c = loadConfig({ NOTIFY_ALLOWED_NETWORKS: '10.0.0.0/8, fd00::/8', CHECK_ALLOWED_NETWORKS: '192.0.2.0/24' });
    expect(c.detector.notifyAllowedNetworks?.cidrs).toEqual(['10.0.0.0/8', 'fd00::/8']);
    expect(c.detector.checkAllowedNetworks?.cidrs).toEqual(['192.0.2.0/24']);
    expect(() => loadConfig({ NOTIFY_ALLOWED_NETWORKS: '10.0.0.0/33' })).toThrow(/NOTIFY_ALLOWED_NETWORKS="10\.0\.0\.0\/33" is not valid/);
  });

  it('reads PROMQL_WORKERS, PROMQL_INLINE_POINTS and PROMQL_QUEUE, naming a bad value', () => {
    expect(loadConfig({}).promql).toEqual({ workers: 2, inlinePoints: 200_000, queue: 8 });
    expect(loadConfig({ PROMQL_WORKERS: '0', PROMQL_INLINE_POINTS: '5000000', PROMQL_QUEUE: '0' }).promql).toEqual({ workers: 0, inlinePoints: 5_000_000, queue: 0 });
    let err: unknown;
    try {
      loadConfig({ PROMQL_WORKERS: '65', PROMQL_INLINE_POINTS: '1e6', PROMQL_QUEUE: '-1' });
    } catch (e) {
      err = e;
    }
    expect((err as ConfigError).problems).toEqual([
      'PROMQL_WORKERS="65" is not valid: expected an integer from 0 to 64',
      'PROMQL_INLINE_POINTS="1e6" is not valid: expected an integer from 0 to 9007199254740991',
      'PROMQL_QUEUE="-1" is not valid: expected an integer from 0 to 10000',
    ]);
  });
});
