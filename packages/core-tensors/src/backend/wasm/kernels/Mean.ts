/** Mean on the wasm backend: leading-axes float32 reductions on the heap, the rest to the stock kernel. */
import { Mean, type KernelConfig, type KernelFunc, type MeanAttrs, type MeanInputs, type TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { leadingAxesCount, reduceLeadingAxes } from '../leading-axes-reduce.js';
import { runStockKernel, setupStockKernel } from '../stock-kernels.js';

export function mean(args: { inputs: MeanInputs; backend: BackendWasm; attrs: MeanAttrs }): TensorInfo {
  const { inputs, backend, attrs } = args;
  const x = inputs.x as TensorInfo;
  const leading = x.dtype === 'float32' ? leadingAxesCount(attrs.axis, x.shape) : 0;
  if (leading === 0) return runStockKernel(Mean, { x }, attrs, backend);
  return reduceLeadingAxes(backend, x, leading, attrs.keepDims, true);
}

export const meanConfig: KernelConfig = {
  kernelName: Mean,
  backendName: 'wasm',
  kernelFunc: mean as unknown as KernelFunc,
  setupFunc: (backend) => setupStockKernel(Mean, backend as BackendWasm),
};
