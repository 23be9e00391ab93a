import { Rng } from '@twindb/core-tensors';
import { takeRows, type EmbeddingMatrix } from '../embedding-matrix.js';
import { nearestCentroid } from '../cluster/spherical-kmeans.js';
import { AnnotationTally, annotationMatch, type AnnotationMatch, type RowAnnotation } from './annotation-mix.js';
import { classMix } from './class-mix.js';
import { distanceHistogram } from './distance-histogram.js';
import type { FeatureMatch, MatchReport } from './report-schema.js';
import { fitProjection, frechetDistance } from './frechet-distance.js';
import { klReduction } from './kl-reduction.js';
import { knnPrecisionRecall } from './knn-precision-recall.js';
import { medianSqDistance, rbfMmd2 } from './rbf-mmd.js';
import { sampleRows } from './sample-rows.js';

/** Feature-space distances of one candidate set to the target, and the whole evidence (types from report-schema.ts). */
export type { FeatureMatch, MatchReport };

export interface ReportInput {
  target: EmbeddingMatrix;
  targetLabels: Int32Array | null;
  selected: EmbeddingMatrix;
  selectedDistances: Float32Array;
  selectedWeights: Float64Array;
  selectedLabels: Int32Array | null;
  /** Uniform pool sample (unit rows) and their labels (−1 unknown). */
  poolSample: EmbeddingMatrix;
  poolLabels: Int32Array | null;
  /** Labels of every pool row (class counts and yield need the whole pool). */
  allPoolLabels: Int32Array | null;
  /** Codebook for the KL reduction. */
  centroids: EmbeddingMatrix | null;
  samples: number;
  seed: number;
  /** Annotations (null entries = none) of the targets, the selected items and the pool sample rows, and the whole pool's counts; null without annotation columns. */
  targetAnnotations?: readonly (RowAnnotation | null)[] | null;
  selectedAnnotations?: readonly (RowAnnotation | null)[] | null;
  poolSampleAnnotations?: readonly (RowAnnotation | null)[] | null;
  poolAnnotations?: AnnotationTally | null;
}

/**
 * The evidence that the selection matches the target: every feature-space number is given for the
 * selection, for a random pool sample of the same size and for the (sampled) whole pool, because
 * the baseline matters more than the absolute value.
 */
export async function buildReport(r: ReportInput): Promise<MatchReport> {
  const rng = new Rng(r.seed);
  const n = r.samples;
  const T = sampleRows(r.target, n, rng.fork());
  const S = sampleRows(r.selected, n, rng.fork());
  const size = r.selected.rows;
  const randIdx = rng.fork().permutation(r.poolSample.rows).subarray(0, Math.min(size, r.poolSample.rows));
  const random = takeRows(r.poolSample, randIdx);
  const Rs = sampleRows(random, n, rng.fork());
  const P = sampleRows(r.poolSample, n, rng.fork());
  const bandwidth = medianSqDistance(sampleRows(T, 200, rng.fork()), sampleRows(P, 200, rng.fork()));
  const proj = fitProjection(sampleRows(r.target, 128, rng.fork()), 32);
  const cells = r.centroids?.rows ?? 0;
  const tc = r.centroids ? await nearestCentroid(r.target, r.centroids) : null;
  const pc = r.centroids ? await nearestCentroid(r.poolSample, r.centroids) : null;
  const match = async (x: EmbeddingMatrix, full: EmbeddingMatrix, sz: number): Promise<FeatureMatch> => {
    const pr = knnPrecisionRecall(T, x, 5);
    return {
      size: sz,
      mmd2: round(rbfMmd2(T, x, bandwidth)),
      frechet: round(frechetDistance(T, x, proj)),
      precision: round(pr.precision),
      recall: round(pr.recall),
      klReduction: tc && pc && r.centroids ? round(klReduction(tc, pc, await nearestCentroid(full, r.centroids), cells)) : NaN,
    };
  };
  // Target → nearest other target: the scale the selected → target distances should be read against.
  const ttd = new Float32Array(T.rows);
  for (let i = 0; i < T.rows; i++) {
    let best = Infinity;
    for (let j = 0; j < T.rows; j++) {
      if (i === j) continue;
      let s = 0;
      for (let d = 0; d < T.dim; d++) s += T.data[i * T.dim + d] * T.data[j * T.dim + d];
      best = Math.min(best, 1 - s);
    }
    ttd[i] = best;
  }
  const hmax = Math.max(1e-6, ...Array.from(r.selectedDistances).filter(Number.isFinite), ...Array.from(ttd).filter(Number.isFinite));
  let classes: MatchReport['classes'] = null;
  if (r.targetLabels && r.selectedLabels && r.poolLabels && r.allPoolLabels) {
    const randomLabels = Int32Array.from(randIdx, (i) => r.poolLabels![i]);
    classes = {
      selected: classMix(r.targetLabels, r.allPoolLabels, r.selectedLabels, r.selectedWeights),
      randomSample: classMix(r.targetLabels, r.allPoolLabels, randomLabels),
    };
  }
  let annotations: AnnotationMatch | null = null;
  if (r.targetAnnotations && r.poolAnnotations && r.selectedAnnotations && r.poolSampleAnnotations) {
    const sampleAnn = r.poolSampleAnnotations;
    annotations = annotationMatch(
      AnnotationTally.of(r.targetAnnotations),
      AnnotationTally.of(r.selectedAnnotations),
      AnnotationTally.of(Array.from(randIdx, (i) => sampleAnn[i])),
      r.poolAnnotations,
    );
  }
  return {
    selected: await match(S, r.selected, size),
    randomSample: await match(Rs, random, random.rows),
    pool: await match(P, r.poolSample, r.poolSample.rows),
    bandwidth: round(bandwidth),
    distances: { selectedToTarget: distanceHistogram(r.selectedDistances, 20, hmax), targetToTarget: distanceHistogram(ttd, 20, hmax) },
    classes,
    annotations,
  };
}

function round(x: number): number {
  return Number.isFinite(x) ? Math.round(x * 1e6) / 1e6 : x;
}
