import { describe, expect, it } from 'vitest';
import { byClass, checkChart, findAll } from '../../../test/svg-dom.js';
import { histogramChart } from './histogram-chart.js';

describe('histogramChart', () => {
  it('one closed step outline per series over the bins, and a labelled marker line', () => {
    const svg = histogramChart({
      title: 'distance to the target',
      edges: [0, 0.1, 0.2, 0.3],
      series: [
        { name: 'selected → target', counts: [5, 3, 2] },
        { name: 'target → target', counts: [1, 1, 8] },
      ],
      markers: [{ x: 0.25, label: 'threshold' }],
      xLabel: 'cosine distance',
    });
    const root = checkChart(svg, 'histogram');
    const paths = findAll(root, (e) => e.name === 'path' && byClass('series')(e));
    expect(paths.map((p) => p.attrs['data-name'])).toEqual(['selected → target', 'target → target']);
    for (const p of paths) {
      expect(p.attrs.d.startsWith('M')).toBe(true);
      expect(p.attrs.d.endsWith('Z')).toBe(true);
      // 1 move + 2 points per bin + the closing point
      expect(p.attrs.d.split('L').length - 1).toBe(2 * 3 + 1);
    }
    const marker = findAll(root, byClass('marker'));
    expect(marker).toHaveLength(1);
    expect(findAll(marker[0], (e) => e.name === 'text')[0].text).toBe('threshold');
    expect(svg).toContain('%'); // normalised by default
  });

  it('all-zero counts or no bins: a note', () => {
    expect(findAll(checkChart(histogramChart({ title: 'x', edges: [0, 1], series: [{ name: 'a', counts: [0] }] }), 'histogram'), byClass('empty'))).toHaveLength(1);
    expect(findAll(checkChart(histogramChart({ title: 'x', edges: [0], series: [] }), 'histogram'), byClass('empty'))).toHaveLength(1);
  });
});
