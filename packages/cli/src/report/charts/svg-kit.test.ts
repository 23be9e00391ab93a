import { describe, expect, it } from 'vitest';
import { esc, fmt, niceDomain, niceTicks, px, scale } from './svg-kit.js';

describe('svg-kit', () => {
  it('escapes the five XML characters', () => {
    expect(esc(`<a href="x">&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;');
  });
  it('nice ticks are 1-2-5 steps inside the range', () => {
    expect(niceTicks(0, 1, 5)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(-0.03, 0.05, 4)).toEqual([-0.02, 0, 0.02, 0.04]);
    expect(niceTicks(3, 3)).toEqual([3]);
    expect(niceTicks(NaN, 1)).toEqual([0]);
    expect(niceDomain(0.013, 0.987)).toEqual([0, 1]);
    expect(niceDomain(0, 0)).toEqual([0, 1]);
  });
  it('formats numbers compactly and never prints NaN', () => {
    expect(fmt(0.123456)).toBe('0.123');
    expect(fmt(12345)).toBe('12,345');
    expect(fmt(1e-5)).toBe('1.0e-5');
    expect(fmt(NaN)).toBe('–');
    expect(px(NaN)).toBe('0');
    expect(px(1.23456)).toBe('1.23');
  });
  it('maps a domain onto a range, a degenerate one to the middle', () => {
    expect(scale(0, 10, 100, 200)(5)).toBe(150);
    expect(scale(2, 2, 0, 10)(7)).toBe(5);
  });
});
