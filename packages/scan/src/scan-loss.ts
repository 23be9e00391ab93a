import * as tf from '@tensorflow/tfjs-core';
import { entropy } from './entropy.js';

/** PyTorch's BCELoss clamps each log term at −100, so one sample contributes at most 100. */
export const BCE_LOG_FLOOR = -100;

export interface ScanLossTerms {
  /** consistency − w·entropy: what is minimised. */
  total: tf.Scalar;
  /** mean over anchors of −log ⟨P(anchor), P(neighbour)⟩. */
  consistency: tf.Scalar;
  /** entropy of the batch-mean anchor prediction (at most ln K). */
  entropy: tf.Scalar;
}

/**
 * The SCAN loss for one head (spec §5.3). Softmax of both logit sets over the classes; per row the
 * dot product s of anchor and neighbour probabilities; consistency = mean of −max(log s, −100)
 * (PyTorch's BCE against target 1); entropy of the mean anchor probabilities (neighbours do not
 * enter it); total = consistency − w·entropy. Gradients reach both branches. At uniform predictions
 * consistency = entropy = ln K, so total = (1 − w)·ln K (−9.2103 for K = 10, w = 5).
 */
export function scanLoss(anchorLogits: tf.Tensor2D, neighborLogits: tf.Tensor2D, entropyWeight: number): ScanLossTerms {
  if (anchorLogits.shape.join() !== neighborLogits.shape.join()) {
    throw new RangeError(`scanLoss: anchor logits [${anchorLogits.shape}] and neighbour logits [${neighborLogits.shape}] differ in shape`);
  }
  if (!Number.isFinite(entropyWeight)) throw new RangeError(`scanLoss: entropyWeight must be finite, got ${entropyWeight}`);
  return tf.tidy(() => {
    const pa = tf.softmax(anchorLogits);
    const pn = tf.softmax(neighborLogits);
    const similarity = tf.sum(tf.mul(pa, pn), 1);
    const consistency = tf.neg(tf.mean(tf.maximum(tf.log(similarity), BCE_LOG_FLOOR))) as tf.Scalar;
    const h = entropy(tf.mean(pa, 0) as tf.Tensor1D, true);
    const total = tf.sub(consistency, tf.mul(h, entropyWeight)) as tf.Scalar;
    return { total, consistency, entropy: h };
  });
}
