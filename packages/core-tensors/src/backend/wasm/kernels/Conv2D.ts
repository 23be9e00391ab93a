/**
 * Conv2D on the wasm backend: layers large enough to repay the copies run on ONNX Runtime when
 * that engine is selected (ort-conv/ort-conv.ts), everything else on the stock XNNPACK kernel.
 */
import {
  Conv2D,
  type Conv2DAttrs,
  type Conv2DInputs,
  type KernelConfig,
  type KernelFunc,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { convGeometry } from '../ort-conv/conv-geometry.js';
import { convInfo } from '../ort-conv/conv-info.js';
import { ortConv2d, useOrt } from '../ort-conv/ort-conv.js';
import { runStockKernel, setupStockKernel } from '../stock-kernels.js';

export function conv2D(args: { inputs: Conv2DInputs; backend: BackendWasm; attrs: Conv2DAttrs }): TensorInfo {
  const { inputs, backend, attrs } = args;
  const x = inputs.x as TensorInfo;
  const filter = inputs.filter as TensorInfo;
  const info = convInfo(x.shape, filter.shape, attrs);
  const g = convGeometry(info);
  if (info.dataFormat === 'channelsLast' && x.dtype === 'float32' && useOrt('forward', g)) return ortConv2d(backend, x, filter, g);
  return runStockKernel(Conv2D, { x, filter }, attrs, backend);
}

export const conv2DConfig: KernelConfig = {
  kernelName: Conv2D,
  backendName: 'wasm',
  kernelFunc: conv2D as unknown as KernelFunc,
  setupFunc: (backend) => setupStockKernel(Conv2D, backend as BackendWasm),
};
