import path from 'node:path';
import type { AnnotationMatch, ClassMix, MatchReport, SampleReport } from '@twindb/nn-sampler';
import { barChart } from '../charts/bar-chart.js';
import { histogramChart } from '../charts/histogram-chart.js';
import { fmt, figure, table, type Section } from '../html/page.js';
import type { TargetNeighbours } from '../read/read-files.js';

const SET_COLORS = { target: '#ff725c', selected: '#4269d0', random: '#9498a0', pool: '#6cc5b0' } as const;

/** STEP 1-2: the evidence that the new DB matches the target (newdb/report.json and neighbors.arrow). */
export function matchSection(report: SampleReport | undefined, neighbours: TargetNeighbours[] | undefined, dir: string | undefined): Section {
  const s: Section = { id: 'match', title: 'STEP 1-2 · The new DB against the target', html: '', missing: [] };
  if (!report) {
    s.missing.push(
      dir
        ? `${path.join(dir, 'report.json')} could not be read.`
        : 'No sample output here (newdb/report.json): run `twindb sample` or `twindb pipeline` to see distance histograms, class mixes and coverage.',
    );
    return s;
  }
  const parts: string[] = [];
  const c = report.coverage;
  parts.push(
    table([
      ['', 'value'],
      ['mode', report.mode],
      ['target images', report.sizes.target],
      ['pool images', report.sizes.pool],
      ['selected', report.sizes.selected],
      ['targets covered', `${c.covered} of ${c.covered + c.uncovered} (${fmt(100 * c.fraction)} %)`],
      ['cosine-distance threshold', c.threshold >= 2 ? 'none' : c.threshold],
    ]),
  );
  const m = report.match;
  if (m) parts.push(featureTable(m));
  else s.missing.push('No feature-space comparison: fewer than 2 items were selected.');

  parts.push('<h3>Distances and coverage</h3><div class="charts">');
  if (m) {
    const d = m.distances;
    parts.push(
      figure(
        histogramChart({
          title: 'Cosine distance to the nearest target',
          edges: d.selectedToTarget.edges,
          series: [
            { name: 'selected → target', counts: d.selectedToTarget.counts, color: SET_COLORS.selected },
            { name: 'target → other targets', counts: d.targetToTarget.counts, color: SET_COLORS.target },
          ],
          xLabel: 'cosine distance',
          markers: [
            ...(d.selectedToTarget.median !== null ? [{ x: d.selectedToTarget.median, label: 'median selected', color: SET_COLORS.selected }] : []),
          ],
        }),
        'Each selected item\'s distance to its nearest target, next to each target\'s distance to its nearest other target: a selection as close as the target is to itself matches it.',
      ),
    );
  }
  const nearest = neighbours?.map((n) => n.distances[0]).filter((v) => Number.isFinite(v));
  if (nearest && nearest.length) {
    const thr = c.threshold < 2 ? c.threshold : undefined;
    const hi = Math.max(1e-6, ...nearest, thr ?? 0);
    const bins = 20;
    const counts = new Array<number>(bins).fill(0);
    for (const v of nearest) counts[Math.min(bins - 1, Math.floor((v / hi) * bins))]++;
    parts.push(
      figure(
        histogramChart({
          title: 'Each target\'s nearest pool item',
          edges: Array.from({ length: bins + 1 }, (_, i) => (i * hi) / bins),
          series: [{ name: 'targets', counts, color: SET_COLORS.target }],
          normalize: false,
          xLabel: 'cosine distance',
          markers: thr !== undefined ? [{ x: thr, label: 'threshold' }] : [],
        }),
        'A target whose nearest pool item lies beyond the threshold cannot be served (uncovered).',
      ),
    );
  } else {
    s.missing.push('No per-target neighbour distances (newdb/neighbors.arrow is absent).');
  }
  parts.push(
    figure(
      barChart({
        title: 'Coverage of the target',
        categories: ['covered', 'uncovered'],
        series: [{ name: 'targets', values: [c.covered, c.uncovered], color: SET_COLORS.target }],
        yLabel: 'targets',
        width: 300,
      }),
      `${c.covered} of ${c.covered + c.uncovered} targets have a pool item within the threshold.`,
    ),
  );
  parts.push('</div>');

  const classes = m?.classes;
  if (classes) parts.push('<h3>Classes</h3>', classSection(classes.selected, classes.randomSample));
  else s.missing.push('No class mix: the target or the pool has no labels.');
  if (m?.annotations) parts.push('<h3>Annotations (metadata and object classes)</h3>', annotationSection(m.annotations));
  else if (m) s.missing.push('No metadata charts: the feature files carry no annotations (match.annotations is null; a voc: DB has them).');
  s.html = parts.join('');
  return s;
}

function featureTable(m: MatchReport): string {
  const row = (name: string, key: keyof MatchReport['selected'], better: string) => [name, m.selected[key] as number | null, m.randomSample[key] as number | null, m.pool[key] as number | null, better];
  return (
    '<h3>Feature-space match to the target</h3>' +
    table([
      ['metric', 'selected', 'random sample', 'whole pool', 'better'],
      row('RBF-MMD² (unbiased; may dip below 0 when sets match)', 'mmd2', 'lower'),
      row('Fréchet distance', 'frechet', 'lower'),
      row('k-NN precision', 'precision', 'higher'),
      row('k-NN recall', 'recall', 'higher'),
      row('KL reduction (DSIR)', 'klReduction', 'higher'),
      ['set size', m.selected.size, m.randomSample.size, m.pool.size, ''],
    ])
  );
}

function share(v: readonly number[]): number[] {
  const t = v.reduce((a, b) => a + b, 0);
  return v.map((x) => (t > 0 ? x / t : 0));
}

function classSection(sel: ClassMix, rnd: ClassMix): string {
  const cats = sel.classes.map(String);
  return (
    '<div class="charts">' +
    figure(
      barChart({
        title: 'Class mix (share of each set)',
        categories: cats,
        series: [
          { name: 'target', values: share(sel.target), color: SET_COLORS.target },
          { name: 'selected', values: share(sel.selected), color: SET_COLORS.selected },
          { name: 'random sample', values: share(rnd.selected), color: SET_COLORS.random },
          { name: 'pool', values: share(sel.pool), color: SET_COLORS.pool },
        ],
        percent: true,
        xLabel: 'class',
      }),
      'The selection should follow the target\'s bars, not the pool\'s.',
    ) +
    '</div>' +
    table([
      ['', 'selected', 'random sample', 'better'],
      ['class-mix TV distance to the target', sel.tv, rnd.tv, 'lower'],
      ['TV, weighted by the selection weights', sel.tvWeighted, rnd.tvWeighted, 'lower'],
      ['precision (items of a target class)', sel.precision, rnd.precision, 'higher'],
      ['yield (selected ÷ largest matched size)', sel.yield, rnd.yield, 'higher'],
    ])
  );
}

function annotationSection(a: AnnotationMatch): string {
  const parts = ['<div class="charts">'];
  for (const f of a.fields) {
    parts.push(
      figure(
        barChart({
          title: `Metadata: ${f.field}`,
          categories: f.values,
          series: [
            { name: 'target', values: share(f.counts.target), color: SET_COLORS.target },
            { name: 'selected', values: share(f.counts.selected), color: SET_COLORS.selected },
            { name: 'random sample', values: share(f.counts.randomSample), color: SET_COLORS.random },
            { name: 'pool', values: share(f.counts.pool), color: SET_COLORS.pool },
          ],
          percent: true,
        }),
        `TV distance to the target: selected ${fmt(f.tv.selected)}, random sample ${fmt(f.tv.randomSample)}, pool ${fmt(f.tv.pool)} (lower is better).`,
      ),
    );
  }
  if (a.objects) {
    const o = a.objects;
    parts.push(
      figure(
        barChart({
          title: 'Object classes: share of images containing each',
          categories: o.classes,
          series: [
            { name: 'target', values: o.imageShare.target, color: SET_COLORS.target },
            { name: 'selected', values: o.imageShare.selected, color: SET_COLORS.selected },
            { name: 'random sample', values: o.imageShare.randomSample, color: SET_COLORS.random },
            { name: 'pool', values: o.imageShare.pool, color: SET_COLORS.pool },
          ],
          percent: true,
        }),
        `TV of image shares: selected ${fmt(o.tv.images.selected)}, random ${fmt(o.tv.images.randomSample)}; of instance shares: selected ${fmt(o.tv.instances.selected)}, random ${fmt(o.tv.instances.randomSample)} (lower is better).`,
      ),
    );
  }
  parts.push('</div>');
  if (a.skippedFields.length) parts.push(`<p class="note">Fields with too many distinct values for a histogram: ${a.skippedFields.map((f) => `${f.field} (${f.distinct})`).join(', ')}.</p>`);
  parts.push(
    table([
      ['set', 'images', 'annotated', 'object instances'],
      ['target', a.sets.target.size, a.sets.target.annotated, a.sets.target.instances],
      ['selected', a.sets.selected.size, a.sets.selected.annotated, a.sets.selected.instances],
      ['random sample', a.sets.randomSample.size, a.sets.randomSample.annotated, a.sets.randomSample.instances],
      ['pool', a.sets.pool.size, a.sets.pool.annotated, a.sets.pool.instances],
    ]),
  );
  return parts.join('');
}
