import { describe, expect, it } from 'vitest';
import { byClass, checkChart, findAll } from '../../../test/svg-dom.js';
import { lineChart } from './line-chart.js';

describe('lineChart', () => {
  it('draws one path per series and one marker per point, with a legend naming each series', () => {
    const svg = lineChart({
      title: 'kNN <accuracy>',
      series: [
        { name: 'head', points: [[0, 0.7], [5, 0.9], [10, 0.95]] },
        { name: 'backbone', points: [[0, 0.6], [5, 0.85], [10, 0.93]] },
      ],
      xLabel: 'epoch',
      yLabel: 'accuracy',
      yDomain: [0, 1],
      integerX: true,
    });
    const root = checkChart(svg, 'line');
    expect(findAll(root, (e) => e.name === 'path' && byClass('series')(e))).toHaveLength(2);
    expect(findAll(root, byClass('point'))).toHaveLength(6);
    expect(findAll(root, (e) => e.name === 'g' && byClass('legend')(e))).toHaveLength(1);
    expect(svg).toContain('kNN &lt;accuracy&gt;');
    expect(findAll(root, byClass('x-label'))[0].text).toBe('epoch');
    // every point lies inside the drawing
    for (const c of findAll(root, byClass('point'))) {
      expect(Number(c.attrs.cx)).toBeGreaterThan(0);
      expect(Number(c.attrs.cx)).toBeLessThan(Number(root.attrs.width));
      expect(Number(c.attrs.cy)).toBeGreaterThan(0);
      expect(Number(c.attrs.cy)).toBeLessThan(Number(root.attrs.height));
    }
  });

  it('a single point still shows a marker; non-finite values are skipped', () => {
    const root = checkChart(lineChart({ title: 'loss', series: [{ name: 'loss', points: [[1, 4.56], [2, NaN]] }] }), 'line');
    expect(findAll(root, byClass('point'))).toHaveLength(1);
    expect(findAll(root, byClass('legend'))).toHaveLength(0);
  });

  it('no data: a note instead of series', () => {
    const root = checkChart(lineChart({ title: 'empty', series: [] }), 'line');
    expect(findAll(root, byClass('series'))).toHaveLength(0);
    expect(findAll(root, byClass('empty'))[0].text).toBe('no data');
  });
});
