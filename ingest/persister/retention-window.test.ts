import { describe, expect, it } from 'vitest';
import { nextRetentionWindow, usedMemoryOf } from './retention-window.js';

const HOUR = 3_600_000;
const MB = 1024 * 1024;

describe('nextRetentionWindow', () => {
  it('is the configured retention when memory is not bounded', () => {
    expect(nextRetentionWindow({ currentMs: 10, configuredMs: HOUR, usedBytes: 10_000 * MB, budgetBytes: 0 })).toBe(HOUR);
  });

  it('halves while Redis is over the budget, down to nothing', () => {
    let w = HOUR;
    const seen: number[] = [];
    for (let i = 0; i < 30; i++) seen.push((w = nextRetentionWindow({ currentMs: w, configuredMs: HOUR, usedBytes: 600 * MB, budgetBytes: 512 * MB })));
    expect(seen.slice(0, 3)).toEqual([HOUR / 2, HOUR / 4, HOUR / 8]);
    expect(w).toBe(0);
  });

  it('holds between 75 % and 100 % of the budget, and grows back by a quarter below it, never past the configured retention', () => {
    expect(nextRetentionWindow({ currentMs: 60_000, configuredMs: HOUR, usedBytes: 400 * MB, budgetBytes: 512 * MB })).toBe(60_000);
    expect(nextRetentionWindow({ currentMs: 60_000, configuredMs: HOUR, usedBytes: 100 * MB, budgetBytes: 512 * MB })).toBe(75_000);
    expect(nextRetentionWindow({ currentMs: 0, configuredMs: HOUR, usedBytes: 100 * MB, budgetBytes: 512 * MB })).toBe(1_000);
    expect(nextRetentionWindow({ currentMs: HOUR - 1, configuredMs: HOUR, usedBytes: 100 * MB, budgetBytes: 512 * MB })).toBe(HOUR);
  });

  it('keeps the window when memory could not be read, and follows a lowered configuration', () => {
    expect(nextRetentionWindow({ currentMs: 60_000, configuredMs: HOUR, usedBytes: undefined, budgetBytes: 512 * MB })).toBe(60_000);
    expect(nextRetentionWindow({ currentMs: HOUR, configuredMs: 60_000, usedBytes: 400 * MB, budgetBytes: 512 * MB })).toBe(60_000);
  });
});

describe('usedMemoryOf', () => {
  it('reads used_memory from INFO memory, not its look-alikes', () => {
    const info = '# Memory\r\nused_memory_human:1.02M\r\nused_memory:1069856\r\nused_memory_rss:4423680\r\n';
    expect(usedMemoryOf(info)).toBe(1069856);
    expect(usedMemoryOf('# Memory\r\n')).toBeUndefined();
  });
});
