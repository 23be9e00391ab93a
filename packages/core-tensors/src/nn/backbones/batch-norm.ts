import * as tf from '@tensorflow/tfjs-core';
import { batchNormActInfer, batchNormActTrain, hasFusedBatchNorm } from '../../backend/wasm/ops/batch-norm-act.js';
import { type OnnxGraphBuilder } from '../../onnx/onnx-graph.js';
import { batchNorm } from '../onnx/onnx-ops.js';
import { type ApplyOptions, Module } from './module.js';

/** Per-call options of {@link BatchNorm2d.applyAct}. */
export interface BatchNormActOptions extends ApplyOptions {
  /** Apply ReLU last. */
  relu?: boolean;
  /** Added before the ReLU (a ResNet block's shortcut), same shape as the input. */
  residual?: tf.Tensor4D;
}

/** The unfused tail of applyAct: + residual, then ReLU. */
function finishAct(y: tf.Tensor4D, relu: boolean, residual: tf.Tensor4D | undefined): tf.Tensor4D {
  const sum = residual === undefined ? y : (tf.add(y, residual) as tf.Tensor4D);
  return relu ? tf.relu(sum) : sum;
}

/** PyTorch's BatchNorm2d defaults. */
const EPS = 1e-5;
const MOMENTUM = 0.1;

/**
 * Batch normalisation over the channel (last, NHWC) axis with PyTorch semantics: in training mode
 * it normalises with the biased batch variance and updates the running statistics as
 * `running ← (1 − 0.1)·running + 0.1·batch`, using the *unbiased* batch variance for
 * `running_var`; in eval mode it normalises with the running statistics and changes nothing.
 * State-dict names: `weight` (γ = 1), `bias` (β = 0), `running_mean` (0), `running_var` (1).
 */
export class BatchNorm2d extends Module<tf.Tensor4D, tf.Tensor4D> {
  readonly weight: tf.Variable;
  readonly bias: tf.Variable;
  readonly runningMean: tf.Variable;
  readonly runningVar: tf.Variable;

  constructor(readonly numFeatures: number) {
    super();
    this.weight = this.addParameter('weight', tf.ones([numFeatures]));
    this.bias = this.addParameter('bias', tf.zeros([numFeatures]));
    this.runningMean = this.addBuffer('running_mean', tf.zeros([numFeatures]));
    this.runningVar = this.addBuffer('running_var', tf.ones([numFeatures]));
  }

  override toOnnx(g: OnnxGraphBuilder, x: string): string {
    const values = (v: tf.Variable) => v.dataSync() as Float32Array;
    return batchNorm(g, x, {
      gamma: values(this.weight),
      beta: values(this.bias),
      mean: values(this.runningMean),
      variance: values(this.runningVar),
      epsilon: EPS,
    });
  }

  apply(x: tf.Tensor4D, opts?: ApplyOptions): tf.Tensor4D {
    return this.applyAct(x, opts);
  }

  /**
   * `relu(bn(x) + residual)`, each part optional: the batch norm, residual add and ReLU that end
   * every ResNet block, computed as one fused kernel pair in training mode where the backend has it
   * (twindb's wasm backend, channels a multiple of 4). Fused, only x and the result stay alive for
   * the backward pass, instead of x̂ and every intermediate: less heap and ~4 passes instead of ~15.
   */
  applyAct(x: tf.Tensor4D, opts: BatchNormActOptions = {}): tf.Tensor4D {
    const c = x.shape[3];
    if (c !== this.numFeatures) {
      throw new Error(`BatchNorm2d: expected ${this.numFeatures} channels (NHWC last axis), got input shape [${x.shape}]`);
    }
    const { relu = false, residual } = opts;
    if (residual !== undefined && residual.shape.join() !== x.shape.join()) {
      throw new Error(`BatchNorm2d: the residual's shape [${residual.shape}] differs from the input's [${x.shape}]`);
    }
    if (!this.isTraining(opts)) {
      if (c % 4 === 0 && hasFusedBatchNorm('infer')) {
        return batchNormActInfer(x, this.weight, this.bias, this.runningMean, this.runningVar, residual, { epsilon: EPS, relu });
      }
      const y = tf.batchNorm4d(x, this.runningMean as tf.Tensor1D, this.runningVar as tf.Tensor1D, this.bias as tf.Tensor1D, this.weight as tf.Tensor1D, EPS);
      return finishAct(y, relu, residual);
    }
    const n = x.size / c;
    if (n < 2) throw new Error(`BatchNorm2d: training needs more than one value per channel, got input shape [${x.shape}]`);
    if (c % 4 === 0 && hasFusedBatchNorm('train')) {
      return batchNormActTrain(x, this.weight, this.bias, residual, { epsilon: EPS, relu }, (mean, biasedVar) => this.updateRunningStats(mean, biasedVar, n));
    }
    return finishAct(this.normaliseBatch(x, this.weight, this.bias) as tf.Tensor4D, relu, residual);
  }

  /**
   * Training-mode forward with the closed-form backward pass
   * dx = γ/σ · (dy − mean(dy) − x̂·mean(dy·x̂)), dγ = Σ dy·x̂, dβ = Σ dy.
   * Differentiating tf.moments + tf.batchNorm instead costs about 25 full-size passes per layer
   * (tfjs's FusedBatchNorm gradient, plus the gradients of the mean and variance that feed it);
   * this one costs 7, which matters because batch norm follows every convolution.
   */
  private readonly normaliseBatch = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [x, gamma, beta, save] = args as [tf.Tensor4D, tf.Tensor, tf.Tensor, tf.GradSaveFunc];
    const n = x.size / x.shape[3];
    const mean = tf.mean(x, [0, 1, 2]);
    const centred = tf.sub(x, mean);
    const biasedVar = tf.mean(tf.square(centred), [0, 1, 2]);
    this.updateRunningStats(mean as tf.Tensor1D, biasedVar as tf.Tensor1D, n);
    const invStd = tf.rsqrt(tf.add(biasedVar, EPS));
    const xHat = tf.mul(centred, invStd);
    save([xHat, invStd, gamma]);
    return {
      value: tf.add(tf.mul(xHat, gamma), beta),
      // tfjs calls a custom gradient outside any tidy scope and keeps what it leaves until the whole
      // backward pass ends: without this tidy, six activation-sized temporaries per layer pile up.
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
        tf.tidy(() => {
          const [xh, inv, g] = saved;
          const dBeta = tf.sum(dy, [0, 1, 2]);
          const dGamma = tf.sum(tf.mul(dy, xh), [0, 1, 2]);
          const centredDy = tf.sub(dy, tf.div(dBeta, n));
          const dx = tf.mul(tf.sub(centredDy, tf.mul(xh, tf.div(dGamma, n))), tf.mul(g, inv));
          return [dx, dGamma, dBeta];
        }),
    };
  });

  private updateRunningStats(mean: tf.Tensor1D, biasedVar: tf.Tensor1D, n: number): void {
    tf.tidy(() => {
      const unbiasedVar = tf.mul(biasedVar, n / (n - 1));
      this.runningMean.assign(tf.add(tf.mul(this.runningMean, 1 - MOMENTUM), tf.mul(mean, MOMENTUM)));
      this.runningVar.assign(tf.add(tf.mul(this.runningVar, 1 - MOMENTUM), tf.mul(unbiasedVar, MOMENTUM)));
    });
  }
}
