import { axes, colorAt, emptyNote, esc, fmt, legend, niceDomain, niceTicks, openSvg, px, scale, type ChartBase } from './svg-kit.js';

export interface HistogramSeries {
  name: string;
  /** One count per bin (`edges.length − 1` of them). */
  counts: readonly number[];
  color?: string;
}

export interface HistogramChartOptions extends ChartBase {
  /** Bin edges, ascending (n + 1 for n bins). */
  edges: readonly number[];
  series: readonly HistogramSeries[];
  xLabel?: string;
  /** Divide each series by its total, so sets of different sizes compare (default true). */
  normalize?: boolean;
  /** Vertical reference lines (a threshold, a median). */
  markers?: readonly { x: number; label: string; color?: string }[];
}

/**
 * Histograms over shared bins, overlaid: each series a translucent filled step outline
 * (`<path class="series">`) over its bins, so two or three distributions read at once.
 */
export function histogramChart(o: HistogramChartOptions): string {
  const width = o.width ?? 520;
  const height = o.height ?? 280;
  const box = { left: 56, top: 40, width: width - 56 - 16, height: height - 40 - 44 };
  const normalize = o.normalize ?? true;
  const bins = o.edges.length - 1;
  const parts = [openSvg('histogram', o.title, width, height)];
  const rows = o.series.map((s) => {
    const total = s.counts.reduce((a, b) => a + (Number.isFinite(b) ? b : 0), 0);
    return { ...s, values: s.counts.slice(0, Math.max(0, bins)).map((c) => (Number.isFinite(c) ? (normalize ? (total > 0 ? c / total : 0) : c) : 0)) };
  });
  const top = Math.max(0, ...rows.flatMap((r) => r.values));
  if (bins < 1 || rows.length === 0 || top === 0 || !o.edges.every(Number.isFinite)) {
    parts.push(axes({ box }), emptyNote(box), '</svg>');
    return parts.join('');
  }
  const x0 = o.edges[0];
  const x1 = Math.max(o.edges[bins], ...(o.markers ?? []).map((m) => (Number.isFinite(m.x) ? m.x : -Infinity)));
  const sx = scale(x0, x1, box.left, box.left + box.width);
  const [, y1] = niceDomain(0, top);
  const sy = scale(0, y1, box.top + box.height, box.top);
  const yLabel = normalize ? 'share' : 'count';
  parts.push(
    axes({
      box,
      xTicks: niceTicks(x0, x1, 6).map((v) => ({ value: v, at: sx(v) })),
      yTicks: niceTicks(0, y1, 5).map((v) => ({ value: normalize ? `${fmt(v * 100)} %` : fmt(v), at: sy(v) })),
      xLabel: o.xLabel,
      yLabel,
    }),
  );
  rows.forEach((r, i) => {
    const color = r.color ?? colorAt(i);
    let d = `M${px(sx(o.edges[0]))},${px(sy(0))}`;
    for (let b = 0; b < bins; b++) d += ` L${px(sx(o.edges[b]))},${px(sy(r.values[b]))} L${px(sx(o.edges[b + 1]))},${px(sy(r.values[b]))}`;
    d += ` L${px(sx(o.edges[bins]))},${px(sy(0))} Z`;
    parts.push(
      `<path class="series" data-name="${esc(r.name)}" d="${d}" fill="${esc(color)}" fill-opacity="0.3" stroke="${esc(color)}" stroke-width="1.5"><title>${esc(r.name)}</title></path>`,
    );
  });
  for (const m of o.markers ?? []) {
    if (!Number.isFinite(m.x)) continue;
    const x = sx(m.x);
    // The label sits left of its line, or right of it when the line is near the left edge.
    const right = x - box.left < m.label.length * 6 + 6;
    parts.push(
      `<g class="marker"><line x1="${px(x)}" x2="${px(x)}" y1="${px(box.top)}" y2="${px(box.top + box.height)}" stroke="${esc(m.color ?? '#d00')}" stroke-dasharray="4 3"/>` +
        `<text x="${px(right ? x + 3 : x - 3)}" y="${px(box.top + 10)}" text-anchor="${right ? 'start' : 'end'}" fill="${esc(m.color ?? '#d00')}">${esc(m.label)}</text></g>`,
    );
  }
  parts.push(legend(rows.map((r, i) => ({ name: r.name, color: r.color ?? colorAt(i) })), width - 16, 32));
  parts.push('</svg>');
  return parts.join('');
}
