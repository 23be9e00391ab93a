// munkres-js has no types. The reference makes the local declaration part of every program that
// compiles this file, including other packages that type-check against core-tensors' source (an
// `import` cannot pull in an ambient `declare module`).
// eslint-disable-next-line @typescript-eslint/triple-slash-reference
/// <reference path="./munkres-js.d.ts" />
import computeMunkres from 'munkres-js';
import { confusionMatrix } from './confusion-matrix.js';
import { labelCount, samePairs, type Labels } from './labels.js';

export interface HungarianMatch {
  /** predToTrue[p] = true class matched to cluster p, or -1 when p is left unmatched (numPred > numTrue). */
  predToTrue: Int32Array;
  /** The matched (cluster, class) pairs, by increasing cluster id. */
  pairs: Array<[pred: number, truth: number]>;
  /** Samples whose cluster is matched to their own class (the maximum over one-to-one matchings). */
  matched: number;
}

/**
 * One-to-one matching of predicted clusters to true classes that maximises the number of samples
 * on matched pairs (SCAN's `hungarian_evaluate`: linear assignment on N − votes). Solved with
 * munkres-js. With numPred ≠ numTrue the matrix is rectangular: min(numPred, numTrue) pairs are
 * matched, surplus clusters map to -1 (their samples count as errors) and surplus classes get no
 * cluster. Counts default to max label + 1.
 */
export function hungarianMatch(pred: Labels, truth: Labels, numPred?: number, numTrue?: number): HungarianMatch {
  const n = samePairs('hungarianMatch', pred, truth);
  const np = labelCount('hungarianMatch', 'pred', pred, numPred);
  const nt = labelCount('hungarianMatch', 'truth', truth, numTrue);
  const votes = confusionMatrix(pred, truth, np, nt);
  // Costs are non-negative (n − votes); munkres-js pads a rectangular matrix with 0, and the padding
  // value cannot change which real pairs win because every solution uses the same number of them.
  const cost = votes.map((row) => row.map((v) => n - v));
  const predToTrue = new Int32Array(np).fill(-1);
  let matched = 0;
  for (const [p, t] of computeMunkres(cost)) {
    predToTrue[p] = t;
    matched += votes[p][t];
  }
  const pairs: Array<[number, number]> = [];
  for (let p = 0; p < np; p++) if (predToTrue[p] >= 0) pairs.push([p, predToTrue[p]]);
  return { predToTrue, pairs, matched };
}
