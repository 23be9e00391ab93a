import type { SampleResult } from '../run-sample.js';

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
  if (r.report.nnMaker?.missingAnnotations) lines.push(`${r.report.nnMaker.missingAnnotations} listed images have no Annotations/<name>.xml`);
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
