import { confusionMatrix } from './confusion-matrix.js';
import { labelCount, samePairs, type Labels } from './labels.js';

/** Contingency table with its marginals, for the information-theoretic and pair-counting metrics. */
export interface Contingency {
  n: number;
  /** counts[p][t], rows = pred, columns = truth. */
  counts: number[][];
  predSizes: number[];
  trueSizes: number[];
}

export function contingency(fn: string, pred: Labels, truth: Labels): Contingency {
  const n = samePairs(fn, pred, truth);
  // Validate under the caller's name so the error points at nmi/ari, not at this helper.
  labelCount(fn, 'pred', pred);
  labelCount(fn, 'truth', truth);
  const counts = confusionMatrix(pred, truth);
  const predSizes = counts.map((row) => row.reduce((a, b) => a + b, 0));
  const trueSizes = new Array<number>(counts[0].length).fill(0);
  for (const row of counts) for (let t = 0; t < row.length; t++) trueSizes[t] += row[t];
  return { n, counts, predSizes, trueSizes };
}
