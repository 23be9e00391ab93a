/**
 * Conv2D on the wasm backend: under the ort engine each layer runs on whichever of ONNX Runtime's
 * graph forms or the stock XNNPACK kernel was fastest on its first call (ort-conv/ort-conv.ts).
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
import { runConv } from '../ort-conv/ort-conv.js';
import { runStockKernel, setupStockKernel } from '../stock-kernels.js';

export function conv2D(args: { inputs: Conv2DInputs; backend: BackendWasm; attrs: Conv2DAttrs }): TensorInfo {
  const { inputs, backend, attrs } = args;
  const x = inputs.x as TensorInfo;
  const filter = inputs.filter as TensorInfo;
  const info = convInfo(x.shape, filter.shape, attrs);
  const g = convGeometry(info);
  const xnnpack = () => runStockKernel(Conv2D, { x, filter }, attrs, backend);
  if (info.dataFormat !== 'channelsLast' || x.dtype !== 'float32') return xnnpack();
  return runConv(backend, 'forward', g, x, filter, [g.n, g.ho, g.wo, g.co], xnnpack);
}

export const conv2DConfig: KernelConfig = {
  kernelName: Conv2D,
  backendName: 'wasm',
  kernelFunc: conv2D as unknown as KernelFunc,
  setupFunc: (backend) => setupStockKernel(Conv2D, backend as BackendWasm),
};
