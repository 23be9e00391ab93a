/**
 * BatchMatMul on the wasm backend: single large float32 products go to ONNX Runtime's Gemm under the
 * ort engine (ort-matmul/ort-matmul.ts); batched, broadcast or small ones stay on the stock kernel.
 */
import { BatchMatMul, type BatchMatMulAttrs, type BatchMatMulInputs, type KernelConfig, type KernelFunc, type TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { ortGemm, useOrtGemm } from '../ort-matmul/ort-matmul.js';
import { runStockKernel, setupStockKernel } from '../stock-kernels.js';

export function batchMatMul(args: { inputs: BatchMatMulInputs; backend: BackendWasm; attrs: BatchMatMulAttrs }): TensorInfo {
  const { inputs, backend, attrs } = args;
  const a = inputs.a as TensorInfo;
  const b = inputs.b as TensorInfo;
  const [ar, ac] = a.shape.slice(-2);
  const [br, bc] = b.shape.slice(-2);
  const shape = {
    m: attrs.transposeA ? ac : ar,
    k: attrs.transposeA ? ar : ac,
    n: attrs.transposeB ? br : bc,
    transA: attrs.transposeA,
    transB: attrs.transposeB,
  };
  if (a.shape.length >= 2 && b.shape.length >= 2 && useOrtGemm(a, b, shape)) return ortGemm(backend, a, b, shape);
  return runStockKernel(BatchMatMul, { a, b }, attrs, backend);
}

export const batchMatMulConfig: KernelConfig = {
  kernelName: BatchMatMul,
  backendName: 'wasm',
  kernelFunc: batchMatMul as unknown as KernelFunc,
  setupFunc: (backend) => setupStockKernel(BatchMatMul, backend as BackendWasm),
};
