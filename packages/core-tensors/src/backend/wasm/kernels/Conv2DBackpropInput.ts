/**
 * Input gradient of a 2-D convolution on the wasm backend, replacing the stock naive loop. Large
 * layers run on ONNX Runtime when that engine is selected (ort-conv/); the rest as below.
 *
 * dx[n,y,x,ci] = Σ dy[n,i,j,co] · W[a,b,ci,co] over y = i·s + a − pt, x = j·s + b − pl.
 * For stride 1 this is a stride-1 convolution of dy with W flipped in space and with in/out
 * channels swapped. For stride s > 1 the textbook route convolves a zero-inserted dy, so s²−1 of
 * every s² multiplies hit a zero. Instead we split dx into its s×s phases (sub-pixel
 * decomposition): the pixels with (y+pt) ≡ ry and (x+pl) ≡ rx (mod s) only see the taps
 * a ≡ ry, b ≡ rx, and form a dense stride-1 convolution of dy with that sub-filter. Each phase
 * runs on XNNPACK and is then scattered into dx with heap copies.
 */
import {
  type backend_util,
  Conv2DBackpropInput,
  type Conv2DBackpropInputAttrs,
  type Conv2DBackpropInputInputs,
  type KernelConfig,
  type KernelFunc,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { conv2dSignedPadding } from '../conv-signed-padding.js';
import { convGeometry } from '../ort-conv/conv-geometry.js';
import { nhwcConvInfo } from '../ort-conv/conv-info.js';
import { runConv } from '../ort-conv/ort-conv.js';
import { disposeIntermediates, heapF32, heapIndex } from '../wasm-kernel-calls.js';

/** Rows (or columns) of one phase: m in [first, first+count) maps to y = s·m + r − p. */
interface PhaseAxis {
  taps: number; // sub-filter length: ceil((k − r)/s)
  first: number;
  count: number;
}

function phaseAxis(r: number, k: number, s: number, p: number, inSize: number): PhaseAxis {
  const taps = Math.max(0, Math.ceil((k - r) / s));
  const first = Math.ceil((p - r) / s);
  const last = Math.floor((inSize - 1 + p - r) / s);
  return { taps, first, count: Math.max(0, last - first + 1) };
}

/**
 * Sub-filter of phase (ry, rx): F[u,v,co,ci] = W[ry + s·(Th−1−u), rx + s·(Tw−1−v), ci, co], i.e.
 * the phase's taps, flipped, with in/out channels swapped.
 */
function phaseFilter(
  backend: BackendWasm,
  filter: TensorInfo,
  ry: number,
  rx: number,
  rowAxis: PhaseAxis,
  colAxis: PhaseAxis,
  sh: number,
  sw: number,
): TensorInfo {
  const [, kw, ci, co] = filter.shape;
  const th = rowAxis.taps;
  const tw = colAxis.taps;
  const out = backend.makeOutput([th, tw, co, ci], 'float32');
  const heap = heapF32(backend, out).buffer;
  const src = new Float32Array(heap, backend.getMemoryOffset(filter.dataId), filter.shape.reduce((p, d) => p * d, 1));
  const dst = new Float32Array(heap, backend.getMemoryOffset(out.dataId), th * tw * co * ci);
  for (let u = 0; u < th; u++) {
    const a = ry + sh * (th - 1 - u);
    for (let v = 0; v < tw; v++) {
      const b = rx + sw * (tw - 1 - v);
      const srcTap = (a * kw + b) * ci * co;
      const dstTap = (u * tw + v) * co * ci;
      for (let c = 0; c < ci; c++) {
        const s0 = srcTap + c * co;
        let d = dstTap + c;
        for (let o = 0; o < co; o++, d += ci) dst[d] = src[s0 + o];
      }
    }
  }
  return out;
}

export function conv2DBackpropInput(args: {
  inputs: Conv2DBackpropInputInputs;
  backend: BackendWasm;
  attrs: Conv2DBackpropInputAttrs;
}): TensorInfo {
  const { inputs, backend, attrs } = args;
  const dy = inputs.dy as TensorInfo;
  const filter = inputs.filter as TensorInfo;
  const info = nhwcConvInfo('Conv2DBackpropInput', attrs.inputShape, filter.shape, attrs);
  const xnnpack = () => inputGradByPhases(backend, dy, filter, info);
  if (dy.dtype !== 'float32') return xnnpack();
  const g = convGeometry(info);
  return runConv(backend, 'input-grad', g, dy, filter, [g.n, g.h, g.w, g.ci], xnnpack);
}

/** The XNNPACK path: one stride-1 convolution per stride phase, interleaved into dx. */
function inputGradByPhases(backend: BackendWasm, dy: TensorInfo, filter: TensorInfo, info: backend_util.Conv2DInfo): TensorInfo {
  const { batchSize: n, inHeight: h, inWidth: w, inChannels: ci, outHeight: ho, outWidth: wo } = info;
  const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw, padInfo } = info;

  const phases: { rows: PhaseAxis; cols: PhaseAxis; ry: number; rx: number; out: TensorInfo | null }[] = [];
  for (let ry = 0; ry < sh; ry++) {
    for (let rx = 0; rx < sw; rx++) {
      const rows = phaseAxis(ry, kh, sh, padInfo.top, h);
      const cols = phaseAxis(rx, kw, sw, padInfo.left, w);
      let out: TensorInfo | null = null;
      if (rows.taps > 0 && cols.taps > 0 && rows.count > 0 && cols.count > 0) {
        const sub = phaseFilter(backend, filter, ry, rx, rows, cols, sh, sw);
        // Output row u is phase row m = first + u and reads dy rows m − Th + 1 … m.
        const padTop = rows.taps - 1 - rows.first;
        const padLeft = cols.taps - 1 - cols.first;
        out = conv2dSignedPadding(backend, dy, sub, {
          pads: [padTop, rows.count - ho - padTop + rows.taps - 1, padLeft, cols.count - wo - padLeft + cols.taps - 1],
          strides: [1, 1],
          dilations: [1, 1],
          outHeight: rows.count,
          outWidth: cols.count,
        });
        disposeIntermediates(backend, sub);
      }
      phases.push({ rows, cols, ry, rx, out });
    }
  }

  if (sh === 1 && sw === 1 && phases[0].out !== null) return phases[0].out;

  const dx = backend.makeOutput([n, h, w, ci], 'float32');
  const heap = heapF32(backend, dx);
  const all = new Float32Array(heap.buffer);
  const dxBase = heapIndex(backend, dx);
  if (phases.some((p) => p.out === null)) heap.fill(0);
  for (const { rows, cols, ry, rx, out } of phases) {
    if (out === null) continue;
    const base = heapIndex(backend, out);
    const y0 = sh * rows.first + ry - padInfo.top;
    const x0 = sw * cols.first + rx - padInfo.left;
    let src = base;
    for (let b = 0; b < n; b++) {
      for (let u = 0; u < rows.count; u++) {
        let dst = dxBase + ((b * h + y0 + sh * u) * w + x0) * ci;
        for (let v = 0; v < cols.count; v++, src += ci, dst += sw * ci) all.copyWithin(dst, src, src + ci);
      }
    }
    disposeIntermediates(backend, out);
  }
  return dx;
}

export const conv2DBackpropInputConfig: KernelConfig = {
  kernelName: Conv2DBackpropInput,
  backendName: 'wasm',
  kernelFunc: conv2DBackpropInput as unknown as KernelFunc,
};
