/** Sum on the wasm backend: leading-axes float32 reductions on the heap, the rest to the stock kernel. */
import { Sum, type KernelConfig, type KernelFunc, type SumAttrs, type SumInputs, type TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { leadingAxesCount, reduceLeadingAxes } from '../leading-axes-reduce.js';
import { runStockKernel, setupStockKernel } from '../stock-kernels.js';

export function sum(args: { inputs: SumInputs; backend: BackendWasm; attrs: SumAttrs }): TensorInfo {
  const { inputs, backend, attrs } = args;
  const x = inputs.x as TensorInfo;
  const leading = x.dtype === 'float32' ? leadingAxesCount(attrs.axis, x.shape) : 0;
  if (leading === 0) return runStockKernel(Sum, { x }, attrs, backend);
  return reduceLeadingAxes(backend, x, leading, attrs.keepDims, false);
}

export const sumConfig: KernelConfig = {
  kernelName: Sum,
  backendName: 'wasm',
  kernelFunc: sum as unknown as KernelFunc,
  setupFunc: (backend) => setupStockKernel(Sum, backend as BackendWasm),
};
