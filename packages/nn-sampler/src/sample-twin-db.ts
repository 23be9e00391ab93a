import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { Rng } from '@twindb/core-tensors';
import { sphericalKMeans, nearestCentroid } from './cluster/spherical-kmeans.js';
import { takeRows, type EmbeddingMatrix } from './embedding-matrix.js';
import { loadTarget } from './io/load-target.js';
import { defaultScratchDir, openFeatures } from './io/open-features.js';
import { gatherRows, scanPool } from './io/pool-scan.js';
import {
  materializeImages,
  writeNeighborsArrow,
  writeSelectedArrow,
  writeSelectedCsv,
  writeUncoveredCsv,
  type SelectedRow,
} from './io/write-outputs.js';
import { parseSampleOptions, type SampleOptionsInput } from './options.js';
import { buildReport, type MatchReport } from './report/build-report.js';
import { ExactSearch, type PoolBlock } from './search/exact-search.js';
import { HnswSearch } from './search/hnsw-search.js';
import type { FeatureSource } from './search/feature-source.js';
import { chooseIndex } from './search/index-choice.js';
import { truncateNeighborLists, type NeighborLists } from './search/neighbor-lists.js';
import { codebookDensityRatio } from './select/density-ratio.js';
import { dedupSelection } from './select/dedup-selection.js';
import { matchSelection } from './select/match-selection.js';
import { quotaSelection } from './select/quota-selection.js';
import { coveredCount, type Selection } from './select/selection.js';
import { unionSelection } from './select/union-selection.js';

export interface SampleResult {
  readonly out: string;
  readonly selection: Selection;
  readonly report: Record<string, unknown> & { match: MatchReport };
  readonly warnings: string[];
}

/**
 * STEP 1-2: from the target's and the pool's embeddings, build the new training DB whose
 * distribution matches the target, write it to `out` (through a temp folder renamed at the end)
 * and report how well it matches.
 */
export async function sampleTwinDb(input: SampleOptionsInput, log: (msg: string) => void = () => {}): Promise<SampleResult> {
  const o = parseSampleOptions(input);
  const t0 = Date.now();
  const warnings: string[] = [];
  const warn = (m: string) => {
    warnings.push(m);
    log(`warning: ${m}`);
  };
  const out = path.resolve(o.out);
  for (const root of [o.targetDb, o.poolDb]) {
    if (root && isInside(out, path.resolve(root))) throw new RangeError(`--out ${out} lies inside the source DB ${root}; choose a folder outside it`);
  }
  const exists = await fs.stat(out).then(() => true, () => false);
  if (exists && !o.overwrite) throw new RangeError(`output folder ${out} already exists (pass --overwrite to replace it)`);

  const scratch = defaultScratchDir();
  const open = (f: string | FeatureSource) => (typeof f === 'string' ? openFeatures(f, scratch) : Promise.resolve(f));
  const targetSrc = await open(o.target);
  const shards = await Promise.all(o.pool.map(open));
  for (const s of shards) {
    if (s.dim !== targetSrc.dim) throw new RangeError(`${s.name}: embedding dim ${s.dim} differs from the target's (${targetSrc.name}) dim ${targetSrc.dim}`);
    if (s.encoder !== targetSrc.encoder && !o.allowEncoderMismatch) {
      throw new RangeError(
        `${s.name}: encoder "${s.encoder}" differs from the target's (${targetSrc.name}) "${targetSrc.encoder}"; distances between them mean nothing (pass --allow-encoder-mismatch to proceed anyway)`,
      );
    }
  }
  const target = await loadTarget(targetSrc);
  const poolRows = shards.reduce((s, x) => s + x.rows, 0);
  if (poolRows === 0) throw new RangeError(`the pool (${shards.map((s) => s.name).join(', ')}) is empty`);
  let k = o.k;
  if (k > poolRows) {
    warn(`k = ${k} is larger than the pool (${poolRows} rows); using k = ${poolRows}`);
    k = poolRows;
  }
  const depth = o.mode === 'union' ? k : Math.min(poolRows, Math.max(k, o.searchDepth ?? Math.max(8 * k, 64)));
  // A saved index beside every file shard makes HNSW's build free (the worker checks its params).
  const cached = o.pool.every((p) => typeof p === 'string' && existsSync(`${p}.hnsw`));
  const plan = chooseIndex(target.matrix.rows, poolRows, targetSrc.dim, o.efConstruction, o.efSearch, cached);
  const index = o.index === 'auto' ? plan.choice : o.index;
  log(`searching ${poolRows} pool rows for ${target.matrix.rows} targets (top ${depth}, ${index})`);

  const rng = new Rng(o.seed);
  const dim = targetSrc.dim;
  let onBlock: (b: PoolBlock) => Promise<void>;
  let finish: () => Promise<NeighborLists>;
  let hnswStats: unknown = null;
  // --check-recall N: exact lists of N sampled targets, computed in the same pass over the pool.
  const recallIdx = index === 'hnsw' && o.checkRecall > 0 ? rng.fork().permutation(target.matrix.rows).subarray(0, Math.min(o.checkRecall, target.matrix.rows)).sort() : null;
  const recallSearch = recallIdx ? new ExactSearch(takeRows(target.matrix, recallIdx), depth) : null;
  if (index === 'exact') {
    const search = new ExactSearch(target.matrix, depth);
    onBlock = (b) => search.add(b);
    finish = async () => search.result();
  } else {
    const hnsw = new HnswSearch(target.matrix, depth, { M: o.hnswM, efConstruction: o.efConstruction, efSearch: o.efSearch }, o.jobs);
    const starts: number[] = [];
    let acc = 0;
    for (const sh of shards) {
      starts.push(acc);
      acc += sh.rows;
    }
    const buffers = shards.map((sh) => ({ data: new Float32Array(sh.rows * dim), filled: 0 }));
    const pieces = Math.max(1, o.jobs);
    onBlock = async (b) => {
      if (recallSearch) await recallSearch.add(b);
      const rows = b.embeddings.length / dim;
      let s = 0;
      while (s + 1 < shards.length && b.offset >= starts[s + 1]) s++;
      const buf = buffers[s];
      buf.data.set(b.embeddings, (b.offset - starts[s]) * dim);
      buf.filled += rows;
      if (buf.filled < shards[s].rows) return;
      // A full shard: split it so that every worker has a piece, then queue the pieces.
      const n = shards[s].rows >= 20_000 * pieces ? pieces : 1;
      const file = typeof o.pool[s] === 'string' ? (o.pool[s] as string) : null;
      const st = file ? await fs.stat(file) : null;
      for (let p = 0; p < n; p++) {
        const r0 = Math.floor((p * shards[s].rows) / n);
        const r1 = Math.floor(((p + 1) * shards[s].rows) / n);
        const indexPath = file ? (n === 1 ? `${file}.hnsw` : `${file}.${p + 1}of${n}.hnsw`) : undefined;
        const source = file && st ? `${path.resolve(file)}:${st.size}:${st.mtimeMs}:${r0}-${r1}` : undefined;
        hnsw.addShard(buf.data.subarray(r0 * dim, r1 * dim), starts[s] + r0, indexPath, source);
      }
    };
    finish = async () => {
      const l = await hnsw.result();
      hnswStats = hnsw.stats;
      return l;
    };
  }
  const scan = await scanPool(shards, onBlock, 20_000, rng.fork());
  const lists = await finish();
  let recall: { targets: number; k: number; recall: number } | null = null;
  if (recallSearch && recallIdx) {
    const ex = recallSearch.result();
    let hit = 0;
    let total = 0;
    recallIdx.forEach((t, q) => {
      const truth = new Set<number>();
      for (let j = 0; j < k; j++) if (ex.indices[q * depth + j] >= 0) truth.add(ex.indices[q * depth + j]);
      for (let j = 0; j < k; j++) if (truth.has(lists.indices[t * depth + j])) hit++;
      total += truth.size;
    });
    recall = { targets: recallIdx.length, k, recall: total ? hit / total : NaN };
    log(`HNSW recall@${k} on ${recallIdx.length} targets: ${recall.recall.toFixed(4)}`);
  }
  log(`search done in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

  // Coverage: which targets have any pool item within the threshold.
  const nearest = Float32Array.from({ length: lists.queries }, (_, t) => lists.distances[t * lists.k]);

  // Candidates = every listed item within the threshold; gathered once for cells, dedup, outputs.
  const candSet = new Set<number>();
  for (let e = 0; e < lists.indices.length; e++) if (lists.indices[e] >= 0 && lists.distances[e] <= o.maxDistance) candSet.add(lists.indices[e]);
  const firstNearest = new Set<number>();
  for (let t = 0; t < lists.queries; t++) if (lists.indices[t * lists.k] >= 0) firstNearest.add(lists.indices[t * lists.k]);
  const gathered = await gatherRows(shards, Int32Array.from(new Set([...candSet, ...firstNearest])));
  const rowPos = new Map<number, number>();
  gathered.rows.forEach((g, i) => rowPos.set(g, i));

  const cells = Math.min(o.codebook, Math.floor(scan.sample.rows / 10));
  const codebook = cells >= 2 ? await sphericalKMeans(scan.sample, cells, rng.fork(), 15) : null;
  let selection: Selection;
  if (o.mode === 'union') selection = unionSelection(lists, k, o.maxDistance, o.unionWeights);
  else if (o.mode === 'quota') selection = quotaSelection(lists, { k, maxDistance: o.maxDistance, radiusFactor: o.radiusFactor });
  else {
    let eligible: ((item: number) => boolean) | undefined;
    if (codebook && o.minDensityRatio > 0) {
      const dr = codebookDensityRatio(codebook.centroids, await nearestCentroid(target.matrix, codebook.centroids), codebook.assignment);
      const cellOf = await nearestCentroid(gathered.matrix, codebook.centroids);
      const floor = o.minDensityRatio * dr.typical;
      eligible = (item) => dr.ratio[cellOf[rowPos.get(item)!]] >= floor;
    }
    selection = await matchSelection(lists, target.matrix, {
      k,
      maxDistance: o.maxDistance,
      radiusFactor: o.radiusFactor,
      budget: o.budget,
      regions: o.regions,
      supplyQuantile: 0.1,
      seed: o.seed,
      eligible,
    });
  }
  log(`selection (${o.mode}) done at ${((Date.now() - t0) / 1000).toFixed(1)} s: ${selection.pool.length} items`);
  let selEmb = takeRows(gathered.matrix, Array.from(selection.pool, (g) => rowPos.get(g)!));
  let dedupDropped = 0;
  if (o.dedup !== undefined) {
    const d = dedupSelection(selection, selEmb, o.dedup);
    selection = d.selection;
    dedupDropped = d.dropped;
    selEmb = takeRows(gathered.matrix, Array.from(selection.pool, (g) => rowPos.get(g)!));
  }
  if (selection.pool.length === 0) warn('no pool item lies within the threshold of any target: the selection is empty');

  const selLabels = selection.pool.length ? Int32Array.from(selection.pool, (g) => scan.labels[g]) : new Int32Array(0);
  const labelled = target.hasLabels && scan.hasLabels;
  const match =
    selection.pool.length >= 2
      ? await buildReport({
          target: target.matrix,
          targetLabels: labelled ? target.labels : null,
          selected: selEmb,
          selectedDistances: selection.distance,
          selectedWeights: selection.weight,
          selectedLabels: labelled ? selLabels : null,
          poolSample: scan.sample,
          poolLabels: labelled ? Int32Array.from(scan.sampleRows, (g) => scan.labels[g]) : null,
          allPoolLabels: labelled ? scan.labels : null,
          centroids: codebook?.centroids ?? null,
          samples: o.reportSamples,
          seed: o.seed,
        })
      : null;

  log(`report done at ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  const idOf = (g: number) => gathered.ids[rowPos.get(g)!];
  const rows: SelectedRow[] = Array.from(selection.pool, (g, j) => {
    const i = rowPos.get(g)!;
    return {
      id: gathered.ids[i],
      path: gathered.paths[i],
      label: gathered.labels[i],
      weight: selection.weight[j],
      closestTarget: target.ids[selection.closestTarget[j]],
      distance: selection.distance[j],
      hits: selection.hits[j],
    };
  });
  const uncovered: { id: string; nearestDistance: number; nearestId: string | null }[] = [];
  for (let t = 0; t < lists.queries; t++) {
    if (!selection.covered[t]) {
      const i = lists.indices[t * lists.k];
      uncovered.push({ id: target.ids[t], nearestDistance: nearest[t], nearestId: i >= 0 ? idOf(i) : null });
    }
  }
  let shortfallTotal = 0;
  let targetsShort = 0;
  for (const s of selection.shortfall) {
    shortfallTotal += s;
    if (s > 0) targetsShort++;
  }
  const report = {
    version: 1,
    mode: o.mode,
    options: { ...o, target: targetSrc.name, pool: shards.map((s) => s.name) },
    sizes: { target: target.matrix.rows, pool: poolRows, selected: selection.pool.length, searchDepth: depth, k },
    search: { index, requested: o.index, costModel: plan, hnsw: hnswStats, recall },
    coverage: {
      covered: coveredCount(selection),
      uncovered: uncovered.length,
      fraction: coveredCount(selection) / target.matrix.rows,
      threshold: o.maxDistance,
    },
    shortfall: { targetsShort, total: shortfallTotal },
    weights: { sum: selection.weight.reduce((a, b) => a + b, 0) },
    dedup: o.dedup === undefined ? null : { distance: o.dedup, dropped: dedupDropped, kept: selection.pool.length },
    selection: selection.details,
    match,
    warnings,
    seconds: (Date.now() - t0) / 1000,
  };

  // Everything goes to a temp folder next to `out`, renamed into place only when complete.
  const tmp = `${out}.tmp-${process.pid}-${Date.now()}`;
  await fs.mkdir(tmp, { recursive: true });
  try {
    await writeSelectedCsv(path.join(tmp, 'selected.csv'), rows);
    if (rows.length) await writeSelectedArrow(path.join(tmp, 'selected.arrow'), selEmb, rows, { encoder: shards[0].encoder, db: `twindb-sample:${targetSrc.db}` });
    await writeNeighborsArrow(path.join(tmp, 'neighbors.arrow'), truncateNeighborLists(lists, Math.max(k, 1)), target.ids, idOf);
    await writeUncoveredCsv(path.join(tmp, 'uncovered-targets.csv'), uncovered);
    if (o.materialize !== 'none') {
      const m = await materializeImages(path.join(tmp, 'images'), rows, o.materialize, o.poolDb);
      Object.assign(report, { materialized: { how: o.materialize, ...m } });
    }
    await fs.writeFile(path.join(tmp, 'report.json'), `${JSON.stringify(report, jsonSafe, 2)}\n`);
    if (exists) await fs.rm(out, { recursive: true, force: true });
    await fs.rename(tmp, out);
  } catch (err) {
    await fs.rm(tmp, { recursive: true, force: true });
    throw err;
  }
  return { out, selection, report: report as SampleResult['report'], warnings };
}

function isInside(child: string, parent: string): boolean {
  const rel = path.relative(parent, child);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

function jsonSafe(_key: string, value: unknown): unknown {
  if (typeof value === 'number' && !Number.isFinite(value)) return null;
  if (value && typeof value === 'object' && 'batches' in (value as object)) return (value as FeatureSource).name;
  return value;
}

export type { NeighborLists, EmbeddingMatrix };
