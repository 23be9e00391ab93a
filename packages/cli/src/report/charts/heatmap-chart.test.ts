import { describe, expect, it } from 'vitest';
import { byClass, checkChart, findAll } from '../../../test/svg-dom.js';
import { heatmapChart } from './heatmap-chart.js';

describe('heatmapChart', () => {
  it('rows × cols cells, darker for larger values, labels and highlighted cells', () => {
    const svg = heatmapChart({
      title: 'confusion',
      rows: ['0', '1'],
      cols: ['cluster 0', 'cluster 1', 'cluster 2'],
      values: [
        [16, 8, 0],
        [2, 14, NaN],
      ],
      highlight: [
        [0, 0],
        [1, 1],
        [5, 5],
      ],
      xLabel: 'cluster',
      yLabel: 'true class',
    });
    const root = checkChart(svg, 'heatmap');
    const cells = findAll(root, byClass('cell'));
    expect(cells).toHaveLength(6);
    const lum = (fill: string) => parseInt(fill.slice(1, 3), 16) + parseInt(fill.slice(3, 5), 16) + parseInt(fill.slice(5, 7), 16);
    expect(lum(cells[0].attrs.fill)).toBeLessThan(lum(cells[1].attrs.fill));
    expect(cells[5].attrs.fill).toBe('#ccc');
    expect(findAll(root, byClass('row-label')).map((e) => e.text)).toEqual(['0', '1']);
    expect(findAll(root, byClass('col-label')).map((e) => e.text)).toEqual(['cluster 0', 'cluster 1', 'cluster 2']);
    expect(findAll(root, byClass('highlight'))).toHaveLength(2); // out-of-range cell ignored
    expect(svg).toContain('>16<');
  });

  it('an empty matrix is still a well-formed chart', () => {
    expect(findAll(checkChart(heatmapChart({ title: 'x', rows: [], cols: [], values: [] }), 'heatmap'), byClass('cell'))).toHaveLength(0);
  });
});
