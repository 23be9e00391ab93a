/**
 * Identity on the wasm backend without a copy. The stock kernel copies the whole tensor, and
 * tfjs calls Identity for every `clone`, including every tensor a custom gradient saves for its
 * backward pass (batch norm saves an activation per layer): on a ResNet-18 step that was 143
 * full-size copies, ~170 ms and one extra activation of heap per saved tensor. Tensors are
 * immutable and no wasm kernel writes into its inputs, so sharing the data (as the cpu backend
 * does) is safe; the shared buffer is freed when its last reference is disposed.
 */
import { Identity, type IdentityInputs, type KernelConfig, type KernelFunc, type TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { runStockKernel } from '../stock-kernels.js';

export function identity(args: { inputs: IdentityInputs; backend: BackendWasm }): TensorInfo {
  const { inputs, backend } = args;
  const x = inputs.x as TensorInfo;
  if (x.dtype === 'string') return runStockKernel(Identity, { x }, {}, backend);
  backend.incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}

export const identityConfig: KernelConfig = {
  kernelName: Identity,
  backendName: 'wasm',
  kernelFunc: identity as unknown as KernelFunc,
};
