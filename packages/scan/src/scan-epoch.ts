import * as tf from '@tensorflow/tfjs-core';
import type { Optimizer } from '@twindb/core-tensors/nn';
import { scanLoss } from './scan-loss.js';

/**
 * One training batch of the SCAN loop. `forward` runs inside the gradient tape and returns, per
 * head, the anchor and neighbour logits ([b, K] each). Frozen-feature mode applies the heads to
 * stored features; image mode runs backbone + heads on augmented images. The loop does not care.
 */
export interface ScanBatch {
  /** Anchors in the batch. */
  size: number;
  forward(): { anchors: tf.Tensor2D[]; neighbors: tf.Tensor2D[] };
}

/** Means over the epoch's steps (and over heads for the scalar terms, as the reference logs them). */
export interface ScanEpochStats {
  steps: number;
  samples: number;
  total: number;
  consistency: number;
  entropy: number;
  /** Mean total loss of each head. */
  headTotals: number[];
}

export interface ScanEpochOptions {
  /** The trainable variables (heads only in frozen / head-only mode). */
  parameters: tf.Variable[];
  optimizer: Optimizer;
  entropyWeight: number;
  batches: Iterable<ScanBatch> | AsyncIterable<ScanBatch>;
  /** Called after every step with its anchors and the mean total over heads. */
  onStep?: (samples: number, total: number) => void;
  /** Checked before every step; the epoch throws its reason. */
  signal?: AbortSignal;
}

/** A loss that is not finite: no update was applied for that step. */
export class NonFiniteScanLossError extends Error {
  override name = 'NonFiniteScanLossError';
}

/**
 * One SCAN epoch (reference `scan_train`, spec §7.4): per batch the SCAN loss of every head
 * (§5.3), the **sum** over heads back-propagated through both branches, one optimiser step.
 */
export async function scanTrainEpoch(opts: ScanEpochOptions): Promise<ScanEpochStats> {
  let steps = 0;
  let samples = 0;
  let total = 0;
  let consistency = 0;
  let entropy = 0;
  let headTotals: number[] = [];
  for await (const batch of opts.batches) {
    opts.signal?.throwIfAborted();
    const kept: tf.Scalar[][] = [];
    const { value, grads } = tf.variableGrads(() => {
      const { anchors, neighbors } = batch.forward();
      if (anchors.length !== neighbors.length || anchors.length === 0) throw new RangeError(`scanTrainEpoch: ${anchors.length} anchor and ${neighbors.length} neighbour heads`);
      let sum: tf.Scalar | undefined;
      anchors.forEach((a, h) => {
        const t = scanLoss(a, neighbors[h], opts.entropyWeight);
        kept.push([tf.keep(t.total), tf.keep(t.consistency), tf.keep(t.entropy)]);
        sum = sum === undefined ? t.total : (tf.add(sum, t.total) as tf.Scalar);
      });
      return sum!;
    }, opts.parameters);
    const loss = value.dataSync()[0];
    const terms = kept.map((k) => k.map((s) => s.dataSync()[0]));
    tf.dispose([value, ...kept.flat()]);
    if (!Number.isFinite(loss)) {
      tf.dispose(Object.values(grads));
      throw new NonFiniteScanLossError(`SCAN loss is ${loss} at step ${steps + 1}; no update applied`);
    }
    opts.optimizer.step(opts.parameters, grads as Record<string, tf.Tensor>);
    tf.dispose(Object.values(grads));
    if (headTotals.length === 0) headTotals = terms.map(() => 0);
    terms.forEach(([t, c, e], h) => {
      headTotals[h] += t;
      total += t / terms.length;
      consistency += c / terms.length;
      entropy += e / terms.length;
    });
    steps++;
    samples += batch.size;
    opts.onStep?.(batch.size, terms.reduce((s, [t]) => s + t, 0) / terms.length);
  }
  const d = Math.max(steps, 1);
  return { steps, samples, total: total / d, consistency: consistency / d, entropy: entropy / d, headTotals: headTotals.map((t) => t / d) };
}
