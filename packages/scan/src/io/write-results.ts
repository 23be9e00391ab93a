import { writeFileAtomic } from '@twindb/core-tensors';
import { Field, Float32, Int32, List, Table, Utf8, tableToIPC, vectorFromArray } from 'apache-arrow';
import type { LabelEvaluation } from '../eval-labels.js';

/** The rows a prediction file describes. */
export interface PredictionRows {
  ids: readonly string[];
  paths: readonly (string | null)[];
  labels: Int32Array;
}

function csvField(v: string | number | null): string {
  if (v === null) return '';
  const s = String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/**
 * `<base>.csv` (id, path, label, cluster, confidence, p_0 … p_{K−1}) and `<base>.arrow` (id, path,
 * label, cluster, confidence, probabilities: list<float32>), in the feature file's row order.
 */
export async function writePredictions(base: string, rows: PredictionRows, cluster: Int32Array, confidence: Float32Array, probs: Float32Array, k: number): Promise<{ csv: string; arrow: string }> {
  const n = rows.ids.length;
  const header = ['id', 'path', 'label', 'cluster', 'confidence', ...Array.from({ length: k }, (_, c) => `p_${c}`)];
  const lines = [header.join(',')];
  for (let i = 0; i < n; i++) {
    const p = Array.from(probs.subarray(i * k, (i + 1) * k), (v) => v.toPrecision(6));
    lines.push([rows.ids[i], rows.paths[i], rows.labels[i] >= 0 ? rows.labels[i] : null, cluster[i], confidence[i].toPrecision(6), ...p].map(csvField).join(','));
  }
  const csv = `${base}.csv`;
  const arrow = `${base}.arrow`;
  await writeFileAtomic(csv, `${lines.join('\n')}\n`);
  const table = new Table({
    id: vectorFromArray(rows.ids as string[], new Utf8()),
    path: vectorFromArray(rows.paths as (string | null)[], new Utf8()),
    label: vectorFromArray(Array.from(rows.labels, (l) => (l >= 0 ? l : null)), new Int32()),
    cluster: vectorFromArray(Array.from(cluster), new Int32()),
    confidence: vectorFromArray(Array.from(confidence), new Float32()),
    probabilities: vectorFromArray(
      Array.from({ length: n }, (_, i) => Array.from(probs.subarray(i * k, (i + 1) * k))),
      new List(new Field('item', new Float32(), false)),
    ),
  });
  await writeFileAtomic(arrow, tableToIPC(table, 'file'));
  return { csv, arrow };
}

/** Clusters in display order: matched clusters by their class, then unmatched ones. */
function clusterOrder(e: LabelEvaluation): number[] {
  const k = e.confusion.length;
  const ids = Array.from({ length: k }, (_, c) => c);
  const rank = (c: number) => (e.clusterToLabel[c] < 0 ? Infinity : e.classes.indexOf(e.clusterToLabel[c]));
  return ids.sort((a, b) => rank(a) - rank(b) || a - b);
}

/**
 * `<base>.csv`: counts, rows = true class, columns = clusters ordered by their Hungarian-matched
 * class (so matched pairs lie on the diagonal), header `cluster_<id>(=<class>)`; and `<base>.svg`,
 * a heat map of the row-normalised matrix (each row divided by its own sum — the reference divides
 * by the wrong axis, spec §9.4) with counts and percentages in the cells.
 */
export async function writeConfusion(base: string, e: LabelEvaluation, title: string): Promise<{ csv: string; svg: string }> {
  const order = clusterOrder(e);
  const head = order.map((c) => `cluster_${c}${e.clusterToLabel[c] >= 0 ? `(=${e.clusterToLabel[c]})` : ''}`);
  const lines = [['class', ...head].join(',')];
  e.classes.forEach((cls, t) => lines.push([cls, ...order.map((c) => e.confusion[c][t])].join(',')));
  const csv = `${base}.csv`;
  const svg = `${base}.svg`;
  await writeFileAtomic(csv, `${lines.join('\n')}\n`);
  await writeFileAtomic(svg, confusionSvg(e, order, title));
  return { csv, svg };
}

function confusionSvg(e: LabelEvaluation, order: number[], title: string): string {
  const cell = 44;
  const left = 70;
  const top = 80;
  const w = left + order.length * cell + 20;
  const h = top + e.classes.length * cell + 40;
  const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" font-family="sans-serif" font-size="11">`,
    `<rect width="${w}" height="${h}" fill="white"/>`,
    `<text x="${left}" y="18" font-size="13">${esc(title)}</text>`,
    `<text x="${left}" y="34">ACC ${(100 * e.acc).toFixed(1)} · NMI ${(100 * e.nmi).toFixed(1)} · ARI ${(100 * e.ari).toFixed(1)} (n = ${e.labelled}; rows sum to 100 %)</text>`,
    `<text x="${left + (order.length * cell) / 2}" y="${top - 26}" text-anchor="middle">cluster (=matched class)</text>`,
  ];
  order.forEach((c, j) => {
    const lbl = e.clusterToLabel[c] >= 0 ? `${c}(=${e.clusterToLabel[c]})` : `${c}`;
    parts.push(`<text x="${left + j * cell + cell / 2}" y="${top - 6}" text-anchor="middle">${lbl}</text>`);
  });
  e.classes.forEach((cls, t) => {
    const rowSum = order.reduce((s, c) => s + e.confusion[c][t], 0) || 1;
    parts.push(`<text x="${left - 8}" y="${top + t * cell + cell / 2 + 4}" text-anchor="end">class ${cls}</text>`);
    order.forEach((c, j) => {
      const v = e.confusion[c][t] / rowSum;
      const shade = Math.round(255 - 200 * v);
      const fill = `rgb(${shade},${Math.round(255 - 130 * v)},255)`;
      const x = left + j * cell;
      const y = top + t * cell;
      parts.push(`<rect x="${x}" y="${y}" width="${cell}" height="${cell}" fill="${fill}" stroke="#ccc"/>`);
      parts.push(`<text x="${x + cell / 2}" y="${y + cell / 2}" text-anchor="middle" fill="${v > 0.6 ? 'white' : 'black'}">${Math.round(100 * v)}</text>`);
      parts.push(`<text x="${x + cell / 2}" y="${y + cell / 2 + 13}" text-anchor="middle" font-size="9" fill="${v > 0.6 ? 'white' : '#555'}">${e.confusion[c][t]}</text>`);
    });
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}
