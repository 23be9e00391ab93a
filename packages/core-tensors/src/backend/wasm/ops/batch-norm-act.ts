/**
 * The fused batch-norm (+ residual + ReLU) ops over twindb's wasm kernels, each registered with its
 * gradient as tfjs-core pairs an op with its kernel and gradient: the kernels live beside this file
 * (`../kernels/BatchNormAct*.ts`), the layer that uses the ops is `nn/backbones/batch-norm.ts`.
 * Channels (NHWC last axis) must be a multiple of 4; callers check {@link hasFusedBatchNorm}.
 */
import * as tf from '@tensorflow/tfjs-core';
import { BATCH_NORM_ACT_INFER } from '../kernels/BatchNormActInfer.js';
import { BATCH_NORM_ACT_TRAIN } from '../kernels/BatchNormActTrain.js';
import { BATCH_NORM_ACT_TRAIN_GRAD } from '../kernels/BatchNormActTrainGrad.js';

export interface BatchNormActAttrs {
  epsilon: number;
  relu: boolean;
}

/** Whether the active backend has the fused kernels for `mode` (twindb's wasm backend does). */
export function hasFusedBatchNorm(mode: 'train' | 'infer'): boolean {
  return tf.getKernel(mode === 'train' ? BATCH_NORM_ACT_TRAIN : BATCH_NORM_ACT_INFER, tf.getBackend()) !== undefined;
}

/**
 * Training mode: `relu(γ·x̂ + β + residual)` with batch statistics, as one kernel pair. Only x and the
 * result stay alive for the backward pass (x̂ and the ReLU mask are recomputed). `onStats` receives
 * the batch mean and biased variance (for the running statistics) during the forward pass.
 */
export function batchNormActTrain(
  x: tf.Tensor4D,
  gamma: tf.Tensor,
  beta: tf.Tensor,
  residual: tf.Tensor4D | undefined,
  attrs: BatchNormActAttrs,
  onStats: (mean: tf.Tensor1D, biasedVar: tf.Tensor1D) => void,
): tf.Tensor4D {
  const { epsilon, relu } = attrs;
  const inputs = residual === undefined ? [x, gamma, beta] : [x, gamma, beta, residual];
  return tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [xi, g, b, r] = args.slice(0, -1) as tf.Tensor[];
    const save = args[args.length - 1] as tf.GradSaveFunc;
    const named: tf.NamedTensorMap = r === undefined ? { x: xi, gamma: g, beta: b } : { x: xi, gamma: g, beta: b, residual: r };
    const [y, mean, biasedVar, invStd] = tf.engine().runKernel(BATCH_NORM_ACT_TRAIN, named, { epsilon, relu }) as tf.Tensor[];
    onStats(mean as tf.Tensor1D, biasedVar as tf.Tensor1D);
    save([named.x, y, named.gamma, mean, invStd]);
    return {
      value: y as tf.Tensor4D,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xs, ys, gs, m, inv] = saved;
        const operands = { dy, x: xs, y: ys, gamma: gs, mean: m, invStd: inv };
        return tf.engine().runKernel(BATCH_NORM_ACT_TRAIN_GRAD, operands, { relu, residual: residual !== undefined }) as tf.Tensor[];
      },
    };
  })(...inputs) as tf.Tensor4D;
}

/**
 * Eval mode with the running statistics, one SIMD pass (the stock wasm batch norm is ~10× slower).
 * Its gradient (eval-mode fine-tuning, heads-only SCAN) is written out in tfjs ops:
 * g = dy·[y > 0], dx = g·γ·σ⁻¹, dγ = Σ g·x̂, dβ = Σ g, d residual = g; running statistics are constants.
 */
export function batchNormActInfer(
  x: tf.Tensor4D,
  gamma: tf.Tensor,
  beta: tf.Tensor,
  runningMean: tf.Tensor,
  runningVar: tf.Tensor,
  residual: tf.Tensor4D | undefined,
  attrs: BatchNormActAttrs,
): tf.Tensor4D {
  const { epsilon, relu } = attrs;
  const inputs = residual === undefined ? [x, gamma, beta] : [x, gamma, beta, residual];
  return tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [xi, g, b, r] = args.slice(0, -1) as tf.Tensor[];
    const save = args[args.length - 1] as tf.GradSaveFunc;
    const operands: tf.NamedTensorMap = { x: xi, gamma: g, beta: b, mean: runningMean, variance: runningVar };
    if (r !== undefined) operands.residual = r;
    const y = tf.engine().runKernel(BATCH_NORM_ACT_INFER, operands, { epsilon, relu }) as tf.Tensor4D;
    save([xi, y, g]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
        tf.tidy(() => {
          const [xs, ys, gs] = saved;
          const masked = relu ? tf.mul(dy, tf.cast(tf.greater(ys, 0), 'float32')) : dy;
          const inv = tf.rsqrt(tf.add(runningVar, epsilon));
          const xHat = tf.mul(tf.sub(xs, runningMean), inv);
          const grads = [tf.mul(masked, tf.mul(gs, inv)), tf.sum(tf.mul(masked, xHat), [0, 1, 2]), tf.sum(masked, [0, 1, 2])];
          return residual === undefined ? grads : [...grads, tf.clone(masked)];
        }),
    };
  })(...inputs) as tf.Tensor4D;
}
