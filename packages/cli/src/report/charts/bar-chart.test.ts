import { describe, expect, it } from 'vitest';
import { byClass, checkChart, findAll } from '../../../test/svg-dom.js';
import { barChart } from './bar-chart.js';

describe('barChart', () => {
  it('draws one bar per category and series, grouped, heights ordered as the values', () => {
    const svg = barChart({
      title: 'class mix',
      categories: ['0', '1', '2'],
      series: [
        { name: 'target', values: [0.6, 0.4, 0] },
        { name: 'selected', values: [0.5, 0.3, 0.2] },
      ],
      percent: true,
    });
    const root = checkChart(svg, 'bar');
    const groups = findAll(root, byClass('bar-series'));
    expect(groups.map((g) => g.attrs['data-name'])).toEqual(['target', 'selected']);
    const bars = groups.map((g) => findAll(g, byClass('bar')));
    expect(bars.map((b) => b.length)).toEqual([3, 3]);
    const h = bars[0].map((b) => Number(b.attrs.height));
    expect(h[0]).toBeGreaterThan(h[1]);
    expect(h[2]).toBeGreaterThan(0); // a zero keeps a hairline
    expect(h[2]).toBeLessThan(1);
    // bars of one category sit side by side, left to right by series
    expect(Number(bars[1][0].attrs.x)).toBeGreaterThan(Number(bars[0][0].attrs.x));
    expect(svg).toContain('60 %');
  });

  it('many or long categories rotate their labels; no data gives a note', () => {
    const cats = Array.from({ length: 20 }, (_, i) => `class ${i}`);
    const svg = barChart({ title: 'sizes', categories: cats, series: [{ name: 'n', values: cats.map((_, i) => i) }] });
    expect(findAll(checkChart(svg, 'bar'), byClass('bar'))).toHaveLength(20);
    expect(svg).toContain('rotate(-40');
    expect(findAll(checkChart(barChart({ title: 'x', categories: [], series: [] }), 'bar'), byClass('empty'))).toHaveLength(1);
  });
});
