/**
 * Filter gradient of a 2-D convolution on the wasm backend (the stock backend has none).
 *
 * dW[a,b,ci,co] = Σ_{n,i,j} x[n, i·s + a − pt, j·s + b − pl, ci] · dy[n,i,j,co] is itself a
 * convolution: take x with channels as batch and batch as channels ([Ci,H,W,N]), use dy as the
 * filter ([Ho,Wo,N,Co]), dilate that filter by the forward stride, and the Ci "images" of the
 * result ([Ci,kh,kw,Co]) are the gradient after one transpose. XNNPACK then does all the
 * arithmetic. A 1×1 stride-1 unpadded conv is a plain GEMM xᵀ·dy instead.
 */
import {
  backend_util,
  Conv2DBackpropFilter,
  type Conv2DBackpropFilterAttrs,
  type Conv2DBackpropFilterInputs,
  type KernelConfig,
  type KernelFunc,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { conv2dSignedPadding } from '../conv-signed-padding.js';
import { transpose4d } from '../heap-transpose.js';
import { disposeIntermediates, reshapeInfo, runWasmKernel } from '../wasm-kernel-calls.js';

export function conv2DBackpropFilter(args: {
  inputs: Conv2DBackpropFilterInputs;
  backend: BackendWasm;
  attrs: Conv2DBackpropFilterAttrs;
}): TensorInfo {
  const { inputs, backend, attrs } = args;
  const x = inputs.x as TensorInfo;
  const dy = inputs.dy as TensorInfo;
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs;
  const info = backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    filterShape,
    strides,
    1,
    pad,
    dimRoundingMode,
    false,
    backend_util.convertConv2DDataFormat(dataFormat),
  );
  if (info.dataFormat !== 'channelsLast') {
    throw new Error(`wasm Conv2DBackpropFilter: dataFormat '${dataFormat}' unsupported, use NHWC`);
  }
  const { batchSize: n, inHeight: h, inWidth: w, inChannels: ci, outChannels: co } = info;
  const { outHeight: ho, outWidth: wo, filterHeight: kh, filterWidth: kw } = info;
  const { strideHeight: sh, strideWidth: sw, padInfo } = info;

  const pointwise =
    kh === 1 && kw === 1 && sh === 1 && sw === 1 && padInfo.top === 0 && padInfo.left === 0 && ho === h && wo === w;
  if (pointwise) {
    const x3 = reshapeInfo(backend, x, [1, n * h * w, ci]);
    const dy3 = reshapeInfo(backend, dy, [1, n * ho * wo, co]);
    const prod = runWasmKernel('BatchMatMul', { a: x3, b: dy3 }, { transposeA: true, transposeB: false }, backend);
    const out = reshapeInfo(backend, prod, [1, 1, ci, co]);
    disposeIntermediates(backend, x3, dy3, prod);
    return out;
  }

  const xT = transpose4d(backend, x, [3, 1, 2, 0]);
  const dyT = transpose4d(backend, dy, [1, 2, 0, 3]);
  const grad = conv2dSignedPadding(backend, xT, dyT, {
    pads: [
      padInfo.top,
      (kh - 1) + (ho - 1) * sh + 1 - h - padInfo.top,
      padInfo.left,
      (kw - 1) + (wo - 1) * sw + 1 - w - padInfo.left,
    ],
    strides: [1, 1],
    dilations: [sh, sw],
    outHeight: kh,
    outWidth: kw,
  });
  const out = transpose4d(backend, grad, [1, 2, 0, 3]);
  disposeIntermediates(backend, xT, dyT, grad);
  return out;
}

export const conv2DBackpropFilterConfig: KernelConfig = {
  kernelName: Conv2DBackpropFilter,
  backendName: 'wasm',
  kernelFunc: conv2DBackpropFilter as unknown as KernelFunc,
};
