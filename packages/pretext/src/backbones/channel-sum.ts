import * as tf from '@tensorflow/tfjs-core';

/**
 * Σ over batch, height and width of an NHWC tensor → [C], as ones[1, n] · x[n, C].
 * tf.sum / tf.mean over axes [0, 1, 2] make the wasm backend transpose the whole tensor first
 * (its reductions need the reduced axes innermost); the matrix product reads it once, in place,
 * on XNNPACK. Batch norm needs four of these per layer and step.
 */
export function channelSum(x: tf.Tensor): tf.Tensor1D {
  return tf.tidy(() => {
    const c = x.shape[x.rank - 1];
    const n = x.size / c;
    return tf.reshape(tf.matMul(tf.ones([1, n]), tf.reshape(x, [n, c])), [c]);
  });
}
