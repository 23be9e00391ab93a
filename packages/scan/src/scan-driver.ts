import type * as tf from '@tensorflow/tfjs-core';
import type { Module, SafetensorsEntry } from '@twindb/core-tensors/nn';
import type { FrozenInputs } from './frozen/frozen-inputs.js';
import type { NeighborTable } from './frozen/neighbor-table.js';
import type { ScanBatch } from './scan-epoch.js';

/** The rows a step's outputs describe: a feature file's or an image DB's. */
export interface StepRows {
  ids: readonly string[];
  paths: readonly (string | null)[];
  /** Ground-truth class per row, −1 where unknown. */
  labels: Int32Array;
  rows: number;
  labelled: number;
  meta: { db: string };
}

/**
 * What differs between SCAN's two modes; {@link runScan} runs ONE loop over it. Frozen-feature
 * mode: heads on stored, standardised embeddings. Image mode: backbone + heads on augmented images.
 */
export interface ScanDriver {
  /** Log wording: `frozen features` or `images`. */
  mode: string;
  /** What `n rows of …` messages name (`features <file>`, `train_db <spec>`). */
  trainName: string;
  train: StepRows;
  val: StepRows;
  sameVal: boolean;
  /** The embeddings neighbours are mined on (stored features, or the pretext model's). */
  mining: FrozenInputs;
  /** What the checkpoint holds and the best-weights snapshot copies. */
  model: Module;
  /** Trainable variables of the SCAN step (heads only in frozen / head-only mode). */
  parameters(): tf.Variable[];
  /** Inputs part of the checkpoint identity (digests of features, pretext weights…). */
  identity: Record<string, unknown>;
  /** Extra fields of the `start` log event, and the start line's model description. */
  startInfo: Record<string, unknown>;
  describe: string;
  batches(trainNb: NeighborTable, epoch: number): Iterable<ScanBatch> | AsyncIterable<ScanBatch>;
  /**
   * Image mode with `head_warmup_epochs`: heads-only SCAN batches of one warm-up epoch on the fixed
   * (standardised) backbone features of the train rows, and the heads' variables.
   */
  warmup?: { batches(trainNb: NeighborTable, epoch: number): Iterable<ScanBatch>; parameters(): tf.Variable[] };
  /** Softmax outputs of every head on the train or val rows (eval mode). */
  probabilities(which: 'train' | 'val'): Promise<Float32Array[]>;
  /** Where per-epoch cluster sizes are measured (image mode: val, to spare a pass over train). */
  sizesOn: 'train' | 'val';
  /** Checkpoint tensors besides model, optimiser and best weights. */
  extras(): Map<string, SafetensorsEntry>;
  restoreExtras(extras: ReadonlyMap<string, SafetensorsEntry>): void;
  /** Writes `model.safetensors` (and image mode's `classifier.onnx`) for head `head`; returns the outputs. */
  writeModel(out: string, head: number, metadata: Record<string, string>): Promise<Record<string, string>>;
  dispose(): void;
}
