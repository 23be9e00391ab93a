import { labelCount, samePairs, type Labels } from './labels.js';

/**
 * Co-occurrence counts of predicted cluster and true class: counts[p][t] = number of samples with
 * pred = p and truth = t, for p < numPred, t < numTrue. Rows follow the first argument (pred), which
 * is the vote matrix the Hungarian match and the majority vote read. (scikit-learn's
 * `confusion_matrix(truth, pred)` is its transpose.)
 */
export function confusionMatrix(pred: Labels, truth: Labels, numPred?: number, numTrue?: number): number[][] {
  samePairs('confusionMatrix', pred, truth);
  const np = labelCount('confusionMatrix', 'pred', pred, numPred);
  const nt = labelCount('confusionMatrix', 'truth', truth, numTrue);
  const counts: number[][] = [];
  for (let p = 0; p < np; p++) counts.push(new Array<number>(nt).fill(0));
  for (let i = 0; i < pred.length; i++) counts[pred[i]][truth[i]]++;
  return counts;
}
