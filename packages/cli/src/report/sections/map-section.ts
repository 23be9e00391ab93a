import { existsSync } from 'node:fs';
import path from 'node:path';
import { scatterChart } from '../charts/scatter-chart.js';
import { sampleFeatureRows, umapLayout } from '../embedding-map.js';
import { figure, type Section } from '../html/page.js';
import type { RunLayout } from '../locate-run.js';

export interface MapOptions {
  /** Points on the map in all (target, selected and pool share them). */
  points: number;
  seed: number;
  log?: (line: string) => void;
}

/** A 2-D UMAP of target, pool and selected embeddings, subsampled so that it takes seconds. */
export async function mapSection(layout: RunLayout, o: MapOptions): Promise<Section> {
  const s: Section = { id: 'map', title: 'Embedding map (UMAP)', html: '', missing: [] };
  const selectedFile = layout.newdb ? path.join(layout.newdb, 'selected.arrow') : undefined;
  const have = {
    target: layout.targetFeatures,
    pool: layout.poolFeatures.length ? layout.poolFeatures : undefined,
    selected: selectedFile && existsSync(selectedFile) ? selectedFile : undefined,
  };
  if (!have.target) s.missing.push('No target feature file (features/target.arrow, or the one report.json names): the target is not on the map.');
  if (!have.pool) s.missing.push('No pool feature file (features/pool.arrow, or the ones report.json names): the pool is not on the map.');
  if (!have.selected) s.missing.push('No newdb/selected.arrow: the selection is not on the map.');
  if (!have.target && !have.pool && !have.selected) return s;
  const t0 = performance.now();
  const quarter = Math.max(1, Math.floor(o.points / 4));
  const target = have.target ? await sampleFeatureRows([have.target], quarter, o.seed) : undefined;
  const selected = have.selected ? await sampleFeatureRows([have.selected], quarter, o.seed + 1) : undefined;
  const rest = Math.max(1, o.points - (target?.ids.length ?? 0) - (selected?.ids.length ?? 0));
  // The pool's own points leave out what is drawn as selected, so no item is drawn twice.
  const pool = have.pool ? await sampleFeatureRows(have.pool, rest, o.seed + 2, new Set(selected?.ids ?? [])) : undefined;
  const groups = [
    { name: 'pool', rows: pool, color: '#c5c9d0', radius: 2, opacity: 0.6 },
    { name: 'selected', rows: selected, color: '#4269d0', radius: 2.5, opacity: 0.8 },
    { name: 'target', rows: target, color: '#ff725c', radius: 3, opacity: 0.9 },
  ].filter((g) => g.rows && g.rows.ids.length > 0);
  const dims = new Set(groups.map((g) => g.rows!.vectors[0].length));
  if (dims.size > 1) {
    s.missing.push(`The feature files have different dimensions (${[...dims].join(', ')}): no common map.`);
    return s;
  }
  const xy = umapLayout(groups.map((g) => ({ name: g.name, vectors: g.rows!.vectors })), o.seed);
  if (!xy) {
    s.missing.push('Too few embeddings for a map (fewer than 4 points).');
    return s;
  }
  const seconds = (performance.now() - t0) / 1000;
  o.log?.(`report: UMAP of ${xy.flat().length} points in ${seconds.toFixed(1)} s`);
  const sampled = groups.map((g) => `${g.rows!.ids.length.toLocaleString('en-US')} of ${g.rows!.total.toLocaleString('en-US')} ${g.name}`).join(', ');
  s.html = figure(
    scatterChart({
      title: 'Target, pool and selected embeddings',
      subtitle: `UMAP (cosine, seed ${o.seed}) of ${sampled}`,
      series: groups.map((g, i) => ({ name: g.name, points: xy[i], color: g.color, radius: g.radius, opacity: g.opacity })),
    }),
    'Nearby points have similar SimCLR embeddings. The selection (blue) should cover the target (red) where the pool (grey) allows; the axes have no units.',
  );
  return s;
}
