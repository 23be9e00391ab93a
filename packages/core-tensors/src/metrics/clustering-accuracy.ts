import { hungarianMatch } from './hungarian-match.js';
import type { Labels } from './labels.js';

/**
 * Clustering accuracy (ACC): the fraction of samples whose cluster, mapped one-to-one to a class by
 * the Hungarian match, equals their true class. Invariant to renaming the clusters.
 */
export function clusteringAccuracy(pred: Labels, truth: Labels, numPred?: number, numTrue?: number): number {
  const { matched } = hungarianMatch(pred, truth, numPred, numTrue);
  return matched / pred.length;
}
