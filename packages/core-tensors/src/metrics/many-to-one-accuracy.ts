import { confusionMatrix } from './confusion-matrix.js';
import { labelCount, samePairs, type Labels } from './labels.js';

/**
 * Majority-vote mapping: every cluster goes to the class most of its samples carry (lowest class
 * id on a tie; -1 for an empty cluster). Several clusters may map to one class, which is how
 * over-clustering (more clusters than classes) is evaluated.
 */
export function majorityVoteMapping(pred: Labels, truth: Labels, numPred?: number, numTrue?: number): Int32Array {
  samePairs('majorityVoteMapping', pred, truth);
  const np = labelCount('majorityVoteMapping', 'pred', pred, numPred);
  const nt = labelCount('majorityVoteMapping', 'truth', truth, numTrue);
  const votes = confusionMatrix(pred, truth, np, nt);
  const map = new Int32Array(np).fill(-1);
  for (let p = 0; p < np; p++) {
    let best = 0;
    for (let t = 0; t < nt; t++) {
      if (votes[p][t] > best) {
        best = votes[p][t];
        map[p] = t;
      }
    }
  }
  return map;
}

/** Accuracy after the majority-vote mapping (≥ clusteringAccuracy; equal to it when the vote is one-to-one). */
export function manyToOneAccuracy(pred: Labels, truth: Labels, numPred?: number, numTrue?: number): number {
  const map = majorityVoteMapping(pred, truth, numPred, numTrue);
  let correct = 0;
  for (let i = 0; i < pred.length; i++) if (map[pred[i]] === truth[i]) correct++;
  return correct / pred.length;
}
