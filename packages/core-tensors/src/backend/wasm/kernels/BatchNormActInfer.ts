/**
 * Inference-mode batch normalisation (running statistics) fused with the optional residual add and
 * ReLU, as one SIMD pass (simd/batch-norm-act.wat's `apply`). tfjs-wasm's stock FusedBatchNorm took
 * as long as all the convolutions of a small-CNN eval forward (83 against 88 ms for 256 images),
 * which made every kNN evaluation and tfjs-side feature extraction half batch norm.
 *
 * Not a tfjs kernel: twindb's own name, called by @twindb/pretext's BatchNorm2d in eval mode.
 * Inputs: x, gamma, beta, mean, variance (running), optional residual. Channels: a multiple of 4.
 */
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { applyBatchNormAct } from '../simd/batch-norm-act.js';
import { HeapScratch, heapMemory } from '../simd/heap-module.js';
import { heapIndex } from '../wasm-kernel-calls.js';
import { fusedChannels, type BatchNormActTrainAttrs } from './BatchNormActTrain.js';

export const BATCH_NORM_ACT_INFER = 'TwindbBatchNormActInfer';

export function batchNormActInfer(args: {
  inputs: { x: TensorInfo; gamma: TensorInfo; beta: TensorInfo; mean: TensorInfo; variance: TensorInfo; residual?: TensorInfo };
  backend: BackendWasm;
  attrs: BatchNormActTrainAttrs;
}): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { x, gamma, beta, mean, variance, residual } = inputs;
  const c = fusedChannels(BATCH_NORM_ACT_INFER, x, [gamma, beta, mean, variance], residual ? [residual] : []);
  const y = backend.makeOutput(x.shape, 'float32');
  const scratch = new HeapScratch(backend);
  try {
    const scale = scratch.floats(c);
    const h = new Float32Array(heapMemory(backend).buffer);
    const [g, v] = [gamma, variance].map((t) => heapIndex(backend, t));
    for (let k = 0; k < c; k++) h[scale / 4 + k] = h[g + k] / Math.sqrt(h[v + k] + attrs.epsilon);
    const perChannel = { mean: heapIndex(backend, mean) * 4, scale, beta: heapIndex(backend, beta) * 4 };
    applyBatchNormAct(backend, scratch, x, residual, y, perChannel, attrs.relu);
  } finally {
    scratch.release();
  }
  return y;
}

export const batchNormActInferConfig: KernelConfig = {
  kernelName: BATCH_NORM_ACT_INFER,
  backendName: 'wasm',
  kernelFunc: batchNormActInfer as unknown as KernelFunc,
};
