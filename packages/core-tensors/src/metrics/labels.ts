/**
 * Validation of label vectors (cluster ids or class ids: integers 0..n-1) shared by the metrics.
 * Every metric names its own function and argument in the error so a bad row is easy to find.
 */

export type Labels = ArrayLike<number>;

/**
 * Checks that every entry is an integer in [0, numLabels) and returns numLabels (max + 1 when not
 * given). Unknown labels (e.g. -1 for "no ground truth") must be filtered out by the caller.
 */
export function labelCount(fn: string, name: string, labels: Labels, numLabels?: number): number {
  if (numLabels !== undefined && (!Number.isInteger(numLabels) || numLabels <= 0)) {
    throw new RangeError(`${fn}: ${name} label count must be a positive integer, got ${numLabels}`);
  }
  let max = -1;
  for (let i = 0; i < labels.length; i++) {
    const v = labels[i];
    if (!Number.isInteger(v) || v < 0 || (numLabels !== undefined && v >= numLabels)) {
      const range = numLabels === undefined ? 'a non-negative integer' : `an integer in 0..${numLabels - 1}`;
      throw new RangeError(`${fn}: ${name}[${i}] = ${v} (expected ${range})`);
    }
    if (v > max) max = v;
  }
  return numLabels ?? max + 1;
}

/** Checks that pred and truth label the same non-empty set of samples. */
export function samePairs(fn: string, pred: Labels, truth: Labels): number {
  if (pred.length !== truth.length) {
    throw new RangeError(`${fn}: pred has ${pred.length} labels but truth has ${truth.length} (expected one per sample)`);
  }
  if (pred.length === 0) throw new RangeError(`${fn}: no samples (pred and truth are empty)`);
  return pred.length;
}
