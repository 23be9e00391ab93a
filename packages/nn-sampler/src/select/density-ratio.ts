import type { EmbeddingMatrix } from '../embedding-matrix.js';
import { nearestCentroid } from '../cluster/spherical-kmeans.js';

/**
 * DSIR-style importance over a codebook: for every codebook cell, (share of targets in the cell) ÷
 * (share of the pool in the cell), with add-one smoothing. A pool item in a cell no target visits
 * (e.g. nines near a target of fours) gets a ratio near 0 however close it is to one target.
 */
export interface CodebookDensityRatio {
  readonly centroids: EmbeddingMatrix;
  /** ratio[c] for every cell. */
  readonly ratio: Float64Array;
  /** The target-weighted median of the ratio: the typical value of a cell targets live in. */
  readonly typical: number;
}

export function codebookDensityRatio(
  centroids: EmbeddingMatrix,
  targetCells: Int32Array,
  poolCells: Int32Array,
): CodebookDensityRatio {
  const C = centroids.rows;
  const nt = new Float64Array(C);
  const np = new Float64Array(C);
  for (const c of targetCells) nt[c]++;
  for (const c of poolCells) np[c]++;
  const ratio = new Float64Array(C);
  const a = 0.5;
  for (let c = 0; c < C; c++) {
    ratio[c] = (nt[c] + a) / (targetCells.length + a * C) / ((np[c] + a) / (poolCells.length + a * C));
  }
  const perTarget = Float64Array.from(targetCells, (c) => ratio[c]).sort();
  const typical = perTarget.length ? perTarget[Math.floor(perTarget.length / 2)] : 1;
  return { centroids, ratio, typical };
}

/** Ratio of the cell of each row of `x`. */
export async function ratioOf(dr: CodebookDensityRatio, x: EmbeddingMatrix): Promise<Float64Array> {
  const cells = await nearestCentroid(x, dr.centroids);
  return Float64Array.from(cells, (c) => dr.ratio[c]);
}
