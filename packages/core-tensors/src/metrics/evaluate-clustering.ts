import { ari } from './ari.js';
import { confusionMatrix } from './confusion-matrix.js';
import { hungarianMatch } from './hungarian-match.js';
import { labelCount, samePairs, type Labels } from './labels.js';
import { manyToOneAccuracy } from './many-to-one-accuracy.js';
import { nmi } from './nmi.js';
import { topKAccuracy } from './top-k-accuracy.js';

export interface ClusteringEvaluation {
  /** Hungarian-matched accuracy. */
  acc: number;
  /** Majority-vote accuracy (the fair figure when there are more clusters than classes). */
  manyToOneAcc: number;
  nmi: number;
  ari: number;
  /** Top-5 accuracy of the Hungarian-mapped clusters; present when `probs` is given with ≥ 5 columns. */
  top5?: number;
  /** Vote matrix counts[cluster][class]. */
  confusion: number[][];
  /** predToTrue[cluster] = matched class or -1. */
  mapping: Int32Array;
}

export interface EvaluateClusteringOptions {
  /** Row-major [n × numPred] cluster probabilities (or scores), in sample order. */
  probs?: ArrayLike<number>;
  /** Number of clusters (default: probs columns, else max pred + 1). */
  numPred?: number;
  /** Number of classes (default max truth + 1). */
  numTrue?: number;
}

/**
 * SCAN's `hungarian_evaluate` in one call: ACC on Hungarian-remapped clusters, NMI and ARI on raw
 * cluster ids, top-5 through the same mapping; plus the many-to-one accuracy for over-clustering.
 */
export function evaluateClustering(pred: Labels, truth: Labels, opts: EvaluateClusteringOptions = {}): ClusteringEvaluation {
  const n = samePairs('evaluateClustering', pred, truth);
  let numPred = opts.numPred;
  if (numPred === undefined && opts.probs !== undefined) {
    if (opts.probs.length % n !== 0) {
      throw new RangeError(`evaluateClustering: probs.length ${opts.probs.length} is not a multiple of the ${n} samples`);
    }
    numPred = opts.probs.length / n;
  }
  numPred = labelCount('evaluateClustering', 'pred', pred, numPred);
  const numTrue = labelCount('evaluateClustering', 'truth', truth, opts.numTrue);
  const match = hungarianMatch(pred, truth, numPred, numTrue);
  const result: ClusteringEvaluation = {
    acc: match.matched / n,
    manyToOneAcc: manyToOneAccuracy(pred, truth, numPred, numTrue),
    nmi: nmi(pred, truth),
    ari: ari(pred, truth),
    confusion: confusionMatrix(pred, truth, numPred, numTrue),
    mapping: match.predToTrue,
  };
  if (opts.probs !== undefined) {
    if (opts.probs.length !== n * numPred) {
      throw new RangeError(`evaluateClustering: probs has ${opts.probs.length} values, expected ${n} samples × ${numPred} clusters`);
    }
    if (numPred >= 5) result.top5 = topKAccuracy(opts.probs, truth, 5, match.predToTrue);
  }
  return result;
}
