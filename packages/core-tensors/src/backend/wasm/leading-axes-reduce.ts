/**
 * Sum / mean over a tensor's leading axes (e.g. [N,H,W,C] over N,H,W → [C]) on the wasm heap.
 * Batch-norm statistics and its gradients reduce exactly this way. The stock wasm Sum and Mean
 * first transpose the reduced axes innermost with the generic per-element Transpose, which cost
 * more than the reduction itself; rows of the inner size are contiguous, so one pass that adds
 * each row into a float64 accumulator suffices.
 */
import { Mean, Sum, util, type KernelConfig, type KernelFunc, type SumAttrs, type TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { runStockKernel, setupStockKernel } from './stock-kernels.js';
import { heapF32, heapIndex } from './wasm-kernel-calls.js';

/** The number of leading axes `axis` reduces when it is exactly [0, k) with 0 < k < rank, else 0. */
export function leadingAxesCount(axis: number | number[], shape: number[]): number {
  const axes = [...new Set(util.parseAxisParam(axis, shape))].sort((a, b) => a - b);
  if (axes.length === 0 || axes.length >= shape.length) return 0;
  return axes.every((a, i) => a === i) ? axes.length : 0;
}

export function reduceLeadingAxes(
  backend: BackendWasm,
  x: TensorInfo,
  leading: number,
  keepDims: boolean,
  mean: boolean,
): TensorInfo {
  const outer = x.shape.slice(0, leading).reduce((a, b) => a * b, 1);
  const innerShape = x.shape.slice(leading);
  const inner = innerShape.reduce((a, b) => a * b, 1);
  const out = backend.makeOutput(keepDims ? [...x.shape.slice(0, leading).map(() => 1), ...innerShape] : innerShape, 'float32');
  const heap = new Float32Array(heapF32(backend, out).buffer);
  const acc = new Float64Array(inner);
  // Four rows per pass: a quarter of the accumulator loads and stores.
  let r = 0;
  let s = heapIndex(backend, x);
  for (; r + 4 <= outer; r += 4, s += 4 * inner) {
    const s1 = s + inner;
    const s2 = s1 + inner;
    const s3 = s2 + inner;
    for (let c = 0; c < inner; c++) acc[c] += heap[s + c] + heap[s1 + c] + (heap[s2 + c] + heap[s3 + c]);
  }
  for (; r < outer; r++, s += inner) {
    for (let c = 0; c < inner; c++) acc[c] += heap[s + c];
  }
  const scale = mean && outer > 0 ? 1 / outer : 1;
  const dst = heapIndex(backend, out);
  for (let c = 0; c < inner; c++) heap[dst + c] = acc[c] * scale;
  return out;
}

/**
 * The wasm Sum or Mean kernel: float32 reductions over leading axes on the heap, every other input
 * to the stock kernel. (Sum and Mean share their attributes: axis, keepDims.)
 */
export function leadingAxesReduceConfig(kernelName: typeof Sum | typeof Mean): KernelConfig {
  const mean = kernelName === Mean;
  const kernelFunc = (args: { inputs: { x: TensorInfo }; backend: BackendWasm; attrs: SumAttrs }): TensorInfo => {
    const { inputs, backend, attrs } = args;
    const x = inputs.x;
    const leading = x.dtype === 'float32' ? leadingAxesCount(attrs.axis, x.shape) : 0;
    if (leading === 0) return runStockKernel(kernelName, { x }, attrs, backend);
    return reduceLeadingAxes(backend, x, leading, attrs.keepDims, mean);
  };
  return {
    kernelName,
    backendName: 'wasm',
    kernelFunc: kernelFunc as unknown as KernelFunc,
    setupFunc: (backend) => setupStockKernel(kernelName, backend as BackendWasm),
  };
}
