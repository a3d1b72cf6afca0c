// Badges: escaped text, colours by state and uptime, percentages without float noise.
import { describe, expect, it } from 'vitest';
import { badgeSvg, formatPercent, stateColor, uptimeColor } from './badge.js';

describe('badges', () => {
  it('renders an SVG with escaped label and message', () => {
    const svg = badgeSvg('<api & co>', 'up', 'green');
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg" width="\d+" height="20" role="img" aria-label="&lt;api &amp; co&gt;: up">/);
    expect(svg).not.toContain('<api');
    expect(svg).toContain('#2e7d32');
  });

  it('picks colours and formats percentages', () => {
    expect(stateColor('down')).toBe('red');
    expect(stateColor('maintenance')).toBe('blue');
    expect(uptimeColor(99.95)).toBe('green');
    expect(uptimeColor(99.5)).toBe('yellow');
    expect(uptimeColor(97)).toBe('red');
    expect(uptimeColor(null)).toBe('grey');
    expect(formatPercent(100)).toBe('100%');
    expect(formatPercent(99.98765)).toBe('99.988%');
    expect(formatPercent(null)).toBe('no data');
  });
});
