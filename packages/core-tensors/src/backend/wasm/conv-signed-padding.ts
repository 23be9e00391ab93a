/**
 * An NHWC convolution through the wasm backend's XNNPACK Conv2D, where the four paddings may be
 * negative. Gradient convolutions need "padding" that trims the input (e.g. the bottom rows a
 * strided forward conv never read); XNNPACK only pads, so a negative side becomes zero padding
 * plus a crop of the output.
 */
import type { TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { runStockKernel } from './stock-kernels.js';
import { disposeIntermediates, sliceInfo } from './wasm-kernel-calls.js';

export interface SignedConvSpec {
  /** [top, bottom, left, right]; negative values trim. */
  pads: [number, number, number, number];
  strides: [number, number];
  dilations: [number, number];
  /** Output rows and columns wanted. */
  outHeight: number;
  outWidth: number;
}

export function conv2dSignedPadding(
  backend: BackendWasm,
  x: TensorInfo,
  filter: TensorInfo,
  spec: SignedConvSpec,
): TensorInfo {
  const [top, bottom, left, right] = spec.pads;
  const [sh, sw] = spec.strides;
  // A trimmed side means the real output starts later in the zero-padded conv's output; the
  // trim must land on the stride grid, which holds for every use here (strides are 1 when pads
  // can be negative, or the trimmed rows are a whole number of strides).
  const cropTop = top < 0 ? Math.ceil(-top / sh) : 0;
  const cropLeft = left < 0 ? Math.ceil(-left / sw) : 0;
  const padTop = top < 0 ? top + cropTop * sh : top;
  const padLeft = left < 0 ? left + cropLeft * sw : left;
  const pad = [
    [0, 0],
    [padTop, Math.max(0, bottom)],
    [padLeft, Math.max(0, right)],
    [0, 0],
  ];
  // The stock XNNPACK kernel, not ours: these convs are the XNNPACK gradient paths themselves.
  const full = runStockKernel(
    'Conv2D',
    { x, filter },
    { strides: spec.strides, pad, dataFormat: 'NHWC', dilations: spec.dilations, dimRoundingMode: 'floor' },
    backend,
  );
  const [n, h, w, c] = full.shape;
  if (cropTop === 0 && cropLeft === 0 && h === spec.outHeight && w === spec.outWidth) return full;
  if (h < cropTop + spec.outHeight || w < cropLeft + spec.outWidth) {
    disposeIntermediates(backend, full);
    throw new Error(
      `conv2dSignedPadding: conv produced ${h}x${w}, need ${spec.outHeight}x${spec.outWidth} from offset ${cropTop},${cropLeft}`,
    );
  }
  const cropped = sliceInfo(backend, full, [0, cropTop, cropLeft, 0], [n, spec.outHeight, spec.outWidth, c]);
  disposeIntermediates(backend, full);
  return cropped;
}
