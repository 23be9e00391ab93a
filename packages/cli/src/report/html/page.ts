import { esc, fmt } from '../charts/svg-kit.js';
import { REPORT_MARKER } from '../write-report-file.js';

export { esc, fmt };

/** One part of the report. */
export interface Section {
  id: string;
  title: string;
  /** Inner HTML. */
  html: string;
  /** What this part could not show and why (shown in the section and in the overview). */
  missing: string[];
}

/** A grey box saying what is missing and what would produce it. */
export function missingNote(text: string): string {
  return `<p class="missing">${esc(text)}</p>`;
}

/** A chart (inline SVG) with an optional caption. */
export function figure(svg: string, caption?: string): string {
  return `<figure>${svg}${caption ? `<figcaption>${esc(caption)}</figcaption>` : ''}</figure>`;
}

/** A table: the first row is the header. Cells are text (escaped). */
export function table(rows: readonly (readonly (string | number | null | undefined)[])[], cls = 'numbers'): string {
  if (rows.length === 0) return '';
  const cell = (v: string | number | null | undefined) => (v === null || v === undefined ? '–' : typeof v === 'number' ? fmt(v) : esc(v));
  const [head, ...body] = rows;
  return (
    `<table class="${esc(cls)}"><thead><tr>${head.map((h) => `<th>${cell(h)}</th>`).join('')}</tr></thead>` +
    `<tbody>${body.map((r) => `<tr>${r.map((v, i) => (i === 0 ? `<th>${cell(v)}</th>` : `<td>${cell(v)}</td>`)).join('')}</tr>`).join('')}</tbody></table>`
  );
}

/** An inline thumbnail, or a placeholder box when the image could not be read. */
export function thumb(uri: string | null, caption: string, cls = ''): string {
  const img = uri ? `<img src="${uri}" alt="${esc(caption)}" width="56" height="56">` : `<span class="noimg" title="image not available">?</span>`;
  return `<figure class="thumb ${esc(cls)}">${img}<figcaption>${esc(caption)}</figcaption></figure>`;
}

const CSS = `
:root { color-scheme: light; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0; color: #222; background: #fafafa; }
header { background: #1f2d3d; color: #fff; padding: 18px 32px; }
header h1 { margin: 0 0 4px; font-size: 22px; }
header p { margin: 0; opacity: .85; }
nav { padding: 8px 32px; background: #eef1f5; border-bottom: 1px solid #dde; }
nav a { margin-right: 16px; color: #1f4e8c; text-decoration: none; }
main { padding: 8px 32px 40px; max-width: 1400px; }
section { background: #fff; border: 1px solid #e3e3e3; border-radius: 6px; padding: 12px 20px 18px; margin: 18px 0; }
h2 { font-size: 18px; margin: 6px 0 10px; }
h3 { font-size: 15px; margin: 14px 0 6px; }
.charts { display: flex; flex-wrap: wrap; gap: 12px; align-items: flex-start; }
figure { margin: 0; }
figcaption { font-size: 12px; color: #555; max-width: 520px; }
svg.chart { background: #fff; display: block; max-width: 100%; height: auto; }
.missing { background: #fff7e6; border-left: 4px solid #f0a020; padding: 6px 10px; color: #6b4a00; margin: 8px 0; }
.note { color: #555; font-size: 13px; }
table.numbers { border-collapse: collapse; font-size: 13px; margin: 6px 0 10px; }
table.numbers th, table.numbers td { border-bottom: 1px solid #eee; padding: 3px 10px; text-align: right; }
table.numbers th:first-child { text-align: left; font-weight: 500; }
table.numbers thead th { border-bottom: 2px solid #ccc; font-weight: 600; }
table.status td, table.status th { text-align: left; padding: 3px 10px; border-bottom: 1px solid #eee; font-size: 13px; }
.ok { color: #2b8a3e; } .absent { color: #b35c00; }
.strip { display: flex; align-items: flex-start; gap: 4px; margin: 6px 0; padding: 4px; border-bottom: 1px solid #f0f0f0; }
.strip .arrow { align-self: center; color: #999; padding: 0 6px; font-size: 18px; }
.thumb { display: inline-flex; flex-direction: column; align-items: center; width: 64px; }
.thumb img, .thumb .noimg { width: 56px; height: 56px; image-rendering: pixelated; border: 2px solid transparent; background: #000; }
.thumb .noimg { display: flex; align-items: center; justify-content: center; background: #eee; color: #999; }
.thumb figcaption { font-size: 10px; color: #555; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; max-width: 64px; }
.thumb.target img { border-color: #ff725c; }
.thumb.selected img { border-color: #4269d0; }
.thumb.unselected img { opacity: .45; }
.proto-row { display: flex; align-items: center; gap: 4px; margin: 4px 0; }
.proto-row .label { width: 160px; font-size: 12px; color: #444; }
`;

export interface PageInput {
  title: string;
  subtitle: string;
  sections: readonly Section[];
  /** The overview table comes first. */
  overview: string;
}

/**
 * The whole page: no script, no external resource (a Content-Security-Policy that forbids every
 * fetch but inline styles and data: images says so to the browser too), charts as inline SVG.
 */
export function renderPage(p: PageInput): string {
  const nav = p.sections.map((s) => `<a href="#${esc(s.id)}">${esc(s.title)}</a>`).join('');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
${REPORT_MARKER}
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(p.title)}</title>
<style>${CSS}</style>
</head>
<body>
<header><h1>${esc(p.title)}</h1><p>${esc(p.subtitle)}</p></header>
<nav><a href="#overview">Overview</a>${nav}</nav>
<main>
<section id="overview"><h2>Overview</h2>${p.overview}</section>
${p.sections
  .map((s) => `<section id="${esc(s.id)}"><h2>${esc(s.title)}</h2>${s.missing.map(missingNote).join('')}${s.html}</section>`)
  .join('\n')}
</main>
</body>
</html>
`;
}
