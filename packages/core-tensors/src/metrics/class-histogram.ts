import { labelCount, type Labels } from './labels.js';

/**
 * Share of each class among `labels`: hist[c] = count(c) / n, length numClasses (default max + 1).
 * Set `counts: true` for raw counts instead of shares.
 */
export function classHistogram(labels: Labels, numClasses?: number, opts: { counts?: boolean } = {}): Float64Array {
  if (labels.length === 0) throw new RangeError('classHistogram: no labels (expected at least one)');
  const k = labelCount('classHistogram', 'labels', labels, numClasses);
  const hist = new Float64Array(k);
  for (let i = 0; i < labels.length; i++) hist[labels[i]]++;
  if (!opts.counts) for (let c = 0; c < k; c++) hist[c] /= labels.length;
  return hist;
}
