/**
 * Gradient of BatchNormActTrain in two SIMD passes (simd/batch-norm-act.wat), recomputing x̂ from
 * x and the ReLU mask from y instead of keeping either: g = dy·[y > 0] (dy without ReLU),
 * dβ = Σ g, dγ = Σ g·x̂ per channel (float64 across blocks), then
 * dx = γσ⁻¹·(g − dβ/n − x̂·dγ/n); the residual's gradient is g itself.
 * Inputs: dy, x, y, gamma, mean, invStd. Outputs: [dx, dγ, dβ] and, with `residual`, dr.
 */
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { batchNormActKernels, blockSums } from '../simd/batch-norm-act.js';
import { HeapScratch, heapMemory } from '../simd/heap-module.js';
import { heapIndex } from '../wasm-kernel-calls.js';
import { fusedChannels } from './BatchNormActTrain.js';

export const BATCH_NORM_ACT_TRAIN_GRAD = 'TwindbBatchNormActTrainGrad';

export interface BatchNormActTrainGradAttrs {
  relu: boolean;
  /** The forward pass added a residual: also return its gradient. */
  residual: boolean;
}

export function batchNormActTrainGrad(args: {
  inputs: { dy: TensorInfo; x: TensorInfo; y: TensorInfo; gamma: TensorInfo; mean: TensorInfo; invStd: TensorInfo };
  backend: BackendWasm;
  attrs: BatchNormActTrainGradAttrs;
}): TensorInfo[] {
  const { inputs, backend, attrs } = args;
  const { dy, x, y, gamma, mean, invStd } = inputs;
  const c = fusedChannels(BATCH_NORM_ACT_TRAIN_GRAD, x, [gamma, mean, invStd], [dy, y]);
  const rows = x.shape.reduce((a, b) => a * b, 1) / c;
  const cb = c * 4;
  const relu = attrs.relu ? 1 : 0;
  const simd = batchNormActKernels(backend);

  const dx = backend.makeOutput(x.shape, 'float32');
  const dGamma = backend.makeOutput([c], 'float32');
  const dBeta = backend.makeOutput([c], 'float32');
  const dResidual = attrs.residual ? backend.makeOutput(x.shape, 'float32') : undefined;
  const scratch = new HeapScratch(backend);
  try {
    const acc = scratch.floats(c);
    const acc2 = scratch.floats(c);
    const gSink = scratch.floats(c);
    const a = scratch.floats(c);
    const k2 = scratch.floats(c);
    const k1 = scratch.floats(c);
    const heap = () => new Float32Array(heapMemory(backend).buffer);
    const [dy0, x0, y0] = [dy, x, y].map((t) => heapIndex(backend, t) * 4);
    const [m, s] = [mean, invStd].map((t) => heapIndex(backend, t) * 4);
    const g0 = dResidual ? heapIndex(backend, dResidual) * 4 : gSink;
    const gStride = dResidual ? cb : 0;
    const { sum, sum2 } = blockSums(heap, c, rows, acc, acc2, (first, n) =>
      simd.gradReduce(dy0 + first * cb, x0 + first * cb, y0 + first * cb, n, cb, m, s, relu, g0 + first * gStride, gStride, acc, acc2),
    );

    const h = heap();
    const [gi, si, dg, db] = [gamma, invStd, dGamma, dBeta].map((t) => heapIndex(backend, t));
    for (let k = 0; k < c; k++) {
      const inv = h[si + k];
      const ak = h[gi + k] * inv;
      h[db + k] = sum[k];
      h[dg + k] = sum2[k];
      h[a / 4 + k] = ak;
      h[k2 / 4 + k] = (-ak * inv * sum2[k]) / rows;
      h[k1 / 4 + k] = (-ak * sum[k]) / rows;
    }
    simd.gradApply(dy0, x0, y0, heapIndex(backend, dx) * 4, rows, cb, a, k2, m, k1, relu);
  } finally {
    scratch.release();
  }
  return dResidual ? [dx, dGamma, dBeta, dResidual] : [dx, dGamma, dBeta];
}

export const batchNormActTrainGradConfig: KernelConfig = {
  kernelName: BATCH_NORM_ACT_TRAIN_GRAD,
  backendName: 'wasm',
  kernelFunc: batchNormActTrainGrad as unknown as KernelFunc,
};
