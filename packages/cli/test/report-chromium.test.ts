/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync, copyFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { readRunManifest } from '@twindb/core-tensors';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runTwindbExit as twindb } from './run-twindb.js';
import { tinyPipeline } from './tiny-pipeline.js';

/*
 * End to end: the real commands on tiny data (`twindb pipeline`, a lone `twindb sample`), then
 * `twindb report`, then each report.html opened in headless Chromium (Debian's `chromium`, driven by
 * playwright-core; nothing is downloaded): every chart and image must render with a non-zero size,
 * the console must stay free of errors and the page must make no request. Screenshots are saved
 * under packages/cli/test-artifacts/ (and the test's temp folder), their paths printed.
 *
 * Without a Chromium binary the test is skipped with a message saying so; TWINDB_REQUIRE_CHROMIUM=1
 * (set by .ci/run, which installs it) turns that skip into a failure.
 */
const CANDIDATES = [process.env.TWINDB_CHROMIUM, '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome', '/usr/bin/google-chrome-stable'];
const executablePath = CANDIDATES.find((p): p is string => !!p && existsSync(p));
const required = process.env.TWINDB_REQUIRE_CHROMIUM === '1';
if (!executablePath && !required) {
  console.warn(`report-chromium: SKIPPED: no Chromium binary found (looked at ${CANDIDATES.filter(Boolean).join(', ')}); install it with \`apt-get install -y chromium\` or set TWINDB_CHROMIUM`);
}
const artifacts = fileURLToPath(new URL('../test-artifacts/', import.meta.url));

type Browser = import('playwright-core').Browser;

interface PageCheck {
  charts: { kind: string; width: number; height: number; shapes: number }[];
  images: { alt: string; width: number; height: number; naturalWidth: number; complete: boolean }[];
  sections: string[];
  missing: string[];
  strips: number;
  consoleErrors: string[];
  requests: string[];
  screenshot: string;
}

/** Opens a report offline in Chromium, collects what rendered and saves a full-page screenshot. */
async function openReport(browser: Browser, file: string, shot: string): Promise<PageCheck> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, offline: true });
  const page = await context.newPage();
  const consoleErrors: string[] = [];
  const requests: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') consoleErrors.push(`${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => consoleErrors.push(`pageerror: ${e.message}`));
  page.on('requestfailed', (r) => consoleErrors.push(`request failed: ${r.url()}`));
  const url = pathToFileURL(file).href;
  page.on('request', (r) => {
    if (r.url() !== url && !r.url().startsWith('data:')) requests.push(r.url());
  });
  await page.goto(url, { waitUntil: 'load' });
  const seen = await page.evaluate(() => {
    const size = (e: Element) => e.getBoundingClientRect();
    return {
      charts: [...document.querySelectorAll('svg.chart')].map((s) => ({
        kind: s.getAttribute('data-chart') ?? '',
        width: size(s).width,
        height: size(s).height,
        shapes: s.querySelectorAll('path.series, rect.bar, rect.cell, circle.point').length,
      })),
      images: [...document.images].map((i) => ({ alt: i.alt, width: size(i).width, height: size(i).height, naturalWidth: i.naturalWidth, complete: i.complete })),
      sections: [...document.querySelectorAll('main > section')].map((s) => s.id),
      missing: [...document.querySelectorAll('.missing')].map((m) => m.textContent ?? ''),
      strips: document.querySelectorAll('.strip').length,
    };
  });
  await page.screenshot({ path: shot, fullPage: true });
  await context.close();
  return { ...seen, consoleErrors, requests, screenshot: shot };
}

/** What every report must satisfy in the browser. */
function expectRendered(c: PageCheck): void {
  expect(c.consoleErrors).toEqual([]);
  expect(c.requests).toEqual([]);
  expect(c.charts.length).toBeGreaterThan(0);
  for (const chart of c.charts) {
    expect(chart.width, `${chart.kind} chart width`).toBeGreaterThan(50);
    expect(chart.height, `${chart.kind} chart height`).toBeGreaterThan(50);
  }
  for (const img of c.images) {
    expect(img.complete && img.naturalWidth > 0, `image ${img.alt} decoded`).toBe(true);
    expect(img.width, `image ${img.alt} width`).toBeGreaterThan(0);
    expect(img.height, `image ${img.alt} height`).toBeGreaterThan(0);
  }
  expect(c.sections).toEqual(['overview', 'pretext', 'match', 'map', 'neighbours', 'scan', 'selflabel']);
  expect(existsSync(c.screenshot)).toBe(true);
}

const title = executablePath || required ? 'twindb report in headless Chromium' : 'twindb report in headless Chromium [SKIPPED: no Chromium binary; apt-get install -y chromium]';

describe.skipIf(!executablePath && !required)(title, () => {
  let browser: Browser;
  let dir: string;
  let run: string;
  let lone: string;

  beforeAll(async () => {
    if (!executablePath) throw new Error(`Chromium is required (TWINDB_REQUIRE_CHROMIUM=1) but none was found at ${CANDIDATES.filter(Boolean).join(', ')}`);
    dir = mkdtempSync(path.join(os.tmpdir(), 'twindb-cli-report-'));
    mkdirSync(artifacts, { recursive: true });
    run = path.join(dir, 'run');
    const p = await twindb('--backend', 'cpu', 'pipeline', '--config', tinyPipeline(dir), '--out', run, '--json');
    expect(p.code, p.err).toBe(0);
    // A lone `twindb sample` folder: no pretext, no clusters, its inputs named by report.json.
    lone = path.join(dir, 'lone-sample');
    const s = await twindb('sample', '--target', path.join(run, 'features', 'target.arrow'), '--pool', path.join(run, 'features', 'pool.arrow'), '--out', lone, '--mode', 'union', '-k', '3', '--codebook', '0', '--report-samples', '20');
    expect(s.code, s.err).toBe(0);
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({ executablePath, args: ['--no-sandbox'] });
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
  });

  it('a full pipeline run: every chart and thumbnail renders, no console error, no request', async () => {
    // `twindb pipeline` wrote the report at its end; `twindb report` rewrites it (its own file).
    expect(existsSync(path.join(run, 'report.html'))).toBe(true);
    const r = await twindb('report', run, '--json', '--strips', '5');
    expect(r.code, r.err).toBe(0);
    const summary = JSON.parse(r.out) as { file: string; kind: string; images: { drawn: number; missing: number }; sections: { id: string; missing: string[] }[] };
    expect(summary.file).toBe(path.join(run, 'report.html'));
    expect(summary.kind).toBe('pipeline');
    expect(summary.images.missing).toBe(0);
    expect((await readRunManifest(run))?.files).toContain('report.html');

    const html = readFileSync(summary.file, 'utf8');
    expect(html).not.toMatch(/<script|<link|https?:\/\/(?!www\.w3\.org\/2000\/svg)/);

    const c = await openReport(browser, summary.file, path.join(dir, 'report-pipeline.png'));
    copyFileSync(c.screenshot, path.join(artifacts, 'report-pipeline.png'));
    console.log(`report-chromium: screenshot ${c.screenshot} (copy: ${path.join(artifacts, 'report-pipeline.png')})`);
    expectRendered(c);
    const kinds = c.charts.map((x) => x.kind).sort();
    // loss; 2 distance histograms; coverage, class mix, 2 × cluster sizes; the map; 2 × 2 confusion matrices
    expect(kinds).toEqual(['bar', 'bar', 'bar', 'bar', 'heatmap', 'heatmap', 'heatmap', 'heatmap', 'histogram', 'histogram', 'line', 'scatter']);
    for (const chart of c.charts) expect(chart.shapes, `${chart.kind} draws something`).toBeGreaterThan(0);
    // the map: target, selected and pool points
    expect(c.charts.find((x) => x.kind === 'scatter')!.shapes).toBeGreaterThan(300);
    expect(c.strips).toBe(5);
    // 5 strips of a target and its 3 neighbours, plus 2 clusters × 10 prototypes for scan and selflabel
    expect(c.images.length).toBe(5 * 4 + 2 * 2 * 10);
    expect(c.missing.join('\n')).toMatch(/No kNN curve/);
  }, 120_000);

  it('a lone `twindb sample` folder: the missing steps say so, the rest renders', async () => {
    const r = await twindb('report', lone, '--json');
    expect(r.code, r.err).toBe(0);
    const summary = JSON.parse(r.out) as { file: string; kind: string; sections: { id: string; missing: string[] }[] };
    expect(summary.kind).toBe('sample');
    expect((await readRunManifest(lone))?.files).toContain('report.html');
    const c = await openReport(browser, summary.file, path.join(dir, 'report-lone-sample.png'));
    copyFileSync(c.screenshot, path.join(artifacts, 'report-lone-sample.png'));
    console.log(`report-chromium: screenshot ${c.screenshot}`);
    expectRendered(c);
    const missing = c.missing.join('\n');
    expect(missing).toMatch(/No pretext run here/);
    expect(missing).toMatch(/No scan output here/);
    expect(missing).toMatch(/No selflabel output here/);
    // the sample's own charts and the map (its inputs found through report.json) are there
    expect(c.charts.map((x) => x.kind).sort()).toEqual(['bar', 'bar', 'histogram', 'histogram', 'scatter']);
    expect(c.strips).toBe(8);
    expect(c.images.length).toBe(8 * 4);
  }, 120_000);

  it('refuses, with exit 2 and before any work, to replace a file twindb did not write', async () => {
    const mine = path.join(dir, 'mine.html');
    writeFileSync(mine, '<p>my notes</p>\n');
    const r = await twindb('report', run, '--out', mine);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`--out ${mine} exists and twindb did not write it`);
    expect(readFileSync(mine, 'utf8')).toBe('<p>my notes</p>\n');
    // a report twindb wrote elsewhere (its generator tag) may be replaced
    const elsewhere = path.join(dir, 'elsewhere.html');
    expect((await twindb('report', lone, '--out', elsewhere, '--map-points', '0')).code).toBe(0);
    expect((await twindb('report', lone, '--out', elsewhere, '--map-points', '0')).code).toBe(0);
    // not a run folder at all
    const empty = mkdtempSync(path.join(os.tmpdir(), 'twindb-cli-report-empty-'));
    const e = await twindb('report', empty);
    expect(e.code).toBe(2);
    expect(e.err).toContain('no twindb run output found');
  }, 120_000);
});
