import * as tf from '@tensorflow/tfjs-core';

/** The reference's probability floor: log never sees anything below it. */
export const ENTROPY_EPS = 1e-8;

/**
 * The reference's `entropy(x, input_as_probabilities)` (spec §5.2): with probabilities,
 * t = c·log c for c = max(x, 1e-8); with logits, t = softmax(x)·log_softmax(x). A 1-D input gives
 * −Σ_k t (SCAN's use: the entropy of the batch-mean prediction, at most ln K); a 2-D input gives the
 * mean over rows of −Σ_k t.
 */
export function entropy(x: tf.Tensor1D | tf.Tensor2D, inputAsProbabilities: boolean): tf.Scalar {
  if (x.rank !== 1 && x.rank !== 2) throw new RangeError(`entropy: expected a 1-D or 2-D tensor, got shape [${x.shape}]`);
  return tf.tidy(() => {
    let t: tf.Tensor;
    if (inputAsProbabilities) {
      const c = tf.maximum(x, ENTROPY_EPS);
      t = tf.mul(c, tf.log(c));
    } else {
      t = tf.mul(tf.softmax(x), tf.logSoftmax(x));
    }
    const perRow = tf.neg(tf.sum(t, -1));
    return (x.rank === 1 ? perRow : tf.mean(perRow)) as tf.Scalar;
  });
}
