import { describe, expect, it } from 'vitest';
import type { Target } from '../../lib/store/types.js';
import { firstRunAt } from '../../lib/checks/spread.js';
import { createProbeAgent, type ProbeResult } from './agent.js';
import { loadProbeConfig } from './config.js';

const site = (name: string, locations?: string[]): Target => ({ id: name, tenant: 't', name, kind: 'tcp', labels: {}, channels: [], paused: false, createdAt: 0, updatedAt: 0, tcp: { host: 'x', port: 1, intervalSec: 60, timeoutMs: 1000, retries: 0, retryBackoffMs: 0, ...(locations ? { locations } : {}) } });

describe('probe agent on a manual clock', () => {
  it('runs only the checks naming its location, once per interval at a stable phase', async () => {
    let now = 1_000_000;
    const reported: ProbeResult[] = [];
    const agent = createProbeAgent({
      location: 'eu',
      listTargets: async () => [site('a', ['eu', 'us']), site('b', ['us']), site('c')],
      report: async (r) => void reported.push(...r),
      runCheck: async () => ({ ok: true, latencyMs: 1, attempts: 1 }),
      now: () => now,
      onError: (err) => {
        throw err;
      },
    });
    await agent.refresh();
    expect(agent.scheduled).toBe(1);
    const first = firstRunAt('t\u0000a', 60_000, 1_000_000);
    now = first - 1;
    agent.tick();
    await agent.idle();
    expect(reported).toEqual([]);
    now = first;
    agent.tick();
    agent.tick();
    await agent.idle();
    expect(reported).toEqual([{ tenant: 't', target: 'a', location: 'eu', at: first, body: { ok: true, latencyMs: 1, attempts: 1 } }]);
    now = first + 60_000;
    agent.tick();
    await agent.idle();
    expect(reported).toHaveLength(2);
    await agent.close();
  });

  it('spreads the phases of many targets over the interval', () => {
    const starts = Array.from({ length: 10_000 }, (_, i) => firstRunAt(`t\u0000target-${i}`, 60_000, 0));
    const perSecond = new Array(60).fill(0) as number[];
    for (const s of starts) perSecond[Math.floor(s / 1000)]!++;
    expect(Math.max(...perSecond)).toBeLessThan(250); // 10,000 / 60 ≈ 167 a second
  });
});

describe('probe configuration', () => {
  it('names every bad or missing variable at once', () => {
    expect(() => loadProbeConfig({})).toThrow(/LOCATION is not set[\s\S]*LIGHTWATCH_URL is not set[\s\S]*LIGHTWATCH_API_KEY is not set/);
    expect(() => loadProbeConfig({ LOCATION: 'EU West', LIGHTWATCH_URL: 'http://lw:8080', LIGHTWATCH_API_KEY: 'k' })).toThrow(/LOCATION="EU West" is not valid/);
    expect(loadProbeConfig({ LOCATION: 'eu-west', LIGHTWATCH_URL: 'http://lw:8080/', LIGHTWATCH_API_KEY: 'k' })).toMatchObject({ location: 'eu-west', url: 'http://lw:8080', refreshMs: 30_000 });
  });
});
