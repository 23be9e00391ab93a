/**
 * Gradient of training-mode batch normalisation (BatchNormTrain.ts) in two passes on the wasm
 * heap: dβ = Σ dy and dγ = Σ dy·x̂ per channel (float64), then
 * dx = γ·σ⁻¹ · (dy − dβ/n − x̂·dγ/n). Outputs: [dx, dγ, dβ].
 */
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { heapF32, heapIndex } from '../wasm-kernel-calls.js';
import { channelsOf } from './BatchNormTrain.js';

export const BATCH_NORM_TRAIN_GRAD = 'TwindbBatchNormTrainGrad';

export function batchNormTrainGrad(args: {
  inputs: { dy: TensorInfo; xHat: TensorInfo; invStd: TensorInfo; gamma: TensorInfo };
  backend: BackendWasm;
}): TensorInfo[] {
  const { inputs, backend } = args;
  const { dy, xHat, invStd, gamma } = inputs;
  const c = channelsOf(BATCH_NORM_TRAIN_GRAD, dy, [invStd, gamma]);
  if (xHat.shape.join() !== dy.shape.join()) {
    throw new Error(`${BATCH_NORM_TRAIN_GRAD}: x̂ [${xHat.shape}] and dy [${dy.shape}] differ in shape`);
  }
  const size = dy.shape.reduce((a, b) => a * b, 1);
  const n = size / c;
  const dx = backend.makeOutput(dy.shape, 'float32');
  const dGamma = backend.makeOutput([c], 'float32');
  const dBeta = backend.makeOutput([c], 'float32');
  const heap = new Float32Array(heapF32(backend, dx).buffer);
  const ds = heapIndex(backend, dy);
  const hs = heapIndex(backend, xHat);

  const sumDy = new Float64Array(c);
  const sumDyH = new Float64Array(c);
  for (let p = 0; p < size; p += c) {
    for (let k = 0; k < c; k++) {
      const d = heap[ds + p + k];
      sumDy[k] += d;
      sumDyH[k] += d * heap[hs + p + k];
    }
  }
  const meanDy = new Float32Array(c);
  const meanDyH = new Float32Array(c);
  const factor = new Float32Array(c);
  const g = heapIndex(backend, gamma);
  const s = heapIndex(backend, invStd);
  const dg = heapIndex(backend, dGamma);
  const db = heapIndex(backend, dBeta);
  for (let k = 0; k < c; k++) {
    meanDy[k] = sumDy[k] / n;
    meanDyH[k] = sumDyH[k] / n;
    factor[k] = heap[g + k] * heap[s + k];
    heap[dg + k] = sumDyH[k];
    heap[db + k] = sumDy[k];
  }
  const xs = heapIndex(backend, dx);
  for (let p = 0; p < size; p += c) {
    for (let k = 0; k < c; k++) {
      heap[xs + p + k] = (heap[ds + p + k] - meanDy[k] - heap[hs + p + k] * meanDyH[k]) * factor[k];
    }
  }
  return [dx, dGamma, dBeta];
}

export const batchNormTrainGradConfig: KernelConfig = {
  kernelName: BATCH_NORM_TRAIN_GRAD,
  backendName: 'wasm',
  kernelFunc: batchNormTrainGrad as unknown as KernelFunc,
};
