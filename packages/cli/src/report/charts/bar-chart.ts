import { axes, colorAt, emptyNote, esc, fmt, legend, niceDomain, niceTicks, openSvg, px, scale, type ChartBase } from './svg-kit.js';

export interface BarSeries {
  name: string;
  /** One value per category (non-finite values draw no bar). */
  values: readonly number[];
  color?: string;
}

export interface BarChartOptions extends ChartBase {
  categories: readonly string[];
  series: readonly BarSeries[];
  yLabel?: string;
  xLabel?: string;
  /** Tick labels as percentages of 1 (shares). */
  percent?: boolean;
}

/**
 * Grouped vertical bars: for each category one `<rect class="bar">` per series, side by side
 * (class mixes of target / selected / pool; cluster sizes).
 */
export function barChart(o: BarChartOptions): string {
  const n = o.categories.length;
  const width = o.width ?? Math.max(360, Math.min(960, 80 + n * Math.max(24, 10 * o.series.length + 8)));
  const height = o.height ?? 280;
  // Labels turn when they would not fit side by side under their bars.
  const rotate = n > 0 && Math.max(...o.categories.map((c) => c.length)) * 6.2 > (width - 72) / n - 4;
  const bottom = rotate ? 64 : 44;
  const box = { left: 56, top: 40, width: width - 56 - 16, height: height - 40 - bottom };
  const parts = [openSvg('bar', o.title, width, height)];
  const values = o.series.flatMap((s) => s.values.filter((v) => Number.isFinite(v)));
  if (n === 0 || values.length === 0) {
    parts.push(axes({ box }), emptyNote(box), '</svg>');
    return parts.join('');
  }
  const [y0, y1] = niceDomain(Math.min(0, ...values), Math.max(0, ...values));
  const sy = scale(y0, y1, box.top + box.height, box.top);
  const band = box.width / n;
  const inner = band * 0.8;
  const barW = inner / Math.max(1, o.series.length);
  const label = (v: number) => (o.percent ? `${fmt(v * 100)} %` : fmt(v));
  const xTicks = o.categories.map((c, i) => ({ value: c, at: box.left + band * (i + 0.5) }));
  const yTicks = niceTicks(y0, y1, 5).map((v) => ({ value: o.percent ? `${fmt(v * 100)} %` : fmt(v), at: sy(v) }));
  parts.push(axes({ box, xTicks, yTicks, xLabel: o.xLabel, yLabel: o.yLabel, rotateX: rotate }));
  o.series.forEach((s, j) => {
    const color = s.color ?? colorAt(j);
    parts.push(`<g class="bar-series" data-name="${esc(s.name)}" fill="${esc(color)}">`);
    o.categories.forEach((c, i) => {
      const v = s.values[i];
      if (!Number.isFinite(v)) return;
      const x = box.left + band * i + (band - inner) / 2 + barW * j;
      // A zero still gets a hairline, so every category shows where its bar would be.
      const h = Math.max(0.75, Math.abs(sy(v) - sy(0)));
      parts.push(`<rect class="bar" x="${px(x)}" y="${px(v >= 0 ? sy(0) - h : sy(0))}" width="${px(Math.max(1, barW - 1))}" height="${px(h)}"><title>${esc(`${s.name} · ${c}: ${label(v)}`)}</title></rect>`);
    });
    parts.push('</g>');
  });
  if (o.series.length > 1) parts.push(legend(o.series.map((s, j) => ({ name: s.name, color: s.color ?? colorAt(j) })), width - 16, 32));
  parts.push('</svg>');
  return parts.join('');
}
