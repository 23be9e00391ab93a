import { contingency } from './contingency.js';
import type { Labels } from './labels.js';

/** Shannon entropy (nats) of a partition given its part sizes; empty parts contribute nothing. */
function entropy(sizes: number[], n: number): number {
  let h = 0;
  for (const s of sizes) if (s > 0) h -= (s / n) * Math.log(s / n);
  return h;
}

/**
 * Normalised mutual information, MI / ((H(truth) + H(pred)) / 2): scikit-learn's
 * `normalized_mutual_info_score` with its default `average_method='arithmetic'` (what SCAN
 * reports). Symmetric and invariant to renaming labels. Same limit cases as scikit-learn: both
 * labellings with a single part → 1; MI = 0 otherwise → 0.
 */
export function nmi(pred: Labels, truth: Labels): number {
  const { n, counts, predSizes, trueSizes } = contingency('nmi', pred, truth);
  const partsPred = predSizes.filter((s) => s > 0).length;
  const partsTrue = trueSizes.filter((s) => s > 0).length;
  if (partsPred === 1 && partsTrue === 1) return 1;
  let mi = 0;
  for (let p = 0; p < counts.length; p++) {
    const row = counts[p];
    for (let t = 0; t < row.length; t++) {
      const c = row[t];
      if (c > 0) mi += (c / n) * Math.log((n * c) / (predSizes[p] * trueSizes[t]));
    }
  }
  if (mi <= 0) return 0;
  return mi / ((entropy(predSizes, n) + entropy(trueSizes, n)) / 2);
}
