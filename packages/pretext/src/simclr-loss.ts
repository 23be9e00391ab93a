import * as tf from '@tensorflow/tfjs-core';

/**
 * The SCAN reference's SimCLR loss (one-directional, not the symmetric NT-Xent):
 * anchors are the first views only; each anchor's denominator holds all 2b features except itself
 * (2b − 1 terms, its positive included); the result is the mean over the b anchors.
 *
 * `features` is [2b, d], L2-normalised, laid out as all first views then all second views
 * (rows i and b + i are the two views of sample i), the output of one forward pass over both views
 * so that batch-norm statistics are shared as in the reference.
 */
export function simclrLoss(features: tf.Tensor2D, temperature: number): tf.Scalar {
  if (!(temperature > 0)) throw new RangeError(`simclrLoss: temperature must be > 0, got ${temperature}`);
  const [n, d] = features.shape;
  if (n % 2 !== 0 || n < 4) {
    throw new RangeError(`simclrLoss: expected [2b, d] features with b ≥ 2 (both views stacked), got [${n}, ${d}]`);
  }
  const b = n / 2;
  return tf.tidy(() => {
    const anchors = tf.slice(features, [0, 0], [b, d]);
    const logits = tf.div(tf.matMul(anchors, features, false, true), temperature) as tf.Tensor2D; // [b, 2b]
    // The anchor's similarity with itself is removed from the denominator by a large negative mask.
    const selfMask = tf.mul(tf.concat([tf.eye(b), tf.zeros([b, b])], 1), -1e9);
    const masked = tf.add(logits, selfMask);
    const logDenominator = stableLogSumExp(masked);
    const positives = tf.sum(tf.mul(logits, tf.concat([tf.zeros([b, b]), tf.eye(b)], 1)), 1);
    return tf.mean(tf.sub(logDenominator, positives)) as tf.Scalar;
  });
}

/**
 * log Σ_j exp(x_ij) per row, shifted by the row maximum for stability. The shift is treated as a
 * constant in the backward pass, which is exact (its gradient terms cancel: d/dm = 1 − Σ softmax = 0)
 * and skips tf.logSumExp's path through Max's gradient (an Equal mask over the whole matrix).
 */
const stableLogSumExp = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
  const [x, save] = args as [tf.Tensor2D, tf.GradSaveFunc];
  const m = tf.max(x, 1, true);
  const shifted = tf.exp(tf.sub(x, m));
  const total = tf.sum(shifted, 1, true);
  save([shifted, total]);
  return {
    value: tf.reshape(tf.add(m, tf.log(total)), [x.shape[0]]),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [e, sum] = saved;
      return tf.tidy(() => tf.mul(tf.div(e, sum), tf.reshape(dy, [x.shape[0], 1])));
    },
  };
});

/** Interleaved [v0_0, v1_0, v0_1, v1_1, …] rows → [all first views; all second views]. */
export function deinterleaveViews(x: tf.Tensor2D): tf.Tensor2D {
  const [n, d] = x.shape;
  return tf.tidy(() => {
    const r = tf.reshape(x, [n / 2, 2, d]);
    const views = [tf.slice(r, [0, 0, 0], [n / 2, 1, d]), tf.slice(r, [0, 1, 0], [n / 2, 1, d])];
    return tf.reshape(tf.concat(views, 0), [n, d]) as tf.Tensor2D;
  });
}
