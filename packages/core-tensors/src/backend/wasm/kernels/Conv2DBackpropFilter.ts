/**
 * Filter gradient of a 2-D convolution on the wasm backend (the stock backend has none).
 *
 * dW[a,b,ci,co] = Σ_{n,i,j} x[n, i·s + a − pt, j·s + b − pl, ci] · dy[n,i,j,co], computed
 * on ONNX Runtime when that engine is selected and the layer is large (ort-conv/), else
 * either as a GEMM of the transposed patch matrix with dy (filter-grad-gemm.ts) or as an XNNPACK
 * convolution of transposed x by transposed dy (filter-grad-transposed-conv.ts); neither wins on
 * every layer shape, so filter-grad-method.ts picks one per shape.
 */
import {
  Conv2DBackpropFilter,
  type Conv2DBackpropFilterAttrs,
  type Conv2DBackpropFilterInputs,
  type KernelConfig,
  type KernelFunc,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { filterGradGemm } from '../filter-grad-gemm.js';
import { filterGradMethod } from '../filter-grad-method.js';
import { filterGradTransposedConv } from '../filter-grad-transposed-conv.js';
import { convGeometry } from '../ort-conv/conv-geometry.js';
import { nhwcConvInfo } from '../ort-conv/conv-info.js';
import { runConv } from '../ort-conv/ort-conv.js';

export function conv2DBackpropFilter(args: {
  inputs: Conv2DBackpropFilterInputs;
  backend: BackendWasm;
  attrs: Conv2DBackpropFilterAttrs;
}): TensorInfo {
  const { inputs, backend, attrs } = args;
  const x = inputs.x as TensorInfo;
  const dy = inputs.dy as TensorInfo;
  const info = nhwcConvInfo('Conv2DBackpropFilter', x.shape, attrs.filterShape, attrs);
  const g = convGeometry(info);
  const xnnpack = () =>
    filterGradMethod(g) === 'transposed-conv' ? filterGradTransposedConv(backend, x, dy, g) : filterGradGemm(backend, x, dy, g);
  if (x.dtype !== 'float32') return xnnpack();
  return runConv(backend, 'filter-grad', g, x, dy, [g.kh, g.kw, g.ci, g.co], xnnpack);
}

export const conv2DBackpropFilterConfig: KernelConfig = {
  kernelName: Conv2DBackpropFilter,
  backendName: 'wasm',
  kernelFunc: conv2DBackpropFilter as unknown as KernelFunc,
};
