import path from 'node:path';
import { formatZodIssues, openFeatureFile, stepContext, TWINDB_VERSION, UsageError, type StepContext } from '@twindb/core-tensors';
import type { SampleReport } from '@twindb/nn-sampler';
import { esc, renderPage, type Section } from './html/page.js';
import { Thumbnails } from './images/thumbnails.js';
import { locateRun, type RunLayout } from './locate-run.js';
import { readJson, readSampleNeighbours } from './read/read-files.js';
import { ReportOptionsSchema, type ReportOptions, type ReportOptionsInput } from './report-options.js';
import { clustersSection } from './sections/clusters-section.js';
import { mapSection } from './sections/map-section.js';
import { matchSection } from './sections/match-section.js';
import { neighboursSection } from './sections/neighbours-section.js';
import { pretextSection } from './sections/pretext-section.js';
import { checkReportFile, writeReportFile } from './write-report-file.js';

/** What `twindb report --json` prints. */
export interface ReportSummary {
  /** The HTML file written. */
  file: string;
  bytes: number;
  run: string;
  kind: RunLayout['kind'];
  /** Each part of the page, and what it could not show. */
  sections: { id: string; title: string; missing: string[] }[];
  images: { drawn: number; missing: number };
  seconds: number;
}

export interface ReportResult {
  summary: ReportSummary;
  html: string;
}

/**
 * `twindb report`: one self-contained `report.html` of a run folder (no script, no external
 * resource: charts are inline SVG, images inline PNG). Each part of the page that finds no input
 * says what is missing and what would produce it, so a lone `twindb sample` folder still reports.
 */
export async function runReport(input: ReportOptionsInput, context: Partial<StepContext> = {}): Promise<ReportResult> {
  const ctx = stepContext(context);
  const parsed = ReportOptionsSchema.safeParse(input);
  if (!parsed.success) throw new UsageError(`report options: ${formatZodIssues(parsed.error.issues)}`);
  const o: ReportOptions = parsed.data;
  const t0 = performance.now();
  const layout = await locateRun(o.run);
  const out = o.out ?? path.join(layout.run, 'report.html');
  // Refused before any work: a file of yours, a folder, an unwritable place.
  await checkReportFile(out);

  const dbOf = async (file: string | undefined) => (file ? (await openFeatureFile(file).catch(() => undefined))?.meta.db : undefined);
  const images = new Thumbnails({ dbs: { target: await dbOf(layout.targetFeatures), pool: await dbOf(layout.poolFeatures[0]) }, log: ctx.log });
  const report = layout.newdb ? await readJson<SampleReport>(path.join(layout.newdb, 'report.json')) : undefined;
  const neighbours = layout.newdb ? await readSampleNeighbours(path.join(layout.newdb, 'neighbors.arrow')).catch(() => undefined) : undefined;

  ctx.log(`report: ${layout.run} (${layout.kind} folder)`);
  const sections: Section[] = [];
  sections.push(await pretextSection(layout.pretext));
  ctx.signal?.throwIfAborted();
  sections.push(matchSection(report, neighbours, layout.newdb));
  if (o.mapPoints > 0) sections.push(await mapSection(layout, { points: o.mapPoints, seed: o.seed, log: ctx.log }));
  ctx.signal?.throwIfAborted();
  sections.push(await neighboursSection(layout.newdb, neighbours, images, { strips: o.strips, uncovered: o.uncovered, seed: o.seed }));
  sections.push(await clustersSection('scan', layout.scan, images, o.prototypes));
  sections.push(await clustersSection('selflabel', layout.selflabel, images, o.prototypes));
  ctx.signal?.throwIfAborted();
  for (const p of images.problems) sections.find((s) => s.id === 'neighbours')?.missing.push(p);

  const html = renderPage({
    title: `twindb report · ${path.basename(layout.run)}`,
    subtitle: `${layout.run} · ${layout.kind === 'mixed' ? 'run' : layout.kind} folder · written ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC by twindb ${TWINDB_VERSION}`,
    overview: overview(layout, sections),
    sections,
  });
  const file = await writeReportFile(out, html);
  const summary: ReportSummary = {
    file,
    bytes: Buffer.byteLength(html),
    run: layout.run,
    kind: layout.kind,
    sections: sections.map((s) => ({ id: s.id, title: s.title, missing: s.missing })),
    images: { drawn: images.drawn.target + images.drawn.pool, missing: images.missing.target + images.missing.pool },
    seconds: Math.round((performance.now() - t0) / 100) / 10,
  };
  ctx.log(`report: ${file} (${(summary.bytes / 1024).toFixed(0)} KiB, ${summary.images.drawn} images, ${summary.seconds} s)`);
  return { summary, html };
}

function overview(layout: RunLayout, sections: readonly Section[]): string {
  const rel = (p: string | undefined) => (p === undefined ? undefined : path.relative(layout.run, p) || '.');
  const steps: [string, string | undefined, string][] = [
    ['STEP 1 · pretext (SimCLR)', rel(layout.pretext), 'train-log.jsonl'],
    ['STEP 1-1 · features (target)', rel(layout.targetFeatures), 'target feature file'],
    ['STEP 1-1 · features (pool)', layout.poolFeatures.length ? layout.poolFeatures.map(rel).join(', ') : undefined, 'pool feature file(s)'],
    ['STEP 1-2 · sample (the new DB)', rel(layout.newdb), 'report.json'],
    ['STEP 2 · scan', rel(layout.scan), 'scan.summary.json'],
    ['STEP 3 · selflabel', rel(layout.selflabel), 'selflabel.summary.json'],
  ];
  const rows = steps
    .map(
      ([name, where, what]) =>
        `<tr><th>${esc(name)}</th>${where !== undefined ? `<td class="ok">found</td><td>${esc(where)}</td>` : `<td class="absent">missing</td><td>no ${esc(what)}</td>`}</tr>`,
    )
    .join('');
  const gaps = sections.flatMap((s) => s.missing.map((m) => `<li><a href="#${esc(s.id)}">${esc(s.title)}</a>: ${esc(m)}</li>`));
  return (
    `<table class="status"><thead><tr><th>step</th><th>outputs</th><th>where</th></tr></thead><tbody>${rows}</tbody></table>` +
    (gaps.length ? `<h3>Not shown</h3><ul class="gaps">${gaps.join('')}</ul>` : '<p class="note">Every part of the report found its inputs.</p>')
  );
}
