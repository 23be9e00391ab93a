/**
 * Training-mode batch normalisation over the channel (last) axis, fused with the residual add and
 * ReLU that follow it in ResNets: y = max(γ·(x − μ)·σ⁻¹ + β + r, 0), with μ and the biased variance
 * from the batch. Two SIMD passes over the heap (simd/batch-norm-act.wat): per-channel sums, then
 * the output. As tfjs ops it is ~9 passes whose results all stay alive until the backward pass ends
 * (x̂, γx̂+β, +r, ReLU), which is what filled wasm32's 4 GB heap on ResNet-18 SimCLR batches; this
 * keeps only y, and the gradient kernel recomputes x̂ from x.
 *
 * Not a tfjs kernel: twindb's own name, called by @twindb/pretext's BatchNorm2d when the active
 * backend has it. Inputs: x, gamma, beta, optional residual (x's shape). Channels: a multiple of 4.
 * Outputs: [y, mean, biased variance, σ⁻¹].
 */
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { applyBatchNormAct, batchNormActKernels, blockSums } from '../simd/batch-norm-act.js';
import { HeapScratch, heapMemory } from '../simd/heap-module.js';
import { heapIndex } from '../wasm-kernel-calls.js';

export const BATCH_NORM_ACT_TRAIN = 'TwindbBatchNormActTrain';

export interface BatchNormActTrainAttrs {
  epsilon: number;
  /** Apply ReLU to the result. */
  relu: boolean;
}

/** Channel count of `x`, after checking every operand the fused batch-norm kernels take. */
export function fusedChannels(kernel: string, x: TensorInfo, perChannel: TensorInfo[], sameShape: TensorInfo[]): number {
  const c = x.shape[x.shape.length - 1];
  if (x.dtype !== 'float32' || x.shape.length < 2 || c % 4 !== 0) {
    throw new Error(`${kernel}: expected a float32 tensor whose channel (last) axis is a multiple of 4, got ${x.dtype} [${x.shape}]`);
  }
  for (const p of perChannel) {
    if (p.shape.length !== 1 || p.shape[0] !== c || p.dtype !== 'float32') {
      throw new Error(`${kernel}: expected float32 [${c}] per-channel operands, got ${p.dtype} [${p.shape}]`);
    }
  }
  for (const t of sameShape) {
    if (t.dtype !== 'float32' || t.shape.join() !== x.shape.join()) {
      throw new Error(`${kernel}: expected float32 operands of shape [${x.shape}], got ${t.dtype} [${t.shape}]`);
    }
  }
  return c;
}

export function batchNormActTrain(args: {
  inputs: { x: TensorInfo; gamma: TensorInfo; beta: TensorInfo; residual?: TensorInfo };
  backend: BackendWasm;
  attrs: BatchNormActTrainAttrs;
}): TensorInfo[] {
  const { inputs, backend, attrs } = args;
  const { x, gamma, beta, residual } = inputs;
  const c = fusedChannels(BATCH_NORM_ACT_TRAIN, x, [gamma, beta], residual ? [residual] : []);
  const rows = x.shape.reduce((a, b) => a * b, 1) / c;
  const cb = c * 4;
  const simd = batchNormActKernels(backend);

  const y = backend.makeOutput(x.shape, 'float32');
  const mean = backend.makeOutput([c], 'float32');
  const variance = backend.makeOutput([c], 'float32');
  const invStd = backend.makeOutput([c], 'float32');
  const scratch = new HeapScratch(backend);
  try {
    const shift = scratch.floats(c);
    const acc = scratch.floats(c);
    const acc2 = scratch.floats(c);
    const scale = scratch.floats(c);
    const heap = () => new Float32Array(heapMemory(backend).buffer);
    const x0 = heapIndex(backend, x);
    // Sums of x − (first row): a sample of the data, so E[(x−s)²] − E[x−s]² does not cancel.
    heap().copyWithin(shift / 4, x0, x0 + c);
    const { sum, sum2 } = blockSums(heap, c, rows, acc, acc2, (first, n) => simd.stats(x0 * 4 + first * cb, n, cb, shift, acc, acc2));

    const h = heap();
    const [m, v, s, g, b] = [mean, variance, invStd, gamma, beta].map((t) => heapIndex(backend, t));
    for (let k = 0; k < c; k++) {
      const d = sum[k] / rows;
      const varK = Math.max(0, sum2[k] / rows - d * d);
      const inv = 1 / Math.sqrt(varK + attrs.epsilon);
      h[m + k] = h[shift / 4 + k] + d;
      h[v + k] = varK;
      h[s + k] = inv;
      h[scale / 4 + k] = h[g + k] * inv;
    }
    applyBatchNormAct(backend, scratch, x, residual, y, { mean: m * 4, scale, beta: b * 4 }, attrs.relu);
  } finally {
    scratch.release();
  }
  return [y, mean, variance, invStd];
}

export const batchNormActTrainConfig: KernelConfig = {
  kernelName: BATCH_NORM_ACT_TRAIN,
  backendName: 'wasm',
  kernelFunc: batchNormActTrain as unknown as KernelFunc,
};
