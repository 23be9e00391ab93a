/**
 * Filter gradient of a 2-D convolution as one GEMM per batch chunk:
 * dW[(a,b,ci), co] = Σ_p patchesᵀ[(a,b,ci), p] · dy[p, co] over output pixels p = (n,i,j).
 *
 * The transposed patch matrix is built on the wasm heap from a channel-major copy of x, so every
 * row is a run of contiguous copies, and the product is the wasm BatchMatMul without transposes
 * (its transposeA path was measured 10× slower). The conv-of-transposes formulation
 * (filter-grad-transposed-conv.ts) handles wide layers well, but when few input channels make
 * few output rows (the 3-channel stem: 27 rows against a 32×32 "filter") XNNPACK's conv is far
 * from its GEMM speed; this path is the GEMM itself. Chunking over the batch bounds the patch
 * matrix. filter-grad-method.ts picks between the two per layer shape.
 */
import type { TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { ConvGeometry } from './ort-conv/conv-geometry.js';
import { disposeIntermediates, heapF32, heapIndex, reshapeInfo, runWasmKernel, sliceInfo } from './wasm-kernel-calls.js';

/** Floats per patch-matrix chunk (32 MB). */
const CHUNK_FLOATS = 8 * 2 ** 20;

/** The layer geometry the XNNPACK filter-gradient paths read (dilation 1, as tfjs's gradient requires). */
export type FilterGradGeometry = Pick<
  ConvGeometry,
  'n' | 'h' | 'w' | 'ci' | 'co' | 'ho' | 'wo' | 'kh' | 'kw' | 'sh' | 'sw' | 'padTop' | 'padLeft'
>;

/** x [N,H,W,Ci] → [Ci,N,H,W]: one H×W plane per (channel, image). */
function channelMajor(backend: BackendWasm, x: TensorInfo, g: FilterGradGeometry): TensorInfo {
  const pixels = g.n * g.h * g.w;
  const out = backend.makeOutput([g.ci, g.n, g.h, g.w], 'float32');
  const heap = new Float32Array(heapF32(backend, out).buffer);
  const src = heapIndex(backend, x);
  const dst = heapIndex(backend, out);
  // Blocks of 64 pixels keep the strided writes inside a few cache lines per channel.
  const block = 64;
  for (let p0 = 0; p0 < pixels; p0 += block) {
    const p1 = Math.min(pixels, p0 + block);
    for (let c = 0; c < g.ci; c++) {
      const o = dst + c * pixels;
      for (let p = p0, s = src + p0 * g.ci + c; p < p1; p++, s += g.ci) heap[o + p] = heap[s];
    }
  }
  return out;
}

/** patchesᵀ [kh·kw·Ci, nb·Ho·Wo] for images [b0, b0 + nb), zeros where a tap reads padding. */
function patchesT(backend: BackendWasm, planes: TensorInfo, g: FilterGradGeometry, b0: number, nb: number): TensorInfo {
  const cols = nb * g.ho * g.wo;
  const out = backend.makeOutput([1, g.kh * g.kw * g.ci, cols], 'float32');
  const heap = new Float32Array(heapF32(backend, out).buffer);
  const base = heapIndex(backend, planes);
  let o = heapIndex(backend, out);
  const plane = g.h * g.w;
  for (let a = 0; a < g.kh; a++) {
    for (let b = 0; b < g.kw; b++) {
      // Output columns j whose input column j·sw + b − pl lies inside [0, W).
      const j0 = Math.max(0, Math.ceil((g.padLeft - b) / g.sw));
      const j1 = Math.min(g.wo, Math.floor((g.w - 1 + g.padLeft - b) / g.sw) + 1);
      for (let c = 0; c < g.ci; c++) {
        for (let img = b0; img < b0 + nb; img++) {
          const p = base + (c * g.n + img) * plane;
          for (let i = 0; i < g.ho; i++, o += g.wo) {
            const y = i * g.sh + a - g.padTop;
            if (y < 0 || y >= g.h || j1 <= j0) {
              heap.fill(0, o, o + g.wo);
              continue;
            }
            if (j0 > 0) heap.fill(0, o, o + j0);
            const row = p + y * g.w + b - g.padLeft;
            if (g.sw === 1) {
              heap.copyWithin(o + j0, row + j0, row + j1);
            } else {
              for (let j = j0; j < j1; j++) heap[o + j] = heap[row + j * g.sw];
            }
            if (j1 < g.wo) heap.fill(0, o + j1, o + g.wo);
          }
        }
      }
    }
  }
  return out;
}

export function filterGradGemm(
  backend: BackendWasm,
  x: TensorInfo,
  dy: TensorInfo,
  g: FilterGradGeometry,
  chunkFloats = CHUNK_FLOATS,
): TensorInfo {
  const rows = g.kh * g.kw * g.ci;
  const perImage = g.ho * g.wo;
  const nb = Math.max(1, Math.min(g.n, Math.floor(chunkFloats / (rows * perImage))));
  const planes = channelMajor(backend, x, g);
  const dy3 = reshapeInfo(backend, dy, [1, g.n * perImage, g.co]);
  let acc: TensorInfo | null = null;
  for (let b0 = 0; b0 < g.n; b0 += nb) {
    const count = Math.min(nb, g.n - b0);
    const a = patchesT(backend, planes, g, b0, count);
    const dyChunk = count === g.n ? dy3 : sliceInfo(backend, dy3, [0, b0 * perImage, 0], [1, count * perImage, g.co]);
    const prod = runWasmKernel('BatchMatMul', { a, b: dyChunk }, { transposeA: false, transposeB: false }, backend);
    disposeIntermediates(backend, a);
    if (dyChunk !== dy3) disposeIntermediates(backend, dyChunk);
    if (acc === null) {
      acc = prod;
      continue;
    }
    const heap = new Float32Array(heapF32(backend, prod).buffer);
    const s = heapIndex(backend, prod);
    const d = heapIndex(backend, acc);
    for (let k = 0; k < rows * g.co; k++) heap[d + k] += heap[s + k];
    disposeIntermediates(backend, prod);
  }
  const out = reshapeInfo(backend, acc as TensorInfo, [g.kh, g.kw, g.ci, g.co]);
  disposeIntermediates(backend, planes, dy3, acc as TensorInfo);
  return out;
}
