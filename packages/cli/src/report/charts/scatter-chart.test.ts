import { describe, expect, it } from 'vitest';
import { byClass, checkChart, findAll } from '../../../test/svg-dom.js';
import { scatterChart } from './scatter-chart.js';

describe('scatterChart', () => {
  it('one group per series with one circle per finite point, all inside the frame, legend with counts', () => {
    const svg = scatterChart({
      title: 'map',
      subtitle: 'UMAP of 5 points',
      series: [
        { name: 'pool', points: [[0, 0], [10, 5], [NaN, 1]], color: '#bbb' },
        { name: 'target', points: [[5, 2], [-3, 8]] },
      ],
    });
    const root = checkChart(svg, 'scatter');
    const groups = findAll(root, byClass('scatter-series'));
    expect(groups.map((g) => g.attrs['data-name'])).toEqual(['pool', 'target']);
    expect(groups.map((g) => findAll(g, byClass('point')).length)).toEqual([2, 2]);
    const frame = findAll(root, byClass('frame'))[0].attrs;
    for (const c of findAll(root, byClass('point'))) {
      expect(Number(c.attrs.cx)).toBeGreaterThanOrEqual(Number(frame.x));
      expect(Number(c.attrs.cx)).toBeLessThanOrEqual(Number(frame.x) + Number(frame.width));
      expect(Number(c.attrs.cy)).toBeGreaterThanOrEqual(Number(frame.y));
      expect(Number(c.attrs.cy)).toBeLessThanOrEqual(Number(frame.y) + Number(frame.height));
    }
    // larger y is drawn higher up
    const [a, b] = findAll(groups[1], byClass('point'));
    expect(Number(b.attrs.cy)).toBeLessThan(Number(a.attrs.cy));
    expect(svg).toContain('pool (3)');
  });

  it('no point: a note', () => {
    expect(findAll(checkChart(scatterChart({ title: 'x', series: [{ name: 'a', points: [] }] }), 'scatter'), byClass('empty'))).toHaveLength(1);
  });
});
