import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { barChart } from '../charts/bar-chart.js';
import { heatmapChart } from '../charts/heatmap-chart.js';
import { esc, figure, table, thumb, type Section } from '../html/page.js';
import type { Thumbnails } from '../images/thumbnails.js';
import { readCsv, readJson, type CsvTable } from '../read/read-files.js';

interface StepSummary {
  acc?: number;
  nmi?: number;
  ari?: number;
  train?: { acc?: number; nmi?: number; ari?: number; labelled?: number };
  val?: { acc?: number; nmi?: number; ari?: number; labelled?: number };
  numClasses?: number;
  clusterSizes?: number[];
  neighborPurity?: { train?: number; val?: number };
  kept?: string;
  keptReason?: string;
  epochsCompleted?: number;
  epochs?: number;
}

/** STEP 2 or 3: cluster sizes, confusion matrices and prototypes (scan/ or selflabel/). */
export async function clustersSection(step: 'scan' | 'selflabel', dir: string | undefined, images: Thumbnails, perCluster: number): Promise<Section> {
  const title = step === 'scan' ? 'STEP 2 · SCAN clusters' : 'STEP 3 · Self-labelled clusters';
  const s: Section = { id: step, title, html: '', missing: [] };
  if (!dir) {
    s.missing.push(`No ${step} output here (${step}/${step}.summary.json): run \`twindb ${step}\` or \`twindb pipeline\` to see cluster sizes, prototypes and the confusion matrix.`);
    return s;
  }
  const summary = await readJson<StepSummary>(path.join(dir, `${step}.summary.json`));
  const predictions = await readCsv(path.join(dir, 'predictions.csv'));
  const parts: string[] = [];
  if (summary) {
    const row = (name: string, m?: { acc?: number; nmi?: number; ari?: number; labelled?: number }) => [name, m?.acc, m?.nmi, m?.ari, m?.labelled];
    parts.push(
      table([
        ['scored on (labels no step trained on)', 'Hungarian ACC', 'NMI', 'ARI', 'labelled rows'],
        row('the new DB (train)', summary.train),
        row('the target (val)', summary.val),
      ]),
    );
    const notes = [
      summary.epochsCompleted !== undefined ? `${summary.epochsCompleted} of ${summary.epochs ?? '?'} epochs` : '',
      summary.neighborPurity?.train !== undefined ? `neighbour purity ${(100 * summary.neighborPurity.train).toFixed(1)} %` : '',
      summary.kept ? `kept head: ${summary.kept}${summary.keptReason ? ` (${summary.keptReason})` : ''}` : '',
    ].filter(Boolean);
    if (notes.length) parts.push(`<p class="note">${esc(notes.join(' · '))}</p>`);
  } else {
    s.missing.push(`${path.join(dir, `${step}.summary.json`)} could not be read.`);
  }
  const confTrain = await readConfusion(path.join(dir, 'confusion-train.csv'));
  const confVal = await readConfusion(path.join(dir, 'confusion.csv'));
  const mapping = confTrain?.clusterToClass ?? confVal?.clusterToClass ?? new Map<number, string>();
  parts.push('<div class="charts">');
  const sizes = clusterSizes(predictions, summary);
  if (sizes) {
    parts.push(
      figure(
        barChart({
          title: 'Cluster sizes (the new DB)',
          categories: sizes.map((_, c) => (mapping.has(c) ? `${c} (=${mapping.get(c)})` : String(c))),
          series: [{ name: 'images', values: sizes, color: '#4269d0' }],
          xLabel: 'cluster (= matched class)',
          yLabel: 'images',
        }),
        'Images per cluster; one cluster holding nearly everything would be a collapse.',
      ),
    );
  } else {
    s.missing.push('No cluster sizes (predictions.csv and the summary are missing).');
  }
  for (const [conf, what] of [
    [confTrain, 'the new DB'],
    [confVal, 'the target'],
  ] as const) {
    if (!conf) continue;
    parts.push(
      figure(
        heatmapChart({ title: `Confusion on ${what}`, rows: conf.classes.map((c) => `class ${c}`), cols: conf.clusters, values: conf.counts, highlight: conf.matched, xLabel: 'cluster (= matched class)', yLabel: 'true class' }),
        'Rows: ground-truth classes (never used in training); columns: clusters; framed cells: the Hungarian matching.',
      ),
    );
  }
  if (!confTrain && !confVal) s.missing.push('No confusion matrix (confusion.csv): the DBs have no labels to score against.');
  parts.push('</div>');
  parts.push(`<h3>Prototypes: the most confident images of each cluster</h3>`);
  parts.push(await prototypes(dir, predictions, images, perCluster, mapping, s));
  s.html = parts.join('');
  return s;
}

function clusterSizes(p: CsvTable | undefined, summary: StepSummary | undefined): number[] | undefined {
  const col = p?.col('cluster') ?? -1;
  if (p && col >= 0 && p.rows.length) {
    const k = Math.max(summary?.numClasses ?? 0, ...p.rows.map((r) => Number(r[col]) + 1));
    const sizes = new Array<number>(k).fill(0);
    for (const r of p.rows) {
      const c = Number(r[col]);
      if (c >= 0 && c < k) sizes[c]++;
    }
    return sizes;
  }
  return summary?.clusterSizes;
}

interface Confusion {
  classes: string[];
  clusters: string[];
  counts: number[][];
  matched: [number, number][];
  clusterToClass: Map<number, string>;
}

/** `confusion.csv` of scan / selflabel: header `class,cluster_3(=0),…`, one row per true class. */
async function readConfusion(file: string): Promise<Confusion | undefined> {
  const t = await readCsv(file);
  if (!t || t.header.length < 2 || t.rows.length === 0) return undefined;
  const heads = t.header.slice(1).map((h) => /^cluster_(\d+)(?:\(=(.*)\))?$/.exec(h));
  const classes = t.rows.map((r) => r[0]);
  const matched: [number, number][] = [];
  const clusterToClass = new Map<number, string>();
  heads.forEach((h, j) => {
    if (!h || h[2] === undefined) return;
    clusterToClass.set(Number(h[1]), h[2]);
    const r = classes.indexOf(h[2]);
    if (r >= 0) matched.push([r, j]);
  });
  return {
    classes,
    clusters: heads.map((h, j) => (h ? (h[2] !== undefined ? `${h[1]} (=${h[2]})` : h[1]) : t.header[j + 1])),
    counts: t.rows.map((r) => r.slice(1).map(Number)),
    matched,
    clusterToClass,
  };
}

async function prototypes(dir: string, p: CsvTable | undefined, images: Thumbnails, per: number, mapping: Map<number, string>, s: Section): Promise<string> {
  const [ic, cc, fc, pc] = ['id', 'cluster', 'confidence', 'path'].map((c) => p?.col(c) ?? -1);
  const png = path.join(dir, 'prototypes.png');
  const fallback = async () =>
    existsSync(png) ? `<figure><img class="prototypes" src="data:image/png;base64,${(await fs.readFile(png)).toString('base64')}" alt="prototypes"><figcaption>prototypes.png of this run</figcaption></figure>` : '';
  if (!p || ic < 0 || cc < 0 || fc < 0) {
    s.missing.push('No predictions.csv: no prototypes.');
    return fallback();
  }
  const byCluster = new Map<number, { id: string; conf: number; path?: string }[]>();
  for (const r of p.rows) {
    const c = Number(r[cc]);
    if (!byCluster.has(c)) byCluster.set(c, []);
    byCluster.get(c)!.push({ id: r[ic], conf: Number(r[fc]), path: pc >= 0 ? r[pc] : undefined });
  }
  const rows: string[] = [];
  let drawn = 0;
  for (const c of [...byCluster.keys()].sort((a, b) => a - b)) {
    const top = byCluster.get(c)!.sort((a, b) => b.conf - a.conf).slice(0, per);
    const cells: string[] = [];
    for (const t of top) {
      const uri = await images.uri('pool', t.id, t.path);
      if (uri) drawn++;
      cells.push(thumb(uri, t.conf.toFixed(2)));
    }
    rows.push(`<div class="proto-row"><span class="label">cluster ${c}${mapping.has(c) ? ` (= class ${esc(mapping.get(c)!)})` : ''}<br>${byCluster.get(c)!.length} images</span>${cells.join('')}</div>`);
  }
  if (drawn === 0) {
    const f = await fallback();
    if (f) return f;
    s.missing.push('The pool images could not be read (no DB known, or it moved): prototypes show ids only.');
  }
  return `<p class="note">Captions: the cluster probability of each image.</p>${rows.join('')}`;
}
