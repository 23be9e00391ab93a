/**
 * What every chart shares: escaping, number formatting, tick placement, linear scales, the frame
 * (axes with ticks and labels), the legend and the colour palette. Charts are strings of inline SVG
 * made on the server, so the report needs no script and no chart library in the page.
 */

/** Colour-blind-safe categorical palette (Observable 10). */
export const PALETTE = ['#4269d0', '#efb118', '#ff725c', '#6cc5b0', '#3ca951', '#ff8ab7', '#a463f2', '#97bbf5', '#9c6b4e', '#9498a0'] as const;

/** The n-th palette colour (cycling). */
export function colorAt(i: number): string {
  return PALETTE[((i % PALETTE.length) + PALETTE.length) % PALETTE.length];
}

/** Text and attribute values for XML. */
export function esc(s: string | number): string {
  return String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** A coordinate: 2 decimals at most, never NaN in the output. */
export function px(v: number): string {
  if (!Number.isFinite(v)) return '0';
  return String(Math.round(v * 100) / 100);
}

/** A tick or value label: compact, 3 significant digits, SI-free. */
export function fmt(v: number): string {
  if (!Number.isFinite(v)) return '–';
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e6 || a < 1e-3) return v.toExponential(1).replace('e+', 'e');
  if (a >= 1000) return Math.round(v).toLocaleString('en-US');
  return String(Number(v.toPrecision(3)));
}

/** "Nice" tick values covering [lo, hi] (about `count` of them; 1-2-5 steps). */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return [0];
  if (hi < lo) [lo, hi] = [hi, lo];
  if (hi === lo) return [lo];
  const raw = (hi - lo) / Math.max(1, count);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const first = Math.ceil(lo / step - 1e-9) * step;
  const out: number[] = [];
  for (let v = first; v <= hi + step * 1e-9; v += step) out.push(Math.abs(v) < step * 1e-9 ? 0 : Number(v.toPrecision(12)));
  return out;
}

/** Widens [lo, hi] to nice tick bounds (and a degenerate range to a unit one around it). */
export function niceDomain(lo: number, hi: number, count = 5): [number, number] {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return [0, 1];
  if (hi === lo) return lo === 0 ? [0, 1] : [Math.min(0, lo), Math.max(0, hi)];
  const raw = (hi - lo) / Math.max(1, count);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  return [Math.floor(lo / step + 1e-9) * step, Math.ceil(hi / step - 1e-9) * step];
}

/** A linear map from [d0, d1] onto [r0, r1] (a degenerate domain maps to the middle). */
export function scale(d0: number, d1: number, r0: number, r1: number): (v: number) => number {
  if (d1 === d0) return () => (r0 + r1) / 2;
  const k = (r1 - r0) / (d1 - d0);
  return (v) => r0 + (v - d0) * k;
}

/** Finite min and max of numbers (undefined when there is none). */
export function extent(values: Iterable<number>): [number, number] | undefined {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (!Number.isFinite(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return lo <= hi ? [lo, hi] : undefined;
}

export interface Box {
  left: number;
  top: number;
  width: number;
  height: number;
}

/** Size and title every chart takes. */
export interface ChartBase {
  /** Heading inside the chart (also its accessible name). */
  title: string;
  /** Pixels (the SVG scales with its container; these set its aspect and default size). */
  width?: number;
  height?: number;
}

/**
 * The opening of a chart: an `<svg>` with a viewBox, an explicit size, `class="chart"` and
 * `data-chart=<kind>` (tests find every chart by it), its title as `<title>` and as visible text.
 */
export function openSvg(kind: string, title: string, width: number, height: number): string {
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" class="chart" data-chart="${esc(kind)}" role="img" ` +
    `width="${px(width)}" height="${px(height)}" viewBox="0 0 ${px(width)} ${px(height)}" font-family="system-ui, sans-serif" font-size="11">` +
    `<title>${esc(title)}</title>` +
    `<text class="chart-title" x="${px(width / 2)}" y="16" text-anchor="middle" font-size="13" font-weight="600">${esc(title)}</text>`
  );
}

/** A grey message in the middle of the plot area, for a chart with nothing to draw. */
export function emptyNote(box: Box, text = 'no data'): string {
  return `<text class="empty" x="${px(box.left + box.width / 2)}" y="${px(box.top + box.height / 2)}" text-anchor="middle" fill="#888">${esc(text)}</text>`;
}

export interface AxisOptions {
  box: Box;
  /** Tick values and where each goes (already scaled). */
  xTicks?: { value: number | string; at: number }[];
  yTicks?: { value: number | string; at: number }[];
  xLabel?: string;
  yLabel?: string;
  /** Horizontal grid lines at the y ticks (default true). */
  grid?: boolean;
  /** Rotate x tick labels (many categories). */
  rotateX?: boolean;
}

/** The plot frame: axis lines, ticks with labels, grid lines and axis titles. */
export function axes(o: AxisOptions): string {
  const { box } = o;
  const bottom = box.top + box.height;
  const right = box.left + box.width;
  const parts: string[] = ['<g class="axes" stroke="#999" fill="#444">'];
  for (const t of o.yTicks ?? []) {
    if (o.grid !== false) parts.push(`<line x1="${px(box.left)}" x2="${px(right)}" y1="${px(t.at)}" y2="${px(t.at)}" stroke="#eee"/>`);
    parts.push(
      `<text x="${px(box.left - 5)}" y="${px(t.at + 3.5)}" text-anchor="end" stroke="none">${esc(typeof t.value === 'number' ? fmt(t.value) : t.value)}</text>`,
    );
  }
  for (const t of o.xTicks ?? []) {
    parts.push(`<line x1="${px(t.at)}" x2="${px(t.at)}" y1="${px(bottom)}" y2="${px(bottom + 4)}"/>`);
    const label = esc(typeof t.value === 'number' ? fmt(t.value) : t.value);
    parts.push(
      o.rotateX
        ? `<text x="${px(t.at)}" y="${px(bottom + 10)}" text-anchor="end" stroke="none" transform="rotate(-40 ${px(t.at)} ${px(bottom + 10)})">${label}</text>`
        : `<text x="${px(t.at)}" y="${px(bottom + 15)}" text-anchor="middle" stroke="none">${label}</text>`,
    );
  }
  parts.push(`<line x1="${px(box.left)}" x2="${px(right)}" y1="${px(bottom)}" y2="${px(bottom)}"/>`);
  parts.push(`<line x1="${px(box.left)}" x2="${px(box.left)}" y1="${px(box.top)}" y2="${px(bottom)}"/>`);
  if (o.xLabel) parts.push(`<text class="x-label" x="${px(box.left + box.width / 2)}" y="${px(bottom + (o.rotateX ? 46 : 30))}" text-anchor="middle" stroke="none">${esc(o.xLabel)}</text>`);
  if (o.yLabel) {
    const y = box.top + box.height / 2;
    parts.push(`<text class="y-label" x="14" y="${px(y)}" text-anchor="middle" stroke="none" transform="rotate(-90 14 ${px(y)})">${esc(o.yLabel)}</text>`);
  }
  parts.push('</g>');
  return parts.join('');
}

/** One row of swatches with names, right-aligned above the plot area. */
export function legend(items: readonly { name: string; color: string }[], right: number, y: number): string {
  if (items.length === 0) return '';
  const widths = items.map((i) => 18 + i.name.length * 6.2 + 10);
  let x = right - widths.reduce((a, b) => a + b, 0);
  const parts = ['<g class="legend">'];
  items.forEach((item, k) => {
    parts.push(`<rect x="${px(x)}" y="${px(y - 8)}" width="10" height="10" fill="${esc(item.color)}"/>`);
    parts.push(`<text x="${px(x + 14)}" y="${px(y + 1)}" fill="#333">${esc(item.name)}</text>`);
    x += widths[k];
  });
  parts.push('</g>');
  return parts.join('');
}
