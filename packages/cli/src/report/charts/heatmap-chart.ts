import { esc, fmt, openSvg, px, type ChartBase } from './svg-kit.js';

export interface HeatmapChartOptions extends ChartBase {
  /** Row names (top to bottom) and column names (left to right). */
  rows: readonly string[];
  cols: readonly string[];
  /** values[r][c]; non-finite cells are drawn grey. */
  values: readonly (readonly number[])[];
  xLabel?: string;
  yLabel?: string;
  /** Cells to outline (e.g. the Hungarian matching of a confusion matrix). */
  highlight?: readonly (readonly [number, number])[];
  /** Shade each row by its own maximum (default false: the whole matrix's). */
  perRow?: boolean;
}

/**
 * A matrix as coloured cells (`<rect class="cell">`, white → blue by value) with the value written
 * in each cell when there is room: confusion matrices (true class × cluster).
 */
export function heatmapChart(o: HeatmapChartOptions): string {
  const nr = o.rows.length;
  const nc = o.cols.length;
  const labelW = Math.min(120, 16 + 6.5 * Math.max(1, ...o.rows.map((r) => r.length)));
  const cell = Math.max(12, Math.min(44, Math.floor(520 / Math.max(1, nc, nr))));
  const colLabelH = Math.min(90, 22 + 5 * Math.max(1, ...o.cols.map((c) => c.length)));
  const left = 24 + labelW;
  const top = 28 + colLabelH;
  const width = o.width ?? Math.max(240, left + nc * cell + 16);
  const height = o.height ?? Math.max(160, top + nr * cell + 28);
  const parts = [openSvg('heatmap', o.title, width, height)];
  const finite = o.values.flat().filter((v) => Number.isFinite(v));
  const globalMax = Math.max(0, ...finite);
  for (let c = 0; c < nc; c++) {
    const x = left + c * cell + cell / 2;
    parts.push(`<text class="col-label" x="${px(x)}" y="${px(top - 6)}" text-anchor="start" transform="rotate(-45 ${px(x)} ${px(top - 6)})" fill="#444">${esc(o.cols[c])}</text>`);
  }
  for (let r = 0; r < nr; r++) {
    const y = top + r * cell + cell / 2 + 4;
    parts.push(`<text class="row-label" x="${px(left - 6)}" y="${px(y)}" text-anchor="end" fill="#444">${esc(o.rows[r])}</text>`);
  }
  parts.push('<g class="cells">');
  for (let r = 0; r < nr; r++) {
    const rowMax = o.perRow ? Math.max(0, ...(o.values[r] ?? []).filter((v) => Number.isFinite(v))) : globalMax;
    for (let c = 0; c < nc; c++) {
      const v = o.values[r]?.[c];
      const t = Number.isFinite(v) && rowMax > 0 ? Math.max(0, Math.min(1, v / rowMax)) : 0;
      const fill = Number.isFinite(v) ? shade(t) : '#ccc';
      const x = left + c * cell;
      const y = top + r * cell;
      parts.push(`<rect class="cell" x="${px(x)}" y="${px(y)}" width="${px(cell)}" height="${px(cell)}" fill="${fill}" stroke="#fff"><title>${esc(`${o.rows[r]} × ${o.cols[c]}: ${Number.isFinite(v) ? fmt(v) : '–'}`)}</title></rect>`);
      if (cell >= 22 && Number.isFinite(v)) {
        parts.push(`<text x="${px(x + cell / 2)}" y="${px(y + cell / 2 + 4)}" text-anchor="middle" font-size="10" fill="${t > 0.55 ? '#fff' : '#222'}">${esc(fmt(v))}</text>`);
      }
    }
  }
  parts.push('</g>');
  for (const [r, c] of o.highlight ?? []) {
    if (r < 0 || r >= nr || c < 0 || c >= nc) continue;
    parts.push(`<rect class="highlight" x="${px(left + c * cell + 1)}" y="${px(top + r * cell + 1)}" width="${px(cell - 2)}" height="${px(cell - 2)}" fill="none" stroke="#e8590c" stroke-width="2"/>`);
  }
  if (o.xLabel) parts.push(`<text class="x-label" x="${px(left + (nc * cell) / 2)}" y="${px(top + nr * cell + 18)}" text-anchor="middle" fill="#444">${esc(o.xLabel)}</text>`);
  if (o.yLabel) {
    const y = top + (nr * cell) / 2;
    parts.push(`<text class="y-label" x="12" y="${px(y)}" text-anchor="middle" transform="rotate(-90 12 ${px(y)})" fill="#444">${esc(o.yLabel)}</text>`);
  }
  parts.push('</svg>');
  return parts.join('');
}

/** t in [0, 1] → white to deep blue. */
function shade(t: number): string {
  const lerp = (a: number, b: number) => Math.round(a + (b - a) * t);
  const hex = (v: number) => v.toString(16).padStart(2, '0');
  return `#${hex(lerp(247, 8))}${hex(lerp(251, 69))}${hex(lerp(255, 148))}`;
}
