/**
 * The filter gradient of a stride-1 convolution as kh·kw GEMMs whose left operands are zero-copy
 * windows of one buffer (the conv runner's 'tap-views' form).
 *
 * dW[a,b] = Σ over output pixels of x(pixel shifted by tap a,b) ⊗ dy(pixel). The other forms
 * either copy x once per tap (direct: one Slice and one Gemm per tap) or build the kh·kw-wide
 * patch matrix (im2col), and both reduce over the pixel axis with Gemm's transA, which MLAS runs
 * at half speed: 64×64 outputs over 131,072 pixels took 11.1 ms with transA against 4.9 ms with
 * both operands pixel-contiguous (transB) on the project's machine.
 *
 * Here x and dy are laid out channel-major on a common grid: each image gets Hg × Wg cells
 * (Hg = H + max pad rows, Wg = W + max pad cols), the image in the top-left and zeros in the
 * extra rows and columns, all images back to back per channel; x also gets one zero channel before
 * and after (filled here, not by ORT). On that grid a tap (a,b) is one constant offset,
 * (a − pt)·Wg + (b − pl): a read that falls outside the image lands in a zero row or column (of this
 * image, the one before, or a zero channel), never on another pixel. So x shifted by a tap is the grid read from that offset,
 * a contiguous [ci, K] window (K = n·Hg·Wg; its rows run on into the next channel, where dy's
 * zero cells meet them), and each tap is one Gemm(window, dy grid, transB) → [ci, co].
 * The zero cells cost work: ×1.06 at 32×32, ×1.56 at 4×4, which is why ort-conv times it
 * against the other forms rather than always using it.
 *
 * Measured through the registered kernel (batch 128, 3×3 'same', 2 threads, median ms): 32×32×64
 * direct 122, im2col 85, tap-views 76 (building the grids 21–33 of it, the nine Gemms 52);
 * 8×8×256 im2col 46 vs 47; 4×4×512 im2col 42 vs 54. In a ResNet-18 step it takes the 32×32 layers.
 */
import type { TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { OnnxGraphBuilder } from '../../../onnx/onnx-graph.js';
import { OrtSyncSession } from '../../ort/ort-sync-session.js';
import { runOrtIntoHeap } from '../ort-heap-run.js';
import { disposeIntermediates, heapF32 } from '../wasm-kernel-calls.js';
import type { ConvGeometry } from './conv-geometry.js';

/** The grid both operands are laid out on: cells per image row and column, and cells per channel. */
interface TapGrid {
  hg: number;
  wg: number;
  k: number;
}

function tapGrid(g: ConvGeometry): TapGrid {
  const hg = g.h + Math.max(g.padTop, g.padBottom);
  const wg = g.w + Math.max(g.padLeft, g.padRight);
  return { hg, wg, k: g.n * hg * wg };
}

/** Grid cells per image pixel: the work the zero bands add (×1.066 at 32×32 with pad 1, ×1.56 at 4×4). */
export function tapViewsBandOverhead(g: ConvGeometry): number {
  const { hg, wg } = tapGrid(g);
  return (hg * wg) / (g.h * g.w);
}

/** Whether the form computes this layer: stride and dilation 1, pads within the kernel, more than one tap. */
export function tapViewsFit(g: ConvGeometry): boolean {
  const unit = g.sh === 1 && g.sw === 1 && g.dh === 1 && g.dw === 1;
  const pads = [g.padTop, g.padBottom, g.padLeft, g.padRight];
  const padsInKernel = Math.max(g.padTop, g.padBottom) < g.kh && Math.max(g.padLeft, g.padRight) < g.kw;
  return unit && g.kh * g.kw > 1 && pads.every((p) => p >= 0) && padsInKernel;
}

/**
 * x → [ci, K] and dy → [co, K] on the grid. Padding first (NHWC, whole rows of W·c values per
 * copy) and then one 2-D transpose is faster than transposing first and padding rows of W values.
 */
function gridGraph(g: ConvGeometry, grid: TapGrid): Uint8Array {
  const b = new OnnxGraphBuilder('twindb-filter-grad-tap-grid', 13);
  b.input('x', [g.n, g.h, g.w, g.ci]);
  b.input('dy', [g.n, g.ho, g.wo, g.co]);
  const toGrid = (v: string, h: number, w: number, channels: number, out: string) => {
    const padded = b.node('Pad', [v, b.int64Initializer('pads', [0, 0, 0, 0, 0, grid.hg - h, grid.wg - w, 0])]);
    const rows = b.node('Reshape', [padded, b.int64Initializer('shape', [grid.k, channels])]);
    b.node('Transpose', [rows], { perm: [1, 0] }, out);
    b.output(out, [channels, grid.k]);
  };
  toGrid('x', g.h, g.w, g.ci, 'xg');
  toGrid('dy', g.ho, g.wo, g.co, 'dyg');
  return b.toBytes();
}

/** One Gemm per tap: window t [ci, K] · dy grid [co, K]ᵀ → [ci, co], stacked into the HWIO filter. */
function tapGemmGraph(g: ConvGeometry, grid: TapGrid): Uint8Array {
  const b = new OnnxGraphBuilder('twindb-filter-grad-tap-gemm', 13);
  b.input('dyg', [g.co, grid.k]);
  const taps: string[] = [];
  for (let t = 0; t < g.kh * g.kw; t++) {
    b.input(`tap${t}`, [g.ci, grid.k]);
    taps.push(b.node('Gemm', [`tap${t}`, 'dyg'], { transB: 1 }));
  }
  const stacked = taps.length === 1 ? taps[0] : b.node('Concat', taps, { axis: 0 });
  b.node('Reshape', [stacked, b.int64Initializer('shape', [g.kh, g.kw, g.ci, g.co])], {}, 'dw');
  b.output('dw', [g.kh, g.kw, g.ci, g.co]);
  return b.toBytes();
}

/** The 'tap-views' filter gradient of one layer shape: its two sessions, reused call after call. */
export class TapViewsFilterGrad {
  private readonly grid: TapGrid;
  private readonly toGrid: OrtSyncSession;
  private readonly gemms: OrtSyncSession;

  constructor(private readonly g: ConvGeometry) {
    if (!tapViewsFit(g)) throw new Error('filter gradient tap-views: needs stride 1, dilation 1 and pads within the kernel');
    this.grid = tapGrid(g);
    this.toGrid = new OrtSyncSession(gridGraph(g, this.grid));
    this.gemms = new OrtSyncSession(tapGemmGraph(g, this.grid));
  }

  /** dW [kh, kw, ci, co] of x [n, h, w, ci] and dy [n, ho, wo, co], as a new heap tensor. */
  run(backend: BackendWasm, x: TensorInfo, dy: TensorInfo): TensorInfo {
    const { g, grid } = this;
    const xg = backend.makeOutput([g.ci + 2, grid.k], 'float32');
    const dyg = backend.makeOutput([g.co, grid.k], 'float32');
    const dw = backend.makeOutput([g.kh, g.kw, g.ci, g.co], 'float32');
    try {
      // xg's first and last rows are the zero channels; the grid of x goes between them.
      const xgView = heapF32(backend, xg);
      xgView.fill(0, 0, grid.k);
      xgView.fill(0, (g.ci + 1) * grid.k);
      runOrtIntoHeap(backend, this.toGrid, [{ name: 'x', tensor: x }, { name: 'dy', tensor: dy }], [
        { name: 'xg', tensor: xg, offset: grid.k, dims: [g.ci, grid.k] },
        { name: 'dyg', tensor: dyg },
      ]);
      const windows = [];
      for (let a = 0; a < g.kh; a++) {
        for (let b = 0; b < g.kw; b++) {
          // Row 0 of xg is the zero channel, so the window of a tap starts one channel (K) in.
          const offset = grid.k + (a - g.padTop) * grid.wg + (b - g.padLeft);
          windows.push({ name: `tap${a * g.kw + b}`, tensor: xg, offset, dims: [g.ci, grid.k] });
        }
      }
      runOrtIntoHeap(backend, this.gemms, [{ name: 'dyg', tensor: dyg }, ...windows], [{ name: 'dw', tensor: dw }]);
    } catch (err) {
      disposeIntermediates(backend, dw);
      throw err;
    } finally {
      disposeIntermediates(backend, xg, dyg);
    }
    return dw;
  }

  dispose(): void {
    this.toGrid.dispose();
    this.gemms.dispose();
  }
}
