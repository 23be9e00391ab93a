import * as tf from '@tensorflow/tfjs-core';

/** Which rows of a batch train, and on which pseudo-label (spec §5.4 plus twindb's per-cluster guard). */
export interface ConfidenceMask {
  /** Pseudo-label per row (argmax of the weak softmax), −1 for rows left out. */
  targets: Int32Array;
  /** Rows whose max weak probability is strictly above the threshold. */
  confident: number;
  /** Rows added by the per-cluster guard (below the threshold). */
  guardAdded: number;
  /** Rows in the mask per cluster (confident + guard). */
  perCluster: number[];
}

/**
 * The confidence mask: row i trains on ŷᵢ = argmax Qᵢ when max Qᵢ > threshold (**strict**, §5.4).
 * twindb's guard (`minPerCluster` = m > 0, off at 0): a cluster predicted for some rows of the
 * batch but with fewer than m of them above the threshold contributes its min(m, members) most
 * confident rows anyway. Without it a cluster that starts with almost no confident sample gets
 * none for the rest of training and is absorbed by the others (mnist-anchor.md: 172 → 126
 * members), since class balancing only reweights clusters that are present.
 */
export function confidenceMask(weakProbs: Float32Array, k: number, threshold: number, minPerCluster = 0): ConfidenceMask {
  const n = weakProbs.length / k;
  const targets = new Int32Array(n).fill(-1);
  const perCluster = new Array<number>(k).fill(0);
  const members: number[][] = Array.from({ length: k }, () => []);
  const conf = new Float64Array(n);
  let confident = 0;
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let c = 1; c < k; c++) if (weakProbs[i * k + c] > weakProbs[i * k + best]) best = c;
    conf[i] = weakProbs[i * k + best];
    members[best].push(i);
    if (conf[i] > threshold) {
      targets[i] = best;
      perCluster[best]++;
      confident++;
    }
  }
  let guardAdded = 0;
  if (minPerCluster > 0) {
    for (let c = 0; c < k; c++) {
      if (perCluster[c] >= minPerCluster || members[c].length === 0) continue;
      const top = members[c].sort((a, b) => conf[b] - conf[a] || a - b).slice(0, minPerCluster);
      for (const i of top) {
        if (targets[i] >= 0) continue;
        targets[i] = c;
        perCluster[c]++;
        guardAdded++;
      }
    }
  }
  return { targets, confident, guardAdded, perCluster };
}

/**
 * The confidence-based cross-entropy (spec §5.4) of the strong logits against the masked
 * pseudo-labels: Σ w_ŷ·CEᵢ / Σ w_ŷ over masked rows, with w_c = n / n_c (n masked rows, n_c of
 * them labelled c) when `applyClassBalancing`, else 1 (plain mean). Returns null when the mask is
 * empty: the reference crashes there ("mask is all zeros"); twindb skips the step and counts it.
 */
export function confidenceCrossEntropy(strongLogits: tf.Tensor2D, targets: Int32Array, applyClassBalancing: boolean): tf.Scalar | null {
  const [n, k] = strongLogits.shape;
  if (targets.length !== n) throw new RangeError(`confidenceCrossEntropy: ${targets.length} targets for ${n} rows`);
  const counts = new Array<number>(k).fill(0);
  let masked = 0;
  for (const t of targets) {
    if (t >= 0) {
      counts[t]++;
      masked++;
    }
  }
  if (masked === 0) return null;
  const weights = new Float32Array(n);
  const onehot = new Float32Array(n * k);
  for (let i = 0; i < n; i++) {
    const t = targets[i];
    if (t < 0) continue;
    weights[i] = applyClassBalancing ? masked / counts[t] : 1;
    onehot[i * k + t] = 1;
  }
  let wsum = 0;
  for (const w of weights) wsum += w;
  return tf.tidy(() => {
    const ce = tf.neg(tf.sum(tf.mul(tf.tensor2d(onehot, [n, k]), tf.logSoftmax(strongLogits)), 1));
    return tf.div(tf.sum(tf.mul(ce, tf.tensor1d(weights))), wsum) as tf.Scalar;
  });
}
