import { axes, colorAt, emptyNote, esc, extent, legend, niceDomain, niceTicks, openSvg, px, scale, type ChartBase } from './svg-kit.js';

export interface LineSeries {
  name: string;
  /** [x, y] in x order; non-finite values are skipped. */
  points: readonly (readonly [number, number])[];
  color?: string;
}

export interface LineChartOptions extends ChartBase {
  series: readonly LineSeries[];
  xLabel?: string;
  yLabel?: string;
  /** Fixed y range (e.g. [0, 1] for accuracies); default: the data's, widened to nice ticks. */
  yDomain?: readonly [number, number];
  /** Integer x ticks only (epochs). */
  integerX?: boolean;
}

/**
 * Lines over a shared x axis (training curves): one `<path class="series">` per series with a
 * marker (`<circle class="point">`) at every point, so a one-epoch run still shows its value.
 */
export function lineChart(o: LineChartOptions): string {
  const width = o.width ?? 520;
  const height = o.height ?? 280;
  const box = { left: 56, top: 40, width: width - 56 - 16, height: height - 40 - 44 };
  const series = o.series.map((s) => ({ ...s, points: s.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y)) }));
  const all = series.flatMap((s) => s.points);
  const parts = [openSvg('line', o.title, width, height)];
  const xs = extent(all.map((p) => p[0]));
  const ys = extent(all.map((p) => p[1]));
  if (!xs || !ys) {
    parts.push(axes({ box }), emptyNote(box), '</svg>');
    return parts.join('');
  }
  const [x0, x1] = xs[0] === xs[1] ? [xs[0] - 1, xs[1] + 1] : xs;
  const [y0, y1] = o.yDomain ? [o.yDomain[0], o.yDomain[1]] : niceDomain(ys[0], ys[1]);
  const sx = scale(x0, x1, box.left + 8, box.left + box.width - 8);
  const sy = scale(y0, y1, box.top + box.height, box.top);
  const xTicks = niceTicks(x0, x1, Math.min(8, Math.max(2, Math.round(box.width / 70))))
    .filter((v) => !o.integerX || Number.isInteger(v))
    .map((v) => ({ value: v, at: sx(v) }));
  parts.push(axes({ box, xTicks, yTicks: niceTicks(y0, y1, 5).map((v) => ({ value: v, at: sy(v) })), xLabel: o.xLabel, yLabel: o.yLabel }));
  series.forEach((s, i) => {
    const color = s.color ?? colorAt(i);
    if (s.points.length === 0) return;
    const d = s.points.map(([x, y], k) => `${k === 0 ? 'M' : 'L'}${px(sx(x))},${px(sy(y))}`).join(' ');
    parts.push(`<g class="line-series" data-name="${esc(s.name)}">`);
    parts.push(`<path class="series" d="${d}" fill="none" stroke="${esc(color)}" stroke-width="2"/>`);
    for (const [x, y] of s.points) {
      parts.push(`<circle class="point" cx="${px(sx(x))}" cy="${px(sy(y))}" r="3" fill="${esc(color)}"><title>${esc(`${s.name}: ${x}, ${y}`)}</title></circle>`);
    }
    parts.push('</g>');
  });
  if (series.length > 1) parts.push(legend(series.map((s, i) => ({ name: s.name, color: s.color ?? colorAt(i) })), width - 16, 32));
  parts.push('</svg>');
  return parts.join('');
}
