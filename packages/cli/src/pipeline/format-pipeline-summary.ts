import type { PipelineSummary } from './run-pipeline.js';

const pct = (h: readonly number[]) => {
  const t = h.reduce((a, b) => a + b, 0);
  return h.map((v) => (t ? `${((100 * v) / t).toFixed(1)}%` : '-').padStart(7));
};

/** The human-readable end of `twindb pipeline` and `twindb demo`: the mission, in numbers. */
export function formatPipelineSummary(s: PipelineSummary): string {
  const lines: string[] = [];
  if (s.sample) {
    const { sizes, coverage, classes } = s.sample;
    lines.push(`new training DB: ${sizes.selected} items from a pool of ${sizes.pool} for ${sizes.target} targets → ${s.out}/newdb`);
    lines.push(`coverage: ${coverage.covered}/${sizes.target} targets served within the threshold (${coverage.uncovered} uncovered)`);
    if (classes) {
      const c = classes.selected;
      lines.push('class histograms:');
      lines.push(`  ${'class'.padEnd(10)}${c.classes.map((x) => String(x).padStart(7)).join('')}`);
      lines.push(`  ${'pool'.padEnd(10)}${pct(c.pool).join('')}`);
      lines.push(`  ${'target'.padEnd(10)}${pct(c.target).join('')}`);
      lines.push(`  ${'selected'.padEnd(10)}${pct(c.selected).join('')}`);
      lines.push(`class-mix TV to the target: ${c.tv.toFixed(3)} (a random pool sample: ${classes.randomSample.tv.toFixed(3)}); precision ${c.precision.toFixed(3)}`);
    }
  }
  if (s.labels) {
    const l = s.labels;
    const named = l.clusterNames ? ` (clusters named by the target: ${Object.entries(l.clusterNames).map(([k, v]) => `${k}→${v}`).join(' ')})` : '';
    lines.push(`labels: ${l.rows} items → ${l.files.csv}${named}; kept the ${l.kept} head`);
    const m = l.materialized;
    if (m) lines.push(`images: ${m.files} files (${m.how}${m.encoded ? `, ${m.encoded} written as PNG` : ''}) in ${m.clusters} cluster folders → ${m.dir}/<cluster>/`);
    if (l.acc !== null) {
      lines.push(`accuracy of the new DB's labels against ground truth no step saw: ${l.acc.toFixed(3)} (NMI ${l.nmi!.toFixed(3)}, ARI ${l.ari!.toFixed(3)}; items of classes outside the target count as errors)`);
    }
  }
  if (s.report) lines.push(`report: ${s.report} (open it in a browser; it works offline)`);
  lines.push(`steps: ${s.steps.map((t) => `${t.step} ${t.skipped ? 'skipped' : `${t.seconds.toFixed(1)} s`}`).join(' · ')} · total ${s.seconds.toFixed(1)} s`);
  return lines.join('\n');
}
