import { colorAt, emptyNote, esc, extent, legend, openSvg, px, scale, type ChartBase } from './svg-kit.js';

export interface ScatterSeries {
  name: string;
  points: readonly (readonly [number, number])[];
  color?: string;
  /** Marker radius in pixels (default 2.5). */
  radius?: number;
  opacity?: number;
}

export interface ScatterChartOptions extends ChartBase {
  /** Drawn in order: later series on top. */
  series: readonly ScatterSeries[];
  /** A note under the title (e.g. how the points were sampled). */
  subtitle?: string;
}

/**
 * A 2-D map (UMAP coordinates have no units, so no axes): one `<g class="scatter-series">` per
 * series holding a `<circle class="point">` per point, equal scale on both axes.
 */
export function scatterChart(o: ScatterChartOptions): string {
  const width = o.width ?? 640;
  const height = o.height ?? 520;
  const box = { left: 16, top: o.subtitle ? 56 : 40, width: width - 32, height: height - (o.subtitle ? 56 : 40) - 30 };
  const parts = [openSvg('scatter', o.title, width, height)];
  if (o.subtitle) parts.push(`<text class="subtitle" x="${px(width / 2)}" y="32" text-anchor="middle" fill="#666">${esc(o.subtitle)}</text>`);
  parts.push(`<rect class="frame" x="${px(box.left)}" y="${px(box.top)}" width="${px(box.width)}" height="${px(box.height)}" fill="none" stroke="#ddd"/>`);
  const all = o.series.flatMap((s) => s.points).filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
  const xs = extent(all.map((p) => p[0]));
  const ys = extent(all.map((p) => p[1]));
  if (!xs || !ys) {
    parts.push(emptyNote(box), '</svg>');
    return parts.join('');
  }
  // One scale for both axes (distances on the map are comparable in every direction), centred.
  const span = Math.max(xs[1] - xs[0], ys[1] - ys[0]) || 1;
  const k = Math.min(box.width, box.height) / span;
  const ox = box.left + (box.width - (xs[1] - xs[0]) * k) / 2;
  const oy = box.top + (box.height - (ys[1] - ys[0]) * k) / 2;
  const sx = scale(xs[0], xs[0] + span, ox, ox + span * k);
  const sy = scale(ys[0], ys[0] + span, oy + (ys[1] - ys[0]) * k, oy + (ys[1] - ys[0]) * k - span * k);
  o.series.forEach((s, i) => {
    const color = s.color ?? colorAt(i);
    parts.push(`<g class="scatter-series" data-name="${esc(s.name)}" fill="${esc(color)}" fill-opacity="${px(s.opacity ?? 0.75)}">`);
    for (const [x, y] of s.points) {
      if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
      parts.push(`<circle class="point" cx="${px(sx(x))}" cy="${px(sy(y))}" r="${px(s.radius ?? 2.5)}"/>`);
    }
    parts.push('</g>');
  });
  parts.push(legend(o.series.map((s, i) => ({ name: `${s.name} (${s.points.length})`, color: s.color ?? colorAt(i) })), box.left + box.width, box.top + box.height + 20));
  parts.push('</svg>');
  return parts.join('');
}
