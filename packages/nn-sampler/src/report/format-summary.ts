import type { SampleResult } from '../run-sample.js';
import type { AnnotationMatch, PerSet, TvToTarget } from './annotation-mix.js';

/** The human-readable summary `twindb sample` and `twindb demo` print. */
export function formatSummary(r: SampleResult): string {
  const rep = r.report as unknown as {
    mode: string;
    sizes: { selected: number; pool: number; target: number; k: number };
    coverage: { covered: number; uncovered: number; threshold: number };
    dedup: { distance: number; dropped: number; kept: number } | null;
  };
  const lines: string[] = [];
  lines.push(`mode ${rep.mode}: ${rep.sizes.selected} selected from a pool of ${rep.sizes.pool} for ${rep.sizes.target} targets (k = ${rep.sizes.k}) → ${r.out}`);
  lines.push(`coverage: ${rep.coverage.covered}/${rep.sizes.target} targets have a pool item within ${rep.coverage.threshold} (${rep.coverage.uncovered} uncovered, see uncovered-targets.csv)`);
  if (rep.dedup) lines.push(`dedup at ${rep.dedup.distance}: dropped ${rep.dedup.dropped}, kept ${rep.dedup.kept}`);
  const td = r.report.targetDedup;
  if (td) lines.push(`target de-duplication (${td.rule}, similarity ≥ ${td.similarity}): ${td.removed} of ${td.targets} targets removed (see ${td.file}), ${td.kept} kept`);
  for (const s of r.report.nnMaker?.imageSets ?? []) lines.push(`nn_factor ${s.k}: ${s.items} items → ${s.imageSet}, ${s.npy}`);
  if (r.report.nnMaker?.missingAnnotations) lines.push(`${r.report.nnMaker.missingAnnotations} listed images have no Annotations/<name>.xml (named in ${r.report.nnMaker.missingAnnotationsFile})`);
  const mt = r.report.montage;
  if (mt) lines.push(`montage: ${mt.files.length} neighbour strips (target + ${mt.k}) → ${mt.folder}/${mt.missingImages ? `, ${mt.missingImages} cells grey (image not found or unreadable)` : ''}`);
  const m = r.report.match;
  if (m?.classes) {
    const c = m.classes.selected;
    const pct = (h: number[]) => {
      const t = h.reduce((a, b) => a + b, 0);
      return h.map((v) => (t ? `${((100 * v) / t).toFixed(1)}%` : '-').padStart(7));
    };
    lines.push('class histograms:');
    lines.push(`  ${'class'.padEnd(18)}${c.classes.map((x) => String(x).padStart(7)).join('')}`);
    lines.push(`  ${'pool'.padEnd(18)}${pct(c.pool).join('')}`);
    lines.push(`  ${'target'.padEnd(18)}${pct(c.target).join('')}`);
    lines.push(`  ${'selected'.padEnd(18)}${pct(c.selected).join('')}`);
    lines.push(`  ${'random sample'.padEnd(18)}${pct(m.classes.randomSample.selected).join('')}`);
    lines.push(
      `TV to target: selected ${c.tv.toFixed(3)} (weighted ${c.tvWeighted.toFixed(3)}), random ${m.classes.randomSample.tv.toFixed(3)}; ` +
        `precision ${c.precision.toFixed(3)}; yield ${c.yield.toFixed(3)} (largest exact-mix subset: ${c.maxMatchedSize})`,
    );
  }
  if (m?.annotations) lines.push(...formatAnnotations(m.annotations));
  if (m) {
    const row = (n: string, f: typeof m.selected) =>
      `  ${n.padEnd(16)}${String(f.size).padStart(7)}${f.mmd2.toFixed(5).padStart(11)}${f.frechet.toFixed(4).padStart(10)}${f.precision.toFixed(3).padStart(8)}${f.recall.toFixed(3).padStart(8)}${f.klReduction.toFixed(3).padStart(9)}`;
    lines.push('feature-space distance to the target:');
    lines.push(`  ${''.padEnd(16)}${'size'.padStart(7)}${'MMD²'.padStart(11)}${'Fréchet'.padStart(10)}${'prec'.padStart(8)}${'recall'.padStart(8)}${'KL red.'.padStart(9)}`);
    lines.push(row('selected', m.selected));
    lines.push(row('random sample', m.randomSample));
    lines.push(row('whole pool', m.pool));
    const h = m.distances;
    lines.push(`median distance: selected→target ${h.selectedToTarget.median}, target→nearest target ${h.targetToTarget.median}`);
  }
  for (const w of r.warnings) lines.push(`warning: ${w}`);
  return lines.join('\n');
}

/** Columns shown per histogram; the rest are in report.json. */
const MAX_COLUMNS = 12;
const SET_NAMES: [keyof PerSet<unknown>, string][] = [
  ['target', 'target'],
  ['selected', 'selected'],
  ['randomSample', 'random sample'],
  ['pool', 'pool'],
];

/** The metadata and object-class histograms of an annotated DB (`voc:`), as percentages, with TVs. */
export function formatAnnotations(a: AnnotationMatch): string[] {
  const lines: string[] = [];
  const s = a.sets;
  lines.push(
    `annotations: annotated images — ${SET_NAMES.map(([k, n]) => `${n} ${s[k].annotated}/${s[k].size}`).join(', ')}`,
  );
  const num = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : '-');
  const tvText = (t: TvToTarget) => `TV to target: selected ${num(t.selected)}, random ${num(t.randomSample)}, pool ${num(t.pool)}`;
  /** A table: one column per name (the most frequent MAX_COLUMNS), one row per set, cells = value ÷ denominator. */
  const table = (title: string, names: string[], values: PerSet<number[]>, denom: (k: keyof PerSet<unknown>) => number) => {
    let cols = names.map((_, i) => i);
    if (cols.length > MAX_COLUMNS) {
      const weight = (i: number) => values.target[i] / Math.max(1, denom('target')) + values.pool[i] / Math.max(1, denom('pool'));
      cols = cols.sort((x, y) => weight(y) - weight(x) || x - y).slice(0, MAX_COLUMNS).sort((x, y) => x - y);
    }
    const label = (n: string) => (n.length > 18 ? `${n.slice(0, 17)}…` : n);
    const width = cols.map((i) => Math.max(7, label(names[i]).length + 1));
    const out = [`  ${title.padEnd(18)}${cols.map((i, c) => label(names[i]).padStart(width[c])).join('')}${names.length > cols.length ? `  (+${names.length - cols.length} more in report.json)` : ''}`];
    for (const [k, n] of SET_NAMES) {
      const d = denom(k);
      out.push(`  ${n.padEnd(18)}${cols.map((i, c) => (d > 0 ? `${((100 * values[k][i]) / d).toFixed(1)}%` : '-').padStart(width[c])).join('')}`);
    }
    return out;
  };
  for (const f of a.fields) {
    lines.push(`metadata "${f.field}" (${tvText(f.tv)}):`);
    lines.push(...table('value', f.values, f.counts, (k) => f.counts[k].reduce((x, y) => x + y, 0)));
  }
  if (a.skippedFields.length > 0) {
    lines.push(`metadata without histogram (too many distinct values): ${a.skippedFields.map((f) => `${f.field} (${f.distinct})`).join(', ')}`);
  }
  const o = a.objects;
  if (o) {
    lines.push(`object classes, share of images containing each (${tvText(o.tv.images)}):`);
    lines.push(...table('class', o.classes, o.images, (k) => s[k].annotated));
    lines.push(`object classes, share of object instances (${tvText(o.tv.instances)}):`);
    lines.push(...table('class', o.classes, o.instances, (k) => s[k].instances));
  }
  return lines;
}
