import type * as tf from '@tensorflow/tfjs-core';
import type { Module } from '@twindb/core-tensors/nn';
import type { NeighborTable, StepRows } from '@twindb/scan';

/** One self-label batch: the weak view's probabilities (outside the tape) and the strong view's logits (inside it). */
export interface SelflabelBatch {
  size: number;
  /** Softmax of head 0 on the weak view, row-major [b × K]; runs outside the gradient tape. */
  weakProbs(): Float32Array;
  /** Head-0 logits of the strong view; runs inside the tape. */
  strongLogits(): tf.Tensor2D;
}

/**
 * What differs between self-labelling's two modes; {@link runSelflabel} runs ONE loop over it.
 * Frozen: SCAN's head on stored features (strong view = feature noise). Image: SCAN's backbone +
 * head on images (weak = val transform, strong = the config's augmentation), backbone fine-tuned.
 */
export interface SelflabelDriver {
  mode: string;
  trainName: string;
  train: StepRows;
  val: StepRows;
  sameVal: boolean;
  /** Val neighbours (self + valNeighbors) for the label-free criterion. */
  valNb: NeighborTable;
  /** What the checkpoint holds. */
  model: Module;
  parameters(): tf.Variable[];
  /** Non-trainable state the reference's EMA resets after every step (BN running statistics). */
  buffers(): tf.Variable[];
  identity: Record<string, unknown>;
  startInfo: Record<string, unknown>;
  describe: string;
  batches(epoch: number): Iterable<SelflabelBatch> | AsyncIterable<SelflabelBatch>;
  /** Softmax of head 0 on train or val rows (eval mode). */
  probabilities(which: 'train' | 'val'): Promise<Float32Array>;
  /** Loads SCAN's kept weights back into the model (for the comparison). */
  loadScan(): void;
  /** Writes `model.safetensors` (and image mode's `classifier.onnx`) from the model's current weights. */
  writeModel(out: string, metadata: Record<string, string>): Promise<Record<string, string>>;
  dispose(): void;
}
