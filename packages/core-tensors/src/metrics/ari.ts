import { contingency } from './contingency.js';
import type { Labels } from './labels.js';

/** Number of unordered pairs among m items. */
function pairs(m: number): number {
  return (m * (m - 1)) / 2;
}

/**
 * Adjusted Rand index (Hubert & Arabie), scikit-learn's `adjusted_rand_score`: pair counting
 * corrected for chance, 1 for identical partitions (up to renaming), ≈ 0 for independent ones,
 * negative when worse than chance. Computed from the pair confusion counts exactly as scikit-learn
 * does, including its limit case (no disagreeing pair → 1).
 */
export function ari(pred: Labels, truth: Labels): number {
  const { n, counts, predSizes, trueSizes } = contingency('ari', pred, truth);
  let tp = 0; // pairs together in both
  for (const row of counts) for (const c of row) tp += pairs(c);
  let togetherPred = 0;
  for (const s of predSizes) togetherPred += pairs(s);
  let togetherTrue = 0;
  for (const s of trueSizes) togetherTrue += pairs(s);
  const fp = togetherPred - tp; // together in pred only
  const fn = togetherTrue - tp; // together in truth only
  const tn = pairs(n) - tp - fp - fn;
  if (fp === 0 && fn === 0) return 1;
  return (2 * (tp * tn - fn * fp)) / ((tp + fn) * (fn + tn) + (tp + fp) * (fp + tn));
}
