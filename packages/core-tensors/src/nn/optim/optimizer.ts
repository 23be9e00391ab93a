import type * as tf from '@tensorflow/tfjs-core';

/** A named optimiser state tensor, for checkpoints (`<variable name>/<slot>`). */
export interface OptimizerSlot {
  name: string;
  tensor: tf.Tensor;
}

/**
 * PyTorch-semantics optimisers (the reference's): weight decay is coupled L2 added to the gradient
 * (g ← ∇θ + λθ) for SGD *and* Adam, on every trainable tensor. tfjs's own optimisers have no weight
 * decay, a different Adam epsilon and no way to save their state by variable name, hence these.
 */
export interface Optimizer {
  learningRate: number;
  /** Apply one update; `grads` maps variable name → gradient (as returned by tf.variableGrads). */
  step(variables: tf.Variable[], grads: Record<string, tf.Tensor>): void;
  /** Number of steps taken. */
  readonly iterations: number;
  /** State for checkpoints (slots keyed by variable name) and its restore. */
  getState(): { iterations: number; slots: OptimizerSlot[] };
  setState(state: { iterations: number; slots: OptimizerSlot[] }): void;
  dispose(): void;
}
