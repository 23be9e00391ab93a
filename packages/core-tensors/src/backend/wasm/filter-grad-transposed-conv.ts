/**
 * Filter gradient of a 2-D convolution as a convolution of transposes:
 * dW[a,b,ci,co] = Σ_{n,i,j} x[n, i·s + a − pt, j·s + b − pl, ci] · dy[n,i,j,co] is a conv of x
 * with channels as batch and batch as channels ([Ci,H,W,N]) by dy used as the filter
 * ([Ho,Wo,N,Co]) dilated by the forward stride; the Ci "images" of the result ([Ci,kh,kw,Co])
 * are the gradient after one transpose. XNNPACK's conv beats the patch-matrix GEMM
 * (filter-grad-gemm.ts) when the spatial "filter" is large and the channels are moderate (the
 * 64-channel 32×32 layers), because it never materialises kh·kw copies of x.
 */
import type { TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { conv2dSignedPadding } from './conv-signed-padding.js';
import type { FilterGradGeometry } from './filter-grad-gemm.js';
import { transpose4d } from './heap-transpose.js';
import { disposeIntermediates } from './wasm-kernel-calls.js';

export function filterGradTransposedConv(
  backend: BackendWasm,
  x: TensorInfo,
  dy: TensorInfo,
  g: FilterGradGeometry,
): TensorInfo {
  const xT = transpose4d(backend, x, [3, 1, 2, 0]);
  const dyT = transpose4d(backend, dy, [1, 2, 0, 3]);
  const grad = conv2dSignedPadding(backend, xT, dyT, {
    pads: [
      g.padTop,
      g.kh - 1 + (g.ho - 1) * g.sh + 1 - g.h - g.padTop,
      g.padLeft,
      g.kw - 1 + (g.wo - 1) * g.sw + 1 - g.w - g.padLeft,
    ],
    strides: [1, 1],
    dilations: [g.sh, g.sw],
    outHeight: g.kh,
    outWidth: g.kw,
  });
  const out = transpose4d(backend, grad, [1, 2, 0, 3]);
  disposeIntermediates(backend, xT, dyT, grad);
  return out;
}
